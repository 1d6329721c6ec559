package address

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

const acePrefix = "xn--"

// ToASCII converts a domain to its canonical ASCII form: lower case, no
// trailing dot, Unicode labels Punycode-encoded with the xn-- prefix and
// xn-- labels re-encoded from their lower-cased Unicode so one domain has
// one spelling. Ideographic and fullwidth dots and fullwidth letters are
// mapped as UTS #46 does. It fails on empty labels, characters that cannot
// be in a host name, labels or domains over the DNS limits, invalid
// Punycode and an all-numeric top-level label (an IP address).
//
// This is the part of IDNA that comparing recipients needs, not a full
// UTS #46 implementation: there is no NFC normalisation (the standard
// library has none) and no bidi or contextual rules.
func ToASCII(domain string) (string, bool) {
	if len(domain) > 4*maxDomain || !utf8.ValidString(domain) {
		return "", false
	}
	domain = strings.TrimRight(mapDomainRunes(domain), ".")
	if domain == "" {
		return "", false
	}
	labels := strings.Split(domain, ".")
	for i, label := range labels {
		ascii, ok := labelToASCII(label)
		if !ok {
			return "", false
		}
		labels[i] = ascii
	}
	if tld := labels[len(labels)-1]; strings.Trim(tld, "0123456789") == "" {
		return "", false
	}
	out := strings.Join(labels, ".")
	if len(out) > maxDomain {
		return "", false
	}
	return out, true
}

// mapDomainRunes lower-cases and applies the UTS #46 mappings that matter
// for typed domains: the three Unicode full stops and fullwidth ASCII.
func mapDomainRunes(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\u3002' || r == '\uFF0E' || r == '\uFF61':
			return '.'
		case r >= '\uFF01' && r <= '\uFF5E':
			r -= 0xFEE0
		}
		return unicode.ToLower(r)
	}, s)
}

func labelToASCII(label string) (string, bool) {
	if label == "" {
		return "", false
	}
	if !isASCII(label) {
		return encodeLabel(label)
	}
	if !isLDH(label) {
		return "", false
	}
	if !strings.HasPrefix(label, acePrefix) {
		return label, len(label) <= maxLabel
	}
	decoded, ok := punyDecode(label[len(acePrefix):])
	if !ok {
		return "", false
	}
	u := strings.ToLower(string(decoded))
	if isASCII(u) {
		// An xn-- label that decodes to plain ASCII is a disguise, not an IDN.
		return "", false
	}
	return encodeLabel(u)
}

// encodeLabel checks a Unicode label's characters and Punycode-encodes it.
func encodeLabel(label string) (string, bool) {
	for i, r := range label {
		if r == '-' || r < utf8.RuneSelf && isLDHByte(byte(r)) {
			continue
		}
		if r < utf8.RuneSelf || !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)) {
			return "", false
		}
		if i == 0 && unicode.IsMark(r) {
			return "", false
		}
	}
	if label[0] == '-' || label[len(label)-1] == '-' {
		return "", false
	}
	enc, ok := punyEncode([]rune(label))
	if !ok || len(acePrefix)+len(enc) > maxLabel {
		return "", false
	}
	return acePrefix + enc, true
}

// isLDH reports whether an ASCII label is letters, digits and hyphens, not
// starting or ending with a hyphen, as host names must be.
func isLDH(label string) bool {
	for i := 0; i < len(label); i++ {
		if !isLDHByte(label[i]) {
			return false
		}
	}
	return label[0] != '-' && label[len(label)-1] != '-'
}

func isLDHByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
}

// ToUnicode returns the domain as people read it: xn-- labels decoded,
// lower case, no trailing dot. Labels that are not valid Punycode are kept
// as they are, so it never fails; it does not validate.
func ToUnicode(domain string) string {
	domain = strings.TrimRight(mapDomainRunes(domain), ".")
	if !strings.Contains(domain, acePrefix) {
		return domain
	}
	labels := strings.Split(domain, ".")
	for i, label := range labels {
		if !strings.HasPrefix(label, acePrefix) || len(label) > maxLabel {
			continue
		}
		if decoded, ok := punyDecode(label[len(acePrefix):]); ok {
			labels[i] = strings.ToLower(string(decoded))
		}
	}
	return strings.Join(labels, ".")
}
