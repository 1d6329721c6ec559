package mimemsg

import (
	"net/textproto"
	"strings"

	"github.com/jhillyerd/enmime"

	"github.com/sendguard/sendguard/engine"
)

// addressHeader parses every value of an address header. A value that is
// not valid RFC 5322 is split liberally instead of dropped: a recipient the
// parser loses is a recipient the rules never see.
func addressHeader(h textproto.MIMEHeader, name string, warnings *[]Warning) []engine.Recipient {
	var out []engine.Recipient
	for _, v := range headerValues(h, name) {
		if rs, ok := simpleList(v); ok {
			out = append(out, rs...)
			continue
		}
		rs, ok := generalList(v)
		if !ok {
			*warnings = append(*warnings, Warning{Kind: WarnAddressList, Where: strings.ToLower(name)})
		}
		out = append(out, rs...)
	}
	return out
}

// generalList parses any address list; ok is false when it had to split
// it liberally.
func generalList(v string) (out []engine.Recipient, ok bool) {
	if strings.TrimSpace(v) == "" {
		return nil, true
	}
	list, err := enmime.ParseAddressList(v)
	if err == nil && len(list) > 0 {
		for _, a := range list {
			out = append(out, recipient(a.Name, a.Address))
		}
		return out, true
	}
	if err == nil || isGroupOnly(v) {
		// A valid but empty list such as "undisclosed-recipients:;".
		return nil, true
	}
	return liberalAddresses(v), false
}

// simpleList reads the commonest form, bare addresses separated by commas,
// without net/mail's general parser (a third of parsing time over Enron).
// It accepts only what that parser would read the same way: dot-atom
// addresses of plain characters, no names, quotes, comments or encoded
// words, no empty elements. Anything else reports false.
func simpleList(v string) ([]engine.Recipient, bool) {
	for i := 0; i < len(v); i++ {
		if !simpleByte[v[i]] {
			return nil, false
		}
	}
	n := strings.Count(v, ",") + 1
	out := make([]engine.Recipient, 0, n)
	for tok := range strings.SplitSeq(v, ",") {
		tok = strings.TrimSpace(tok)
		at := strings.IndexByte(tok, '@')
		if at <= 0 || strings.IndexByte(tok[at+1:], '@') >= 0 || strings.ContainsAny(tok, " \t") ||
			!dotAtom(tok[:at]) || !dotAtom(tok[at+1:]) {
			return nil, false
		}
		out = append(out, engine.Recipient{EmailAddress: engine.EmailAddress{Address: tok}})
	}
	return out, true
}

// simpleByte marks the bytes simpleList accepts: a subset of RFC 5322 atext
// plus "." "@" "," and white space.
var simpleByte = func() (t [256]bool) {
	for _, c := range "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.@_+-', \t" {
		t[c] = true
	}
	return t
}()

func dotAtom(s string) bool {
	return s != "" && s[0] != '.' && s[len(s)-1] != '.' && !strings.Contains(s, "..")
}

// isGroupOnly reports whether v is one or more empty RFC 5322 groups.
func isGroupOnly(v string) bool {
	for _, tok := range splitAddresses(v) {
		if i := strings.IndexByte(tok, ':'); i < 0 || strings.TrimSpace(tok[i+1:]) != "" {
			return false
		}
	}
	return true
}

func recipient(name, addr string) engine.Recipient {
	return engine.Recipient{EmailAddress: engine.EmailAddress{Name: validUTF8(name), Address: validUTF8(addr)}}
}

func firstRecipient(rs []engine.Recipient) *engine.Recipient {
	if len(rs) == 0 {
		return nil
	}
	r := rs[0]
	return &r
}

// liberalAddresses splits a broken address list on commas and semicolons
// outside quotes, angle brackets and comments, and keeps every non-empty
// piece: one with an "@" becomes an address, one without is kept as typed
// so that the engine can still flag it.
func liberalAddresses(v string) []engine.Recipient {
	var out []engine.Recipient
	for _, tok := range splitAddresses(v) {
		// Try the strict parser on the piece alone first: it decodes
		// RFC 2047 display names.
		if list, err := enmime.ParseAddressList(tok); err == nil && len(list) == 1 {
			out = append(out, recipient(list[0].Name, list[0].Address))
			continue
		}
		name, addr := liberalAddress(tok)
		if addr == "" && name == "" {
			continue
		}
		out = append(out, recipient(name, addr))
	}
	return out
}

// liberalAddress pulls the address out of one list element.
func liberalAddress(tok string) (name, addr string) {
	tok = strings.TrimSpace(tok)
	// Drop a group label ("Patients: a@x") when what precedes the colon
	// is not part of an address.
	if i := strings.IndexByte(tok, ':'); i >= 0 && !strings.ContainsAny(tok[:i], "@<\"") {
		tok = strings.TrimSpace(tok[i+1:])
	}
	if lt := strings.LastIndexByte(tok, '<'); lt >= 0 {
		rest := tok[lt+1:]
		if gt := strings.IndexByte(rest, '>'); gt >= 0 {
			rest = rest[:gt]
		}
		return cleanName(tok[:lt]), strings.TrimSpace(rest)
	}
	fields := strings.Fields(tok)
	for i, f := range fields {
		if strings.Contains(f, "@") {
			rest := append(append([]string{}, fields[:i]...), fields[i+1:]...)
			return cleanName(strings.Join(rest, " ")), strings.Trim(f, "\"'()[],;")
		}
	}
	// No "@" at all: keep the text as the address rather than lose it.
	return "", strings.Trim(tok, "\"' ")
}

func cleanName(s string) string {
	return strings.TrimSpace(strings.Trim(strings.TrimSpace(s), "\"'"))
}

// splitAddresses splits on "," and ";" outside quotes, <...> and (...).
func splitAddresses(v string) []string {
	var out []string
	var quoted, escaped bool
	angle, paren, start := 0, 0, 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '<':
			angle++
		case c == '>' && angle > 0:
			angle--
		case c == '(':
			paren++
		case c == ')' && paren > 0:
			paren--
		case (c == ',' || c == ';') && angle == 0 && paren == 0:
			if s := strings.TrimSpace(v[start:i]); s != "" {
				out = append(out, s)
			}
			start = i + 1
		}
	}
	if s := strings.TrimSpace(v[start:]); s != "" {
		out = append(out, s)
	}
	return out
}
