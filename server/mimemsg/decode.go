package mimemsg

import (
	"bytes"
	"encoding/base64"
	"mime/quotedprintable"
	"strings"
	"unicode/utf8"

	"github.com/jhillyerd/enmime"
	"golang.org/x/text/encoding/htmlindex"
)

// Parsing has two paths. The fast one asks enmime for the part tree with
// raw content and decodes transfer encodings and declared charsets here.
// enmime's own decoding runs a statistical charset detector over every
// text part, which was 80% of the CLI's time over the Enron corpus, and
// mail that declares its charset correctly does not need it. When a part
// is anything but plain sailing (an unknown encoding or charset, bad
// base64 or quoted-printable, 8-bit text that is not UTF-8), the whole
// message is parsed again the slow way, with enmime's repairs and warnings.

// fastContent decodes a part's raw content. text reports whether the part
// is read as text, which adds charset conversion. ok is false when the
// slow path must take over.
func fastContent(p *enmime.Part, text bool) (b []byte, ok bool) {
	b, ok = decodeTransfer(p)
	if !ok || !text {
		return b, ok
	}
	return decodeCharset(b, p.Charset)
}

func decodeTransfer(p *enmime.Part) ([]byte, bool) {
	cte := strings.ToLower(strings.TrimSpace(p.Header.Get("Content-Transfer-Encoding")))
	switch cte {
	case "", "7bit", "8bit", "binary":
		return p.Content, true
	case "base64":
		return decodeBase64(p.Content)
	case "quoted-printable":
		var buf bytes.Buffer
		buf.Grow(len(p.Content))
		_, err := buf.ReadFrom(quotedprintable.NewReader(bytes.NewReader(p.Content)))
		return buf.Bytes(), err == nil
	}
	return nil, false
}

// decodeBase64 accepts line breaks and other whitespace anywhere and
// missing padding; any other stray byte sends the message to the slow path.
func decodeBase64(raw []byte) ([]byte, bool) {
	clean := make([]byte, 0, len(raw))
	for i, c := range raw {
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			clean = append(clean, c)
		case c == '=':
			// Padding ends the data: only padding and whitespace may follow.
			for _, d := range raw[i:] {
				if d != '=' && d != ' ' && d != '\t' && d != '\r' && d != '\n' {
					return nil, false
				}
			}
			return decodeClean(clean)
		default:
			return nil, false
		}
	}
	return decodeClean(clean)
}

func decodeClean(clean []byte) ([]byte, bool) {
	if len(clean)%4 == 1 {
		return nil, false
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, err := base64.RawStdEncoding.Decode(out, clean)
	if err != nil {
		return nil, false
	}
	return out[:n], true
}

// decodeCharset converts text in the declared charset to UTF-8.
func decodeCharset(b []byte, charset string) ([]byte, bool) {
	cs := strings.ToLower(strings.Trim(charset, "\"' "))
	switch cs {
	case "", "us-ascii", "ascii", "utf-8", "utf8":
		// Undeclared or mislabelled 8-bit text is what enmime's charset
		// detector is for.
		return b, utf8.Valid(b)
	}
	enc, err := htmlindex.Get(cs)
	if err != nil {
		return nil, false
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return nil, false
	}
	return out, true
}
