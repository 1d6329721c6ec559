// Package address turns email addresses as people type them (display-name
// forms, mailto: links, mixed case, Unicode domains) into one canonical
// form the rules can compare, and answers domain questions about them.
//
// The canonical form is local@domain, all lower case, with the domain in
// IDNA ASCII form (xn-- labels). Local parts are compared case-insensitively
// because every real provider does so. The package implements Punycode
// (RFC 3492) and the small part of IDNA it needs itself: it is part of the
// engine and must depend on nothing but the standard library.
package address

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits from RFC 5321 section 4.5.3.1; anything longer is not an address a
// mail server would accept, so it is not worth comparing.
const (
	maxLocal  = 64
	maxDomain = 253
	maxLabel  = 63
	// maxRaw bounds the typed form, display name included, so hostile input
	// costs nothing.
	maxRaw = 4096
)

// Normalize returns the canonical form of one address as typed, or ok=false
// when raw is not an address. It accepts `"Dr A Other" <A.Other@NHS.net>`,
// `A.Other@nhs.net (Dr Other)`, `mailto:a.other@nhs.net?subject=x`,
// `<a.other@nhs.net>`, quoted or padded forms, a trailing dot on the
// domain and Unicode domains. It rejects anything without exactly one usable
// local@domain, with spaces or control characters in the address, invalid
// UTF-8, a domain without a dot, or an IP-address literal. Normalize of its
// own output returns that output unchanged.
func Normalize(raw string) (addr string, ok bool) {
	if canonical, decided := plainCanonical(raw); decided {
		if canonical {
			return raw, true
		}
		return "", false
	}
	return normalizeFull(raw)
}

// normalizeFull is Normalize without the fast path.
func normalizeFull(raw string) (string, bool) {
	if len(raw) > maxRaw || !utf8.ValidString(raw) {
		return "", false
	}
	// One separator left over from copying out of a recipient line
	// ("a@nhs.net;") is not part of the address; two addresses are refused
	// below because the domain would contain the separator.
	trimmed := strings.TrimSpace(raw)
	if n := len(trimmed); n > 0 && (trimmed[n-1] == ';' || trimmed[n-1] == ',') {
		trimmed = strings.TrimSpace(trimmed[:n-1])
	}
	s, ok := addrSpec(unwrapQuotes(trimmed))
	if !ok {
		return "", false
	}
	s = strings.TrimSpace(s)
	if rest, found := cutPrefixFold(s, "mailto:"); found {
		// A mailto: link carries headers after "?"; they are not part of the address.
		s, _, _ = strings.Cut(rest, "?")
	} else if rest, found := cutPrefixFold(s, "smtp:"); found {
		// Exchange proxy addresses ("SMTP:a@b") appear in directory exports.
		s = rest
	}
	s = unwrapQuotes(strings.TrimSpace(s))
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", false
	}
	local, ok := normalizeLocal(s[:at])
	if !ok {
		return "", false
	}
	domain, ok := ToASCII(s[at+1:])
	if !ok || !strings.Contains(domain, ".") {
		return "", false
	}
	return local + "@" + domain, true
}

// plainCanonical decides, without allocating, the common case of an
// address that is already canonical: lower-case ASCII local@domain with
// plain labels. Engines normalise every known address of a sender, tens of
// thousands, so this path matters. decided=false means "ask the full
// normaliser"; canonical=false with decided=true means not an address.
func plainCanonical(s string) (canonical, decided bool) {
	at, label := -1, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '@':
			if at >= 0 || i == 0 || i > maxLocal {
				return false, false
			}
			at, label = i, 0
			continue
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-':
			if at >= 0 && (label == 0 || i+1 == len(s) || s[i+1] == '.') {
				return false, false
			}
		case c == '.':
			if at >= 0 {
				if label == 0 || i+1 == len(s) {
					return false, false
				}
				label = 0
				continue
			}
		case at < 0 && (c == '_' || c == '+' || c == '\''):
		default:
			return false, false
		}
		label++
		if at >= 0 && label > maxLabel {
			return false, false
		}
	}
	dot := strings.LastIndexByte(s, '.')
	if at < 0 || dot < at || len(s)-at-1 > maxDomain || strings.Contains(s[at:], acePrefix) {
		return false, false
	}
	for i := dot + 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return true, true
		}
	}
	return false, true // an all-numeric top-level label: an IP address
}

// addrSpec strips RFC 5322 display names, quoted strings and comments:
// the content of the last <...> wins; without one, what remains outside
// quotes and comments is the address.
func addrSpec(s string) (string, bool) {
	if !strings.ContainsAny(s, `<("`) {
		return s, true
	}
	var outside strings.Builder
	angle, angleStart, found := "", -1, false
	inQuote, depth := false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote:
			if c == '\\' {
				i++
			} else if c == '"' {
				inQuote = false
			}
		case depth > 0:
			switch c {
			case '\\':
				i++
			case '(':
				depth++
			case ')':
				depth--
			}
		case angleStart >= 0:
			if c == '>' {
				angle, found, angleStart = s[angleStart:i], true, -1
			}
		case c == '"':
			inQuote = true
		case c == '(':
			depth = 1
		case c == '<':
			angleStart = i + 1
		default:
			outside.WriteByte(c)
		}
	}
	if inQuote || depth > 0 || angleStart >= 0 {
		return "", false
	}
	if found {
		return angle, true
	}
	return outside.String(), true
}

// unwrapQuotes removes quotes that surround the whole string, as when an
// address is pasted from a spreadsheet or a log line.
func unwrapQuotes(s string) string {
	for len(s) >= 2 {
		first, last := s[0], s[len(s)-1]
		if (first == '"' || first == '\'') && first == last {
			s = strings.TrimSpace(s[1 : len(s)-1])
			continue
		}
		if first == '<' && last == '>' {
			s = strings.TrimSpace(s[1 : len(s)-1])
			continue
		}
		break
	}
	return s
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// normalizeLocal lower-cases a local part and checks it is a dot-atom of
// RFC 5322 atext, or Unicode letters as RFC 6531 allows. Quoted local parts
// are refused: they are vanishingly rare in real mail and hide spaces.
func normalizeLocal(local string) (string, bool) {
	for _, r := range local {
		if r < utf8.RuneSelf {
			if !isAtext(byte(r)) && r != '.' {
				return "", false
			}
			continue
		}
		// Format characters (zero-width spaces, bidi overrides) make two
		// different addresses look the same, so they are not an address.
		if !unicode.IsGraphic(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			return "", false
		}
	}
	local = strings.ToLower(local)
	if len(local) > maxLocal {
		return "", false
	}
	return local, true
}

// isAtext reports whether c is RFC 5322 atext.
func isAtext(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// Split returns the local part and the domain of an address: the text
// before and after its last "@". Without an "@", domain is empty.
func Split(addr string) (local, domain string) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr, ""
	}
	return addr[:at], addr[at+1:]
}

// InDomains reports whether domain is one of list or a subdomain of one:
// x.nhs.net is in nhs.net. A list entry with a leading "." means the same
// as one without. Entries may be in any case, Unicode or ASCII; domain
// should be canonical (Normalize's domain).
func InDomains(domain string, list []string) bool {
	domain = strings.TrimSuffix(strings.ToLower(domain), ".")
	if domain == "" {
		return false
	}
	for _, entry := range list {
		e := strings.TrimSuffix(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(entry)), "."), ".")
		if !isASCII(e) {
			var ok bool
			if e, ok = ToASCII(e); !ok {
				continue
			}
		}
		if e == "" {
			continue
		}
		if domain == e || (len(domain) > len(e) && strings.HasSuffix(domain, e) && domain[len(domain)-len(e)-1] == '.') {
			return true
		}
	}
	return false
}

// secondLevels are the generic second-level labels under which country
// registries sell names (nhs.uk, co.uk, com.au, ...). Without the Public
// Suffix List this is the practical guess for the domains clinical mail meets.
var secondLevels = map[string]bool{
	"ac": true, "co": true, "com": true, "edu": true, "gov": true, "gv": true,
	"ltd": true, "me": true, "mod": true, "net": true, "nhs": true, "or": true,
	"org": true, "plc": true, "police": true, "sch": true, "ne": true, "go": true,
}

// RegistrableGuess returns the part of a domain that one organisation
// registers: the last two labels, or three under a country code's generic
// second level (trust.nhs.uk, practice.co.uk). It is a guess, not the
// Public Suffix List; callers use it to group addresses, never to decide
// whether a domain is secure.
func RegistrableGuess(domain string) string {
	domain = strings.TrimSuffix(strings.ToLower(domain), ".")
	labels := strings.Split(domain, ".")
	n := len(labels)
	if n <= 2 {
		return domain
	}
	keep := 2
	if len(labels[n-1]) == 2 && secondLevels[labels[n-2]] {
		keep = 3
	}
	return strings.Join(labels[n-keep:], ".")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
