package mimemsg

import (
	"bytes"
	"mime"
	"net/textproto"
	"strings"

	"github.com/sendguard/sendguard/engine"
)

// WarnUnparsed marks a message enmime could not read at all; its headers
// were split line by line and everything after them became a text body.
const WarnUnparsed = "Unparsed MIME Structure"

// fallback reads what it can from a message enmime rejected: header lines
// up to the first blank line, and the rest verbatim as the body. The body
// may then hold raw MIME, which is still the text the sender sent.
func fallback(b []byte) (Parsed, error) {
	head, body := splitHeader(b)
	h := textproto.MIMEHeader{}
	var last string
	for _, line := range strings.Split(string(head), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && last != "" {
			vs := h[last]
			vs[len(vs)-1] += " " + strings.TrimSpace(line)
			continue
		}
		i := strings.IndexByte(line, ':')
		if i <= 0 {
			continue
		}
		last = textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(line[:i]))
		h[last] = append(h[last], strings.TrimSpace(line[i+1:]))
	}
	out := Parsed{Warnings: []Warning{{Kind: WarnUnparsed}}}
	m := &out.Message
	m.From = firstRecipient(addressHeader(h, "From", &out.Warnings))
	m.Sender = firstRecipient(addressHeader(h, "Sender", &out.Warnings))
	m.ToRecipients = addressHeader(h, "To", &out.Warnings)
	m.CcRecipients = addressHeader(h, "Cc", &out.Warnings)
	m.BccRecipients = addressHeader(h, "Bcc", &out.Warnings)
	dec := mime.WordDecoder{}
	subject := h.Get("Subject")
	if s, err := dec.DecodeHeader(subject); err == nil {
		subject = s
	}
	m.Subject = validUTF8(subject)
	for _, name := range keptHeaderNames {
		for _, v := range headerValues(h, name) {
			m.InternetMessageHeaders = append(m.InternetMessageHeaders, engine.Header{Name: name, Value: validUTF8(v)})
		}
	}
	m.Body = engine.ItemBody{ContentType: "text", Content: validUTF8(string(body))}
	return out, nil
}

// splitHeader splits at the first empty line. Without one, a first line
// that looks like a header makes it all header; otherwise it is all body.
func splitHeader(b []byte) (head, body []byte) {
	for _, sep := range [][]byte{[]byte("\r\n\r\n"), []byte("\n\n")} {
		if i := bytes.Index(b, sep); i >= 0 {
			return b[:i], b[i+len(sep):]
		}
	}
	first := b
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		first = b[:i]
	}
	if i := bytes.IndexByte(first, ':'); i > 0 && !bytes.ContainsAny(first[:i], " \t") {
		return b, nil
	}
	return nil, b
}
