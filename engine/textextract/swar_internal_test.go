package textextract

import (
	"strings"
	"testing"
)

// FuzzPlainRun checks the eight-byte fast path against the byte rules of
// the main loop: everything it skips must be text the loop would copy as
// is, and it must stop only at a block boundary or near the end.
func FuzzPlainRun(f *testing.F) {
	f.Add("hello world, this is a plain sentence with words", 0, true)
	f.Add("abcdefgh  ijklmnop", 0, false)
	f.Add("abcdefg abcdefg<b>x</b>", 0, false)
	f.Add(" leading space and then more text", 0, true)
	f.Add("caf\xc3\xa9 au lait and then some more", 3, false)
	f.Fuzz(func(t *testing.T, s string, i int, atStart bool) {
		if i < 0 || i > len(s) {
			return
		}
		j := plainRun(s, i, atStart)
		if j < i || j > len(s) || (j-i)%8 != 0 {
			t.Fatalf("plainRun(%q, %d) = %d", s, i, j)
		}
		for k := i; k < j; k++ {
			c := s[k]
			switch {
			case byteClass[c] == clsText:
			case c == ' ' && (k > i || !atStart) && k+1 < j:
				if byteClass[s[k+1]] == clsSpace {
					t.Fatalf("skipped a double space at %d in %q", k, s)
				}
			default:
				t.Fatalf("skipped byte %q at %d in %q (from %d to %d)", c, k, s, i, j)
			}
		}
	})
}

func TestClean(t *testing.T) {
	base := strings.Repeat("abcdefgh", 4)
	for k := 0; k < len(base); k++ {
		for _, c := range []byte{'\r', 0x80, 0xff} {
			b := []byte(base)
			b[k] = c
			if clean(string(b)) {
				t.Errorf("clean(%q) with %#x at %d", b, c, k)
			}
		}
	}
	if !clean(base + "\n\t ~") {
		t.Error("clean ASCII reported unclean")
	}
}
