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
		if strings.TrimSpace(v) == "" {
			continue
		}
		list, err := enmime.ParseAddressList(v)
		if err == nil && len(list) > 0 {
			for _, a := range list {
				out = append(out, recipient(a.Name, a.Address))
			}
			continue
		}
		if err == nil || isGroupOnly(v) {
			// A valid but empty list such as "undisclosed-recipients:;".
			continue
		}
		*warnings = append(*warnings, Warning{Kind: WarnAddressList, Where: strings.ToLower(name)})
		out = append(out, liberalAddresses(v)...)
	}
	return out
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
