package mimemsg

import (
	"strings"

	"github.com/jhillyerd/enmime"

	"github.com/sendguard/sendguard/engine"
)

// bodyPart is a text part that the sender wrote: a candidate for Body or
// one of the AlternativeBodies.
type bodyPart struct {
	body engine.ItemBody
	// nested marks a body found inside a forwarded message/rfc822 part; the
	// outer message's own text is preferred as Body.
	nested bool
}

// walker collects bodies and attachments from a part tree in document
// order.
type walker struct {
	opts     Options
	depth    int
	msg      *engine.Message
	bodies   []bodyPart
	warnings []Warning
	// fast means the parts hold raw content that decode.go decodes;
	// slowNeeded is set when a part needs enmime's decoding instead.
	fast       bool
	slowNeeded bool
}

func (w *walker) walk(p *enmime.Part) {
	for ; p != nil && !w.slowNeeded; p = p.NextSibling {
		for _, e := range p.Errors {
			if e.Name == enmime.ErrorPlainTextFromHTML {
				// enmime notes a missing text part even with its
				// down-conversion off; nothing is wrong or lost.
				continue
			}
			w.warnings = append(w.warnings, Warning{Kind: e.Name, Where: "part " + p.PartID, Severe: e.Severe})
		}
		if p.FirstChild != nil {
			w.walk(p.FirstChild)
			continue
		}
		w.leaf(p)
	}
}

func (w *walker) leaf(p *enmime.Part) {
	ct := strings.ToLower(p.ContentType)
	disp := strings.ToLower(p.Disposition)
	content := p.Content
	if w.fast && !strings.HasPrefix(ct, "multipart/") {
		var ok bool
		if content, ok = fastContent(p, isBodyType(ct) || strings.HasPrefix(ct, "text/")); !ok {
			w.slowNeeded = true
			return
		}
	}
	switch {
	case strings.HasPrefix(ct, "multipart/"):
		// A multipart with no parts left (all malformed): nothing to read.
		return
	case isBodyType(ct) && disp != "attachment" && p.FileName == "":
		kind := "text"
		if ct == "text/html" || ct == "html" {
			kind = "html"
		}
		w.bodies = append(w.bodies, bodyPart{body: engine.ItemBody{ContentType: kind, Content: validUTF8(string(content))}})
		return
	}
	w.attach(p, ct, disp, content)
	if (ct == "message/rfc822" || ct == "message/global") && w.depth < maxNesting {
		// A forwarded message's text leaves with this one: check it too.
		inner, err := parseBytes(content, w.opts, w.depth+1)
		if err != nil {
			w.warnings = append(w.warnings, Warning{Kind: "Unreadable Forwarded Message", Where: "part " + p.PartID})
			return
		}
		in := inner.Message
		if in.Body.Content != "" {
			w.bodies = append(w.bodies, bodyPart{body: in.Body, nested: true})
		}
		for _, b := range in.AlternativeBodies {
			w.bodies = append(w.bodies, bodyPart{body: b, nested: true})
		}
		w.msg.Attachments = append(w.msg.Attachments, in.Attachments...)
		for _, iw := range inner.Warnings {
			iw.Where = strings.TrimSpace("forwarded part " + p.PartID + " " + iw.Where)
			w.warnings = append(w.warnings, iw)
		}
	}
}

// isBodyType reports whether a part of this type is message text. No
// Content-Type at all means text/plain (RFC 2045), and so, here, does a
// broken one without a "/" ("<html>"): reading it as text checks what the
// recipient's client will most likely show.
func isBodyType(ct string) bool {
	if !strings.Contains(ct, "/") {
		return true
	}
	switch ct {
	case "", "text/plain", "text/html", "text/enriched", "text/richtext":
		return true
	}
	return false
}

func (w *walker) attach(p *enmime.Part, ct, disp string, content []byte) {
	a := engine.Attachment{
		Name:        validUTF8(p.FileName),
		ContentType: ct,
		Size:        int64(len(content)),
		IsInline:    disp == "inline" || (disp == "" && p.ContentID != ""),
	}
	if ct == "" {
		a.ContentType = "application/octet-stream"
	}
	if !w.opts.OmitAttachmentContent && len(content) > 0 {
		a.ContentBytes = content
	}
	w.msg.Attachments = append(w.msg.Attachments, a)
}

// finish picks the Body: the first non-empty HTML part of the message
// itself, else its first non-empty text part, else the same from a
// forwarded message, else an empty part. Every other non-empty body
// becomes an alternative, in document order.
func (w *walker) finish() {
	chosen := -1
	for _, pass := range []struct {
		nested bool
		kind   string
	}{{false, "html"}, {false, "text"}, {true, "html"}, {true, "text"}} {
		for i, b := range w.bodies {
			if b.nested == pass.nested && b.body.ContentType == pass.kind && strings.TrimSpace(b.body.Content) != "" {
				chosen = i
				break
			}
		}
		if chosen >= 0 {
			break
		}
	}
	if chosen < 0 && len(w.bodies) > 0 {
		chosen = 0
	}
	if chosen < 0 {
		w.msg.Body = engine.ItemBody{ContentType: "text"}
		return
	}
	w.msg.Body = w.bodies[chosen].body
	for i, b := range w.bodies {
		if i != chosen && strings.TrimSpace(b.body.Content) != "" {
			w.msg.AlternativeBodies = append(w.msg.AlternativeBodies, b.body)
		}
	}
}
