package mimemsg_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/server/mimemsg"
)

// corpora finds the shared third-party corpora: ../shared/corpora from the
// repository root, located from this file so that the test does not depend
// on the working directory. SENDGUARD_CORPORA overrides it.
func corpora(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("SENDGUARD_CORPORA")
	if dir == "" {
		_, file, _, _ := runtime.Caller(0)
		dir = filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "corpora")
	}
	if _, err := os.Stat(filepath.Join(dir, "mail")); err != nil {
		tb.Fatalf("third-party corpora missing: want %s/mail (../shared/corpora from the repository root, or set SENDGUARD_CORPORA): %v", dir, err)
	}
	return dir
}

// mailFiles lists every message under mail/<sub>, leaving out the licence
// files that sit beside the data.
func mailFiles(tb testing.TB, sub string) []string {
	tb.Helper()
	var files []string
	root := filepath.Join(corpora(tb), "mail", sub)
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && !strings.HasPrefix(d.Name(), "_LICENSE") {
			files = append(files, path)
		}
		return nil
	})
	require.NoError(tb, err)
	require.NotEmpty(tb, files, "no messages under %s", root)
	return files
}

func defaultEngine(tb testing.TB) *engine.Engine {
	tb.Helper()
	eng, err := engine.New(engine.DefaultPolicy())
	require.NoError(tb, err)
	return eng
}

// TestThirdPartyMail parses every message of the shared corpora and checks
// it: each gets a verdict, and no parse fails.
func TestThirdPartyMail(t *testing.T) {
	eng := defaultEngine(t)
	for _, sub := range []string{"enron", "odd-mime"} {
		files := mailFiles(t, sub)
		t.Run(sub, func(t *testing.T) {
			bccRepeatsCc := 0
			for _, path := range files {
				name := filepath.Base(path)
				b, err := os.ReadFile(path)
				require.NoError(t, err)
				p, err := mimemsg.ParseBytesWithOptions(b, mimemsg.Options{})
				require.NoError(t, err, name)
				m := p.Message
				assert.True(t, utf8.ValidString(m.Subject), name)
				assert.True(t, utf8.ValidString(m.Body.Content), name)
				for _, alt := range m.AlternativeBodies {
					assert.True(t, utf8.ValidString(alt.Content), name)
				}
				v := eng.Check(engine.Request{Message: m})
				assert.Contains(t, []string{engine.ActionAllow, engine.ActionWarn, engine.ActionBlock}, v.Action, name)
				if sub == "enron" {
					// Real headers: every message has a sender, and every
					// address in them survives parsing.
					require.NotNil(t, m.From, name)
					for _, r := range append(append(m.ToRecipients, m.CcRecipients...), m.BccRecipients...) {
						assert.NotEmpty(t, r.EmailAddress.Address, name)
					}
					// Enron's Bcc headers are an export artefact that
					// repeats Cc (corpora/README.md). The parser reads Bcc
					// as written; this count shows the artefact is there
					// rather than special-casing it.
					if len(m.BccRecipients) > 0 && assert.ObjectsAreEqual(addrsOf(m.BccRecipients), addrsOf(m.CcRecipients)) {
						bccRepeatsCc++
					}
				}
			}
			if sub == "enron" {
				assert.Greater(t, bccRepeatsCc, 100, "Enron Bcc headers repeat Cc")
			}
		})
	}
}

func addrsOf(rs []engine.Recipient) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.EmailAddress.Address
	}
	return out
}

// FuzzParse feeds mutated odd MIME to the parser and everything it returns
// to the engine: nothing may panic, and text must come out valid UTF-8.
func FuzzParse(f *testing.F) {
	for _, path := range mailFiles(f, "odd-mime") {
		b, err := os.ReadFile(path)
		require.NoError(f, err)
		f.Add(b)
	}
	eng := defaultEngine(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := mimemsg.ParseBytesWithOptions(b, mimemsg.Options{MaxSize: 1 << 20})
		if err != nil {
			return
		}
		m := p.Message
		if !utf8.ValidString(m.Subject) || !utf8.ValidString(m.Body.Content) {
			t.Fatalf("invalid UTF-8 out of the parser")
		}
		for _, alt := range m.AlternativeBodies {
			if !utf8.ValidString(alt.Content) {
				t.Fatalf("invalid UTF-8 in an alternative body")
			}
		}
		eng.Check(engine.Request{Message: m})
	})
}

// BenchmarkParse parses the Enron corpus, one message per iteration, and
// reports throughput over the raw bytes.
func BenchmarkParse(b *testing.B) {
	files := mailFiles(b, "enron")
	msgs := make([][]byte, len(files))
	var total int64
	for i, path := range files {
		data, err := os.ReadFile(path)
		require.NoError(b, err)
		msgs[i] = data
		total += int64(len(data))
	}
	b.Run("enron", func(b *testing.B) {
		b.SetBytes(total / int64(len(msgs)))
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := mimemsg.ParseBytes(msgs[i%len(msgs)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	// A typical clinical message: multipart/alternative plus a PDF.
	sample, err := os.ReadFile(filepath.Join("..", "cmd", "sendguard", "testdata", "samples", "discharge-to-gmail.eml"))
	require.NoError(b, err)
	b.Run("discharge-sample", func(b *testing.B) {
		b.SetBytes(int64(len(sample)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := mimemsg.ParseBytes(sample); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func ExampleParse() {
	raw := "From: Dr A Other <a.other@nhs.net>\r\n" +
		"To: p1@gmail.com, p2@gmail.com\r\n" +
		"Subject: Flu clinic\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"\r\n" +
		"See you on Saturday.\r\n"
	m, err := mimemsg.Parse(strings.NewReader(raw))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.From.EmailAddress.Address, len(m.ToRecipients), m.Body.ContentType)
	// Output: a.other@nhs.net 2 text
}
