// Package textextract turns message bodies into the plain text the
// detectors scan: HTML without tags, scripts, styles or comments, with
// entities decoded and invisible characters removed.
//
// It is not a renderer. It keeps exactly what matters for finding patient
// data: inline tags (span, b, a, font, ...) vanish without a trace, so an
// identifier split across them ("943 <span>476</span> 5919") reads whole,
// while block elements (p, div, br, li, td, ...) become a separator so that
// words in different cells or lines do not run together.
//
// Everything runs in one linear pass without regular expressions; output is
// never longer than input and is valid UTF-8, and no input makes it panic.
// The package imports only the standard library (it is part of the engine,
// compiled to WebAssembly) and nothing else of the engine.
package textextract

import (
	"strings"
	"unicode/utf8"
)

// Text returns the detection text of a body. contentType "html" (in any
// case) is converted with HTML; anything else is plain text, returned with
// line endings normalised to "\n", invisible characters removed and
// no-break spaces made plain spaces.
func Text(contentType, content string) string {
	if strings.EqualFold(strings.TrimSpace(contentType), "html") {
		return HTML(content)
	}
	return Plain(content)
}

// Plain normalises plain text: CRLF and lone CR become LF, zero-width
// characters and soft hyphens are removed, no-break and other fixed-width
// spaces become spaces, typographic hyphens and dashes (U+2010–U+2013,
// minus) become "-", and invalid UTF-8 bytes become spaces. Text that
// needs none of this is returned as is, without copying.
func Plain(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\r':
			b.WriteString(s[start:i])
			b.WriteByte('\n')
			i++
			if i < len(s) && s[i] == '\n' {
				i++
			}
			start = i
		case c >= 0x80:
			r, size := utf8.DecodeRuneInString(s[i:])
			rep, special := specialRune(r, size)
			if special {
				b.WriteString(s[start:i])
				b.WriteString(rep)
				start = i + size
			}
			i += size
		default:
			i++
		}
	}
	b.WriteString(s[start:])
	return b.String()
}

// specialRune says how a non-ASCII rune is written out: invisible ones
// dropped, fixed-width spaces made a space, typographic hyphens and dashes
// made "-", and an invalid byte (which
// decodes as RuneError of size 1) a space, so text stays valid UTF-8 and
// never grows.
func specialRune(r rune, size int) (string, bool) {
	switch r {
	case utf8.RuneError:
		if size == 1 {
			return " ", true
		}
	case 0x00ad, 0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x200e, 0x200f, 0x034f, 0x180e:
		return "", true
	case 0x00a0, 0x2007, 0x2009, 0x202f, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2008, 0x200a, 0x205f, 0x3000:
		return " ", true
	case 0x2028, 0x2029:
		return "\n", true
	case 0x2010, 0x2011, 0x2012, 0x2013, 0x2212, 0xfe63, 0xff0d:
		// Hyphens and dashes that word processors substitute for "-":
		// "943‑476‑5919" must read like "943-476-5919".
		return "-", true
	}
	return "", false
}
