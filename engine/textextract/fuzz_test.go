package textextract_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sendguard/sendguard/engine/textextract"
)

// FuzzHTML: no input panics; the output is valid UTF-8, never longer than
// the input, and carries no tag the input spelled out literally.
func FuzzHTML(f *testing.F) {
	for _, s := range []string{
		"<p>NHS 943 <span>476</span> 5919</p>", "<script>x</script>", "&#57;&#x34;&nbsp;&amp",
		"<!-- c -->", "<a href='>'>x</a>", "\xff\xfe", "<template><template></template>", "&#99999999999;",
		"<", "&", "<!", "<!-", "<!--", "<?", "</", "</a", "<a", "<a b='", "<script>", "&#x", "&n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := textextract.HTML(in)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q: %q", in, out)
		}
		if len(out) > len(in) {
			t.Fatalf("output longer than input: %q -> %q", in, out)
		}
		if strings.Contains(out, "<script") && !strings.Contains(in, "&lt;script") && !strings.Contains(in, "&#") {
			t.Fatalf("script tag survived: %q -> %q", in, out)
		}
		plain := textextract.Plain(in)
		if !utf8.ValidString(plain) || len(plain) > len(in) {
			t.Fatalf("Plain(%q) = %q", in, plain)
		}
	})
}
