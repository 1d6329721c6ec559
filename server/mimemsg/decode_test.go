package mimemsg

import (
	"bytes"
	"io"
	"mime/quotedprintable"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// referenceQP is the standard library's reading, which decodeQP must match
// wherever it answers.
func referenceQP(b []byte) ([]byte, error) {
	return io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b)))
}

func TestDecodeQP(t *testing.T) {
	tests := map[string]struct {
		in string
		ok bool
	}{
		"plain":                          {"hello world\r\n", true},
		"escapes upper and lower":        {"caf=C3=A9 =c2=a3\r\n", true},
		"soft break CRLF":                {"NHS 943 476 =\r\n5919\r\n", true},
		"soft break LF":                  {"NHS 943 476 =\n5919\n", true},
		"soft break then spaces":         {"a= \t\r\nb", true},
		"soft break at the end":          {"abc=", true},
		"trailing white space dropped":   {"abc  \t\r\ndef \n", true},
		"no final line end":              {"abc", true},
		"bare CR inside a line":          {"a\rb\r\n", true},
		"8-bit bytes pass":               {"caf\xc3\xa9\r\n", true},
		"empty":                          {"", true},
		"equals without hex":             {"a=zz\r\n", false},
		"equals at the end of a line":    {"a=\r\nb=", true},
		"lone equals before line end":    {"a = b\r\n", false},
		"control byte":                   {"a\x01b\r\n", false},
		"bytes after soft break":         {"a= x\r\n", false},
		"a line too long for the reader": {string(bytes.Repeat([]byte("x"), 5000)), false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := decodeQP([]byte(tc.in))
			require.Equal(t, tc.ok, ok)
			if ok {
				want, err := referenceQP([]byte(tc.in))
				require.NoError(t, err)
				assert.Equal(t, string(want), string(got))
			}
		})
	}
}

// FuzzDecodeQP: wherever decodeQP answers, the standard library reads the
// same bytes without error.
func FuzzDecodeQP(f *testing.F) {
	for _, s := range []string{"caf=C3=A9 =\r\nx\r\n", "a=\nb", "a \t\r\n=41=\r\n", "=", "x=4", "\r\r\n= \n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := decodeQP(b)
		if !ok {
			return
		}
		want, err := referenceQP(b)
		if err != nil {
			t.Fatalf("decodeQP accepted what the standard library rejects (%v)", err)
		}
		if !bytes.Equal(want, got) {
			t.Fatalf("decodeQP = %q, standard library = %q", got, want)
		}
	})
}
