// Package mimemsg turns an RFC 5322/MIME message (an .eml file) into the
// engine's Graph-shaped engine.Message. The CLI checker uses it, and the
// auditor's Graph test server uses it to serve .eml files as Graph messages.
//
// Parsing is best-effort: broken headers, bad boundaries, unknown charsets
// and invalid UTF-8 still give a message (text becomes valid UTF-8 with
// replacement characters) plus warnings; Parse fails only on empty input
// or input over the size cap. Nothing here logs, and
// no error or warning quotes message content, because message content is
// patient data.
//
// It imports the engine's types, github.com/jhillyerd/enmime and
// golang.org/x/text's charset tables; it must not import anything under
// server/ or wasm/, so that any server part can use it.
package mimemsg

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
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

// WarnTooDeep marks a message with more multipart levels than enmime is
// given (maxEnmimeMultiparts); it was checked as raw text.
const WarnTooDeep = "Too Many Multipart Levels"

// maxEnmimeMultiparts caps the multipart parts handed to enmime.
const maxEnmimeMultiparts = 100

// countFold counts the case-insensitive occurrences of the lower-case ASCII
// word w in b.
func countFold(b []byte, w string) int {
	n := 0
	for i := 0; i+len(w) <= len(b); i++ {
		c := b[i] | 0x20
		if c != w[0] {
			continue
		}
		j := 1
		for j < len(w) && b[i+j]|0x20 == w[j] {
			j++
		}
		if j == len(w) {
			n++
			i += len(w) - 1
		}
	}
	return n
}

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
	p, err := ParseBytesWithOptions(b, Options{})
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
//
// Well-formed values take the standard library's parser first: enmime
// parses each header several times, and its repairs cost more than all the
// rest of parsing together.
func parseMediaType(ctype string) (string, map[string]string, []string, error) {
	mtype, params, err := mime.ParseMediaType(ctype)
	var invalid []string
	if err != nil {
		mtype, params, invalid, err = mediatype.ParseWithOptions(ctype, mediatype.MediaTypeParseOptions{StripMediaTypeInvalidCharacters: true})
	}
	if err == nil && !strings.HasPrefix(strings.ToLower(mtype), "multipart/") {
		delete(params, "boundary")
	}
	return mtype, params, invalid, err
}

func parseBytes(b []byte, opts Options, depth int) (Parsed, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return Parsed{}, ErrEmpty
	}
	// Three tiers, cheapest first; each result is the same message (see
	// TestTiersAgree). A tier that meets anything unusual hands the whole
	// message to the next one rather than guess.
	if root, ok := stdTree(b); ok {
		if out, ok := build(root, stdHeaders(root.Header), opts, depth, true); ok {
			return out, nil
		}
	}
	if countFold(b, "multipart/") > maxEnmimeMultiparts {
		// enmime reads nested multiparts byte by byte through every level,
		// quadratic in the depth: 5,000 levels in 340 KB took 35 s. Such
		// mail is not real; check its raw text instead.
		out, err := fallback(b)
		out.Warnings = append(out.Warnings, Warning{Kind: WarnTooDeep})
		return out, err
	}
	out, ok, err := parseEnmime(fastParser, b, opts, depth)
	if err == nil && !ok {
		out, _, err = parseEnmime(slowParser, b, opts, depth)
	}
	if err != nil {
		// enmime gives up only on the top-level header or structure. Fall
		// back to a liberal header split and the rest as a text body, so
		// nothing the sender wrote escapes the check.
		return fallback(b)
	}
	return out, nil
}

// parseEnmime parses with one of the two enmime parsers. With the fast
// parser, ok is false when a part needs the slow one.
func parseEnmime(parser *enmime.Parser, b []byte, opts Options, depth int) (out Parsed, ok bool, err error) {
	env, err := parser.ReadEnvelope(bytes.NewReader(b))
	if err != nil {
		return Parsed{}, false, err
	}
	out, ok = build(env.Root, enmimeHeaders{env}, opts, depth, parser == fastParser)
	return out, ok, nil
}

// headerSource gives the decoded (RFC 2047) values of a header.
type headerSource interface {
	decoded(name string) ([]string, bool)
}

type enmimeHeaders struct{ env *enmime.Envelope }

func (e enmimeHeaders) decoded(name string) ([]string, bool) {
	return e.env.GetHeaderValues(name), true
}

// build turns a part tree into the message. fast means the parts hold raw
// content for decode.go; ok is false when a part or header needs a slower
// tier.
func build(root *enmime.Part, hs headerSource, opts Options, depth int, fast bool) (out Parsed, ok bool) {
	h := canonicalHeader(root.Header)
	m := &out.Message
	m.From = firstRecipient(addressHeader(h, "From", &out.Warnings))
	m.Sender = firstRecipient(addressHeader(h, "Sender", &out.Warnings))
	m.ToRecipients = addressHeader(h, "To", &out.Warnings)
	m.CcRecipients = addressHeader(h, "Cc", &out.Warnings)
	// Enron's Bcc headers repeat Cc; that is the data's quirk, not the
	// parser's business: Bcc is read as written.
	m.BccRecipients = addressHeader(h, "Bcc", &out.Warnings)
	subject, ok := hs.decoded("Subject")
	if !ok {
		return Parsed{}, false
	}
	if len(subject) > 0 {
		m.Subject = validUTF8(subject[0])
	}
	for _, name := range keptHeaderNames {
		vs, ok := hs.decoded(name)
		if !ok {
			return Parsed{}, false
		}
		for _, v := range vs {
			m.InternetMessageHeaders = append(m.InternetMessageHeaders, engine.Header{Name: name, Value: validUTF8(v)})
		}
	}

	w := walker{opts: opts, depth: depth, msg: m, fast: fast}
	w.walk(root)
	if w.slowNeeded {
		return Parsed{}, false
	}
	w.finish()
	out.Warnings = dedupe(append(out.Warnings, w.warnings...))
	return out, true
}

// keptHeaderNames are the headers the rules read (marketing opt-out looks
// at the list headers) plus the ID stores use to recognise a message.
var keptHeaderNames = []string{
	"Message-ID", "In-Reply-To", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post",
	"Precedence", "Auto-Submitted", "Reply-To", "Date",
}

// headerValues returns every value of a header. Keys are canonical (see
// canonicalHeader), so this is a map lookup.
func headerValues(h textproto.MIMEHeader, name string) []string {
	return h[textproto.CanonicalMIMEHeaderKey(name)]
}

// canonicalHeader returns h with net/textproto's canonical keys. enmime
// canonicalises some names differently (Message-ID), and a parse may mix
// both; already-canonical headers are returned as they are.
func canonicalHeader(h textproto.MIMEHeader) textproto.MIMEHeader {
	canonical := true
	for k := range h {
		if textproto.CanonicalMIMEHeaderKey(k) != k {
			canonical = false
			break
		}
	}
	if canonical {
		return h
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	// Merge in a fixed order so that values keep a stable order.
	sort.Strings(keys)
	out := make(textproto.MIMEHeader, len(h))
	for _, k := range keys {
		ck := textproto.CanonicalMIMEHeaderKey(k)
		out[ck] = append(out[ck], h[k]...)
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
