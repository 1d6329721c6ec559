package mimemsg

import (
	"bytes"
	"encoding/base64"
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
		return decodeQP(p.Content)
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

// decodeQP decodes quoted-printable exactly as mime/quotedprintable's
// Reader does on well-formed input, in one pass without its per-byte
// calls (which were a third of parsing a typical Outlook message). Where
// that Reader would fail or guess (an "=" without two hex digits, a control
// byte, a line too long for its buffer) it reports false instead, and the
// slow path decides.
func decodeQP(raw []byte) ([]byte, bool) {
	out := make([]byte, 0, len(raw))
	for len(raw) > 0 {
		whole := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			whole = raw[:i+1]
		}
		raw = raw[len(whole):]
		if len(whole) >= 4096 {
			return nil, false
		}
		line := bytes.TrimRight(whole, " \t\r\n")
		var eol []byte
		if bytes.HasSuffix(line, []byte{'='}) {
			// A soft line break: only white space and the line end may
			// follow, or nothing at the very end of the input.
			rest := bytes.TrimLeft(whole[len(line):], " \t")
			line = line[:len(line)-1]
			if !bytes.HasPrefix(rest, []byte{'\n'}) && !bytes.HasPrefix(rest, []byte("\r\n")) &&
				!(len(rest) == 0 && len(line) > 0 && len(raw) == 0) {
				return nil, false
			}
		} else if bytes.HasSuffix(whole, []byte("\r\n")) {
			eol = []byte("\r\n")
		} else if bytes.HasSuffix(whole, []byte{'\n'}) {
			eol = []byte{'\n'}
		}
		for i := 0; i < len(line); i++ {
			c := line[i]
			switch {
			case c == '=':
				if i+2 >= len(line) {
					return nil, false
				}
				hi, ok1 := unhex(line[i+1])
				lo, ok2 := unhex(line[i+2])
				if !ok1 || !ok2 {
					return nil, false
				}
				out = append(out, hi<<4|lo)
				i += 2
			case c == '\t' || c == '\r' || c >= 0x80 || (c >= ' ' && c <= '~'):
				out = append(out, c)
			default:
				return nil, false
			}
		}
		out = append(out, eol...)
	}
	return out, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
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
