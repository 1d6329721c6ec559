package engine

import (
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/sendguard/sendguard/engine/address"
	"github.com/sendguard/sendguard/engine/attach"
	"github.com/sendguard/sendguard/engine/detect"
	"github.com/sendguard/sendguard/engine/textextract"
)

// recipientClass is where a recipient's mail ends up, from safest to least safe.
type recipientClass int

const (
	// classInternal: the organisation's own domains (default: the sender's).
	classInternal recipientClass = iota
	// classSecure: a secure domain (nhs.net, the DCB1596 list).
	classSecure
	// classPersonal: consumer webmail, usually a patient or a member of staff at home.
	classPersonal
	// classExternal: anything else.
	classExternal
)

// recipient is one address the message reaches.
type recipient struct {
	// addr is the normalised address.
	addr string
	// field is to, cc or bcc.
	field string
	// onMessage is the address as it stands on the message: addr itself,
	// or the distribution list addr was expanded from. Fixes act on it.
	onMessage string
	viaList   bool
	class     recipientClass
}

// idHit is an identifier that counts as patient data, with where it was found.
type idHit struct {
	detect.Hit
	field string
}

// termHit is a special-category or marketing term; only its category (or
// the lexicon term itself) is ever shown, never the surrounding text.
type termHit struct {
	category, field string
}

// attachmentInfo is what the rules need to know about one attachment.
type attachmentInfo struct {
	field      string
	ext        string
	hasContent bool
	encrypted  bool
	recordName bool
	idsInside  int
}

// evaluation is the per-check state the rules read. It is built once per
// Check and never shared.
type evaluation struct {
	e   *Engine
	p   *Prepared
	msg *Message

	sender           string
	senderName       string
	senderPersonal   bool
	senderEncrypting bool
	// tagged: the subject carries the tag; protected: and the sender's mail
	// system honours it, so the message leaves encrypted.
	tagged, protected bool

	// visible are the To and Cc recipients as written (lists not expanded):
	// the addresses every recipient sees.
	visible []recipient
	// onMessage are To, Cc and Bcc as written; reached adds list members.
	onMessage, reached []recipient

	ids            []idHit
	special        []termHit
	patients       int
	classification string
	attachments    []attachmentInfo
	texts          []fieldText

	// Computed once, on first use by a rule.
	senderWords []string
	phrase      string
}

// fieldText is one piece of text the detectors scan.
type fieldText struct {
	field string
	text  string
	// message marks the subject and bodies (marketing is judged on them only).
	message bool
}

func (e *Engine) evaluate(msg Message, p *Prepared) *evaluation {
	ev := &evaluation{e: e, p: p, msg: &msg}
	ev.resolveSender()
	ev.resolveRecipients()
	ev.scanContent()
	return ev
}

func (ev *evaluation) resolveSender() {
	from := ev.msg.From
	if from == nil || strings.TrimSpace(from.EmailAddress.Address) == "" {
		from = ev.msg.Sender
	}
	if from == nil {
		return
	}
	ev.sender = normalizeRecipient(from.EmailAddress)
	ev.senderName = from.EmailAddress.Name
	_, d := address.Split(ev.sender)
	ev.senderPersonal = ev.e.personal.has(d)
	ev.senderEncrypting = ev.e.encrypting.has(d)
	ev.tagged = ev.e.subjectTag != "" && strings.Contains(strings.ToLower(ev.msg.Subject), ev.e.subjectTag)
	ev.protected = ev.tagged && ev.senderEncrypting
}

// normalizeRecipient returns the canonical address, trying the display name
// when the address field holds none (Office.js and .eml headers both put
// "Name <addr>" in odd places). An address that cannot be normalised is
// kept lower-cased rather than dropped, so that the rules still see a
// recipient they cannot vouch for.
func normalizeRecipient(a EmailAddress) string {
	if addr, ok := address.Normalize(a.Address); ok {
		return addr
	}
	if addr, ok := address.Normalize(a.Name); ok && strings.TrimSpace(a.Address) == "" {
		return addr
	}
	raw := strings.ToLower(strings.TrimSpace(a.Address))
	if len(raw) > 320 {
		raw = raw[:320]
	}
	return strings.ToValidUTF8(raw, "\uFFFD")
}

func (ev *evaluation) classify(addr string) recipientClass {
	_, d := address.Split(addr)
	switch {
	case ev.isInternal(d):
		return classInternal
	case ev.e.personal.has(d):
		return classPersonal
	case ev.e.secure.has(d):
		return classSecure
	}
	return classExternal
}

// isInternal applies the policy's internal domains, or the sender's own
// domain when the policy names none. A personal webmail domain is never
// internal by default: a Gmail sender's recipients at Gmail are not colleagues.
func (ev *evaluation) isInternal(d string) bool {
	if d == "" {
		return false
	}
	if len(ev.e.internal) > 0 {
		return ev.e.internal.has(d)
	}
	if ev.sender == "" || ev.senderPersonal {
		return false
	}
	_, sd := address.Split(ev.sender)
	return d == sd
}

func (ev *evaluation) resolveRecipients() {
	seen := map[string]bool{}
	reached := map[string]bool{}
	// Sized once: growing three slices recipient by recipient was a good
	// part of a typical check's allocations.
	n := len(ev.msg.ToRecipients) + len(ev.msg.CcRecipients) + len(ev.msg.BccRecipients)
	ev.onMessage = make([]recipient, 0, n)
	ev.visible = make([]recipient, 0, n)
	ev.reached = make([]recipient, 0, n)
	add := func(list []Recipient, field string) {
		for _, r := range list {
			addr := normalizeRecipient(r.EmailAddress)
			if addr == "" || seen[addr] {
				continue
			}
			seen[addr] = true
			rc := recipient{addr: addr, field: field, onMessage: addr, class: ev.classify(addr)}
			ev.onMessage = append(ev.onMessage, rc)
			if field != "bcc" {
				ev.visible = append(ev.visible, rc)
			}
			members := ev.p.expand(addr)
			if members == nil {
				if !reached[addr] {
					reached[addr] = true
					ev.reached = append(ev.reached, rc)
				}
				continue
			}
			for _, m := range members {
				if reached[m] {
					continue
				}
				reached[m] = true
				ev.reached = append(ev.reached, recipient{addr: m, field: field, onMessage: addr, viaList: true, class: ev.classify(m)})
			}
		}
	}
	add(ev.msg.ToRecipients, "to")
	add(ev.msg.CcRecipients, "cc")
	add(ev.msg.BccRecipients, "bcc")
}

// insecure reports whether mail to r leaves unprotected.
func (ev *evaluation) insecure(r recipient) bool {
	return (r.class == classPersonal || r.class == classExternal) && !ev.protected
}

// scanContent runs the identifier detector over every part of the message,
// then the lexicons only where they can change the outcome.
func (ev *evaluation) scanContent() {
	e := ev.e
	msg := ev.msg
	ev.texts = append(ev.texts, fieldText{field: "subject", text: textextract.Plain(msg.Subject), message: true})
	ev.texts = append(ev.texts, fieldText{field: "body", text: textextract.Text(msg.Body.ContentType, msg.Body.Content), message: true})
	for _, alt := range msg.AlternativeBodies {
		ev.texts = append(ev.texts, fieldText{field: "body", text: textextract.Text(alt.ContentType, alt.Content), message: true})
	}
	for i, a := range msg.Attachments {
		field := "attachment:" + strconv.Itoa(i)
		info := attachmentInfo{field: field, ext: strings.ToLower(path.Ext(a.Name)), hasContent: len(a.ContentBytes) > 0}
		if !a.IsInline {
			info.recordName = e.recordLikeName(a.Name, info.ext)
		}
		ev.texts = append(ev.texts, fieldText{field: field, text: textextract.Plain(a.Name)})
		if info.hasContent {
			in := attach.Inspect(a.Name, a.ContentType, a.ContentBytes, e.maxContent)
			info.encrypted = in.Encrypted
			text := in.Text
			if in.Format == attach.FormatHTML {
				text = textextract.HTML(text)
			} else {
				text = textextract.Plain(text)
			}
			if text != "" {
				ev.texts = append(ev.texts, fieldText{field: field, text: text})
			}
		}
		ev.attachments = append(ev.attachments, info)
	}

	for _, t := range ev.texts {
		if t.text == "" {
			continue
		}
		for _, h := range e.detector.Identifiers(t.text) {
			if countsAsPatient(h) {
				ev.ids = append(ev.ids, idHit{Hit: h, field: t.field})
			}
		}
	}
	for i := range ev.attachments {
		a := &ev.attachments[i]
		for _, h := range ev.ids {
			if h.field == a.field {
				a.idsInside++
			}
		}
	}
	ev.patients = countPatients(ev.ids)
	ev.classification = Green
	if ev.patients == 0 {
		return
	}
	ev.classification = Amber
	for _, t := range ev.texts {
		if t.text == "" {
			continue
		}
		for _, h := range e.detector.SpecialCategories(t.text) {
			ev.special = append(ev.special, termHit{category: h.Category, field: t.field})
		}
	}
	if len(ev.special) > 0 {
		ev.classification = Red
	}
}

// countsAsPatient decides which identifiers make a message amber. Health
// service numbers and National Insurance numbers identify a person on
// their own, unless the detector saw phone-number context (Low) or the
// number is in the NHS test range. A date of birth counts only when
// labelled as one (High); a postcode alone never identifies a patient.
func countsAsPatient(h detect.Hit) bool {
	if h.Test {
		return false
	}
	switch h.Kind {
	case detect.KindNHS, detect.KindCHI, detect.KindHC, detect.KindNINO:
		return h.Confidence >= detect.Medium
	case detect.KindDOB:
		return h.Confidence >= detect.High
	}
	return false
}

// countPatients estimates how many different people a message identifies.
// One patient usually appears with several kinds of identifier (an NHS
// number and a date of birth), so each kind counts distinct values on its
// own and the largest count wins. NHS, CHI and H&C numbers share one
// count: they are the same ten-digit space.
func countPatients(ids []idHit) int {
	health, nino, dob := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, h := range ids {
		switch h.Kind {
		case detect.KindNINO:
			nino[h.Value] = true
		case detect.KindDOB:
			dob[h.Value] = true
		default:
			health[h.Value] = true
		}
	}
	return max(len(health), len(nino), len(dob))
}

// recordLikeName: a record-like extension and a record-like word in the
// name ("Discharge summary.pdf", "referral.docx").
func (e *Engine) recordLikeName(name, ext string) bool {
	if !e.recordExts[ext] {
		return false
	}
	low := strings.ToLower(name)
	for _, p := range e.recordNames {
		if strings.Contains(low, p) {
			return true
		}
	}
	return false
}

// fieldRank orders evidence: subject, body, attachments in order, then recipients.
func fieldRank(f string) int {
	switch {
	case f == "subject":
		return 0
	case f == "body":
		return 1
	case strings.HasPrefix(f, "attachment:"):
		n, _ := strconv.Atoi(f[len("attachment:"):])
		return 2 + n
	case f == "to":
		return 1 << 20
	case f == "cc":
		return 1<<20 + 1
	}
	return 1<<20 + 2
}

// maxEvidence caps a finding's evidence: the add-in shows a few lines, and
// a 200-patient list needs no 200 masked numbers to make its point.
const maxEvidence = 20

// sortEvidence deduplicates and orders evidence deterministically.
func sortEvidence(ev []Evidence) []Evidence {
	if len(ev) == 0 {
		return nil
	}
	sort.SliceStable(ev, func(i, j int) bool {
		a, b := ev[i], ev[j]
		if ra, rb := fieldRank(a.Field), fieldRank(b.Field); ra != rb {
			return ra < rb
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Masked < b.Masked
	})
	out := ev[:1]
	for _, x := range ev[1:] {
		if x != out[len(out)-1] {
			out = append(out, x)
		}
	}
	if len(out) > maxEvidence {
		out = out[:maxEvidence]
	}
	return out
}

// identifierEvidence is the masked evidence of the patient identifiers,
// optionally only those found in one field.
func (ev *evaluation) identifierEvidence(field string) []Evidence {
	var out []Evidence
	for _, h := range ev.ids {
		if field == "" || h.field == field {
			out = append(out, Evidence{Kind: h.Kind, Field: h.field, Masked: h.Masked})
		}
	}
	return out
}

// specialEvidence names the special categories found, never the text.
func (ev *evaluation) specialEvidence() []Evidence {
	var out []Evidence
	for _, t := range ev.special {
		out = append(out, Evidence{Kind: "special-category", Field: t.field, Masked: t.category})
	}
	return out
}

// onMessageAddrs returns the distinct on-message addresses of rs, in order.
func onMessageAddrs(rs []recipient) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range rs {
		if !seen[r.onMessage] {
			seen[r.onMessage] = true
			out = append(out, r.onMessage)
		}
	}
	return out
}

// viaLists counts recipients reached through a distribution list.
func viaLists(rs []recipient) int {
	n := 0
	for _, r := range rs {
		if r.viaList {
			n++
		}
	}
	return n
}
