// Package mimemsg turns an RFC 5322/MIME message (an .eml file) into the
// engine's Graph-shaped engine.Message. The CLI checker uses it, and the
// auditor's Graph test server uses it to serve .eml files as Graph messages.
//
// Parsing is best-effort: broken headers, bad boundaries, unknown charsets
// and invalid UTF-8 still give a message (text becomes valid UTF-8 with
// replacement characters) plus warnings; Parse fails only when nothing
// usable is left or the input is over the size cap. Nothing here logs, and
// no error or warning quotes message content, because message content is
// patient data.
//
// It imports the engine's types and github.com/jhillyerd/enmime; it must not
// import anything under server/ or wasm/, so that any server part can use it.
package mimemsg

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/jhillyerd/enmime"
	"github.com/jhillyerd/enmime/mediatype"

	"github.com/sendguard/sendguard/engine"
)

// DefaultMaxSize is the largest message Parse accepts: Outlook and NHSmail
// cap a message at well under this, so anything bigger is not a real draft.
const DefaultMaxSize = 50 << 20

// maxNesting bounds how deep forwarded message/rfc822 parts are opened, so
// a hostile message cannot make parsing recurse without end.
const maxNesting = 3

// ErrTooLarge is returned (wrapped) for input over the size cap.
var ErrTooLarge = errors.New("message is too large")

// ErrEmpty is returned when the input is empty or only white space. Any
// other input gives a message, however little of it could be read.
var ErrEmpty = errors.New("no message found: the input is empty")

// Options tune ParseWithOptions. The zero value is the default.
type Options struct {
	// MaxSize caps the input in bytes; 0 means DefaultMaxSize.
	MaxSize int64
	// OmitAttachmentContent leaves Attachment.ContentBytes empty (name,
	// type and size are still set), for callers that never inspect files.
	OmitAttachmentContent bool
}

// Warning is something the parser repaired or dropped. It names the kind
// of problem only: enmime's own error details quote header lines and other
// content, so they are not kept.
type Warning struct {
	// Kind is enmime's error name ("Malformed Header", "Missing Boundary",
	// "Character Set Conversion", ...) or one of this package's
	// (WarnAddressList).
	Kind string `json:"kind"`
	// Where is the header or MIME part the problem is in ("to", "part 1.2"),
	// if known.
	Where string `json:"where,omitempty"`
	// Severe means part of the message was lost.
	Severe bool `json:"severe,omitempty"`
}

// String renders the warning without content.
func (w Warning) String() string {
	s := w.Kind
	if w.Where != "" {
		s += " in " + w.Where
	}
	if w.Severe {
		s += " (content lost)"
	}
	return s
}

// WarnAddressList marks an address header that did not parse as RFC 5322
// and was split liberally instead.
const WarnAddressList = "Malformed Address List"

// Parsed is a message with what the parser had to repair on the way.
type Parsed struct {
	Message  engine.Message
	Warnings []Warning
}

// Parse reads one message from r. Warnings are dropped; use
// ParseWithOptions to see them.
func Parse(r io.Reader) (engine.Message, error) {
	p, err := ParseWithOptions(r, Options{})
	return p.Message, err
}

// ParseBytes parses one message held in memory.
func ParseBytes(b []byte) (engine.Message, error) {
	p, err := parseBytes(b, Options{}, 0)
	return p.Message, err
}

// ParseWithOptions reads one message from r, at most opts.MaxSize bytes.
func ParseWithOptions(r io.Reader, opts Options) (Parsed, error) {
	max := opts.MaxSize
	if max <= 0 {
		max = DefaultMaxSize
	}
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return Parsed{}, fmt.Errorf("reading message: %w", err)
	}
	if int64(len(b)) > max {
		return Parsed{}, fmt.Errorf("%w: over the %s limit", ErrTooLarge, sizeString(max))
	}
	return parseBytes(b, opts, 0)
}

// ParseBytesWithOptions is ParseWithOptions for a message held in memory.
func ParseBytesWithOptions(b []byte, opts Options) (Parsed, error) {
	max := opts.MaxSize
	if max <= 0 {
		max = DefaultMaxSize
	}
	if int64(len(b)) > max {
		return Parsed{}, fmt.Errorf("%w: over the %s limit", ErrTooLarge, sizeString(max))
	}
	return parseBytes(b, opts, 0)
}

func sizeString(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Both parsers keep every part enmime can salvage, treat a multipart
// without a boundary as one part, parse media types tolerantly, and skip
// enmime's HTML-to-text down-conversion (the engine does its own). The
// fast one leaves decoding to this package (see decode.go); the slow one
// lets enmime decode, detect charsets and repair.
var (
	fastParser = enmime.NewParser(
		enmime.SetCustomParseMediaType(parseMediaType),
		enmime.SkipMalformedParts(true),
		enmime.MultipartWOBoundaryAsSinglePart(true),
		enmime.DisableTextConversion(true),
		enmime.RawContent(true),
	)
	slowParser = enmime.NewParser(
		enmime.SetCustomParseMediaType(parseMediaType),
		enmime.SkipMalformedParts(true),
		enmime.MultipartWOBoundaryAsSinglePart(true),
		enmime.DisableTextConversion(true),
		enmime.SetReadPartErrorPolicy(enmime.AllowCorruptTextPartErrorPolicy),
	)
)

// parseMediaType is enmime's tolerant parser, stripping invalid characters,
// and it drops a boundary parameter from a type that is not multipart:
// enmime would otherwise read such a part ("text/html; boundary=...") as a
// multipart and lose its text.
func parseMediaType(ctype string) (string, map[string]string, []string, error) {
	mtype, params, invalid, err := mediatype.ParseWithOptions(ctype, mediatype.MediaTypeParseOptions{StripMediaTypeInvalidCharacters: true})
	if err == nil && !strings.HasPrefix(strings.ToLower(mtype), "multipart/") {
		delete(params, "boundary")
	}
	return mtype, params, invalid, err
}

func parseBytes(b []byte, opts Options, depth int) (Parsed, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return Parsed{}, ErrEmpty
	}
	out, ok, err := parseWith(fastParser, b, opts, depth)
	if err == nil && !ok {
		out, _, err = parseWith(slowParser, b, opts, depth)
	}
	if err != nil {
		// enmime gives up only on the top-level header or structure. Fall
		// back to a liberal header split and the rest as a text body, so
		// nothing the sender wrote escapes the check.
		return fallback(b)
	}
	return out, nil
}

// parseWith parses with one of the two parsers. With the fast parser, ok
// is false when a part needs the slow one.
func parseWith(parser *enmime.Parser, b []byte, opts Options, depth int) (out Parsed, ok bool, err error) {
	env, err := parser.ReadEnvelope(bytes.NewReader(b))
	if err != nil {
		return Parsed{}, false, err
	}
	h := env.Root.Header
	m := &out.Message
	m.From = firstRecipient(addressHeader(h, "From", &out.Warnings))
	m.Sender = firstRecipient(addressHeader(h, "Sender", &out.Warnings))
	m.ToRecipients = addressHeader(h, "To", &out.Warnings)
	m.CcRecipients = addressHeader(h, "Cc", &out.Warnings)
	// Enron's Bcc headers repeat Cc; that is the data's quirk, not the
	// parser's business: Bcc is read as written.
	m.BccRecipients = addressHeader(h, "Bcc", &out.Warnings)
	m.Subject = validUTF8(env.GetHeader("Subject"))
	m.InternetMessageHeaders = keptHeaders(env)

	w := walker{opts: opts, depth: depth, msg: m, fast: parser == fastParser}
	w.walk(env.Root)
	if w.slowNeeded {
		return Parsed{}, false, nil
	}
	w.finish()
	out.Warnings = dedupe(append(out.Warnings, w.warnings...))
	return out, true, nil
}

// keptHeaderNames are the headers the rules read (marketing opt-out looks
// at the list headers) plus the ID stores use to recognise a message.
var keptHeaderNames = []string{
	"Message-ID", "In-Reply-To", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post",
	"Precedence", "Auto-Submitted", "Reply-To", "Date",
}

func keptHeaders(env *enmime.Envelope) []engine.Header {
	var hs []engine.Header
	for _, name := range keptHeaderNames {
		for _, v := range env.GetHeaderValues(name) {
			hs = append(hs, engine.Header{Name: name, Value: validUTF8(v)})
		}
	}
	return hs
}

// headerValues returns every value of a header, matching the name
// case-insensitively: enmime's canonical keys differ from net/textproto's
// for names like Message-ID.
func headerValues(h textproto.MIMEHeader, name string) []string {
	if vs, ok := h[name]; ok {
		return vs
	}
	var out []string
	keys := make([]string, 0, 2)
	for k := range h {
		if strings.EqualFold(k, name) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, h[k]...)
	}
	return out
}

// validUTF8 makes any string valid UTF-8, replacing each invalid byte
// sequence with U+FFFD.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func dedupe(ws []Warning) []Warning {
	if len(ws) < 2 {
		return ws
	}
	seen := make(map[Warning]bool, len(ws))
	out := ws[:0]
	for _, w := range ws {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}
