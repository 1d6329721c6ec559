package engine

import (
	"fmt"
	"strings"

	"github.com/sendguard/sendguard/engine/address"
)

// ruleDef is one rule as data. The evaluator loop in CheckPrepared applies
// the table in order, so findings always come out in this order.
type ruleDef struct {
	// ID is the stable rule ID used by policies, stored findings and the add-in.
	ID string
	// Enabled is the built-in switch a policy may override.
	Enabled bool
	// Severity is the built-in severity ("warn" or "block").
	Severity string
	// Summary is the one line a busy person reads in Outlook.
	Summary string
	// Guidance names the rule or guidance the finding comes from; it ends
	// every finding's Detail.
	Guidance string
	// eval returns a finding with Detail, Recipients, Evidence and Fixes
	// filled in, or nil. It may set Severity to "warn" to cap the rule's
	// severity; the loop fills in everything else.
	eval func(*evaluation) *Finding
}

// ruleTable is every rule, in the order findings are reported.
var ruleTable = [...]ruleDef{
	{
		ID: RuleBulkVisibleRecipients, Enabled: true, Severity: ActionBlock,
		Summary:  "Recipients can see each other's email addresses",
		Guidance: "Put patients and outside contacts in Bcc: an email address can reveal that someone is a patient (ICO: the 56 Dean Street clinic was fined for exactly this).",
		eval:     evalBulkVisible,
	},
	{
		ID: RuleInsecureRecipient, Enabled: true, Severity: ActionBlock,
		Summary:  "Patient data to an address that is not secure",
		Guidance: "Identifiable data leaves only to secure email (NHSmail, or a domain accredited to the DCB1596 secure email standard) or encrypted: from NHSmail, add [secure] to the subject.",
		eval:     evalInsecure,
	},
	{
		ID: RuleLookalikeRecipient, Enabled: true, Severity: ActionWarn,
		Summary:  "An address looks like a slip of one you use",
		Guidance: "Misdirected email is the most common data breach reported to the ICO: check the address before sending.",
		eval:     evalLookalike,
	},
	{
		ID: RuleNewRecipient, Enabled: true, Severity: ActionWarn,
		Summary:  "Patient data to an address you have never emailed",
		Guidance: "NHS guidance on emailing patients: agree the address with the recipient and test it before sending personal information.",
		eval:     evalNewRecipient,
	},
	{
		ID: RuleMultiplePatients, Enabled: true, Severity: ActionWarn,
		Summary:  "More than one patient in one email",
		Guidance: "One email, one patient: an email is filed in a patient's record, and several patients in one message are disclosed to everyone who reads it.",
		eval:     evalMultiplePatients,
	},
	{
		ID: RuleUnencryptedAttachment, Enabled: true, Severity: ActionBlock,
		Summary:  "A record is attached without encryption",
		Guidance: "Records leave only by secure email or encrypted (NHSmail [secure], or an encrypted file with the password sent separately).",
		eval:     evalUnencryptedAttachment,
	},
	{
		ID: RulePersonalAccount, Enabled: true, Severity: ActionBlock,
		Summary:  "Patient data and a personal webmail account",
		Guidance: "Work email stays in work accounts: NHSmail's acceptable use policy and the Data Security and Protection Toolkit forbid patient data in personal webmail.",
		eval:     evalPersonalAccount,
	},
	{
		ID: RuleMarketingOptOut, Enabled: true, Severity: ActionWarn,
		Summary:  "Marketing email without a way to opt out",
		Guidance: "PECR regulation 22: every marketing email must offer a simple way to opt out.",
		eval:     evalMarketingOptOut,
	},
}

const numRules = len(ruleTable)

// RuleIDs lists every rule ID in reporting order.
func RuleIDs() []string {
	ids := make([]string, numRules)
	for i, r := range ruleTable {
		ids[i] = r.ID
	}
	return ids
}

// DefaultRuleSetting is a rule's built-in switch and severity; ok is false
// for an unknown rule.
func DefaultRuleSetting(id string) (s RuleSetting, ok bool) {
	i := ruleIndex(id)
	if i < 0 {
		return RuleSetting{}, false
	}
	return RuleSetting{Enabled: ruleTable[i].Enabled, Severity: ruleTable[i].Severity}, true
}

func ruleIndex(id string) int {
	for i, r := range ruleTable {
		if r.ID == id {
			return i
		}
	}
	return -1
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// contentPhrase describes the data without repeating any of it.
func (ev *evaluation) contentPhrase() string {
	if ev.phrase != "" {
		return ev.phrase
	}
	ev.phrase = ev.describeContent()
	return ev.phrase
}

func (ev *evaluation) describeContent() string {
	s := fmt.Sprintf("The message identifies %s", plural(ev.patients, "patient", "patients"))
	if ev.classification == Red {
		cats := map[string]bool{}
		for _, t := range ev.special {
			cats[t.category] = true
		}
		s += " with special-category detail (" + strings.Join(sortedKeys(cats), ", ") + ")"
	}
	return s + "."
}

// isAre agrees a verb with a count.
func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// secureFixes are the ways to make the message secure: the subject tag
// where the sender's mail system honours it, and removing the recipients.
func (ev *evaluation) secureFixes(recipients []string) []Fix {
	var fixes []Fix
	if ev.senderEncrypting {
		tag := strings.TrimSpace(ev.e.policy.SubjectTag)
		fixes = append(fixes, Fix{Kind: FixAddSubjectTag, Value: tag, Label: "Add " + tag + " to the subject"})
	}
	if len(recipients) > 0 {
		fixes = append(fixes, Fix{Kind: FixRemoveRecipient, Recipients: recipients, Label: "Remove " + plural(len(recipients), "recipient", "recipients")})
	}
	return fixes
}

// tagNote explains a [secure] tag that protects nothing.
func (ev *evaluation) tagNote() string {
	if ev.tagged && !ev.senderEncrypting {
		return fmt.Sprintf(" The subject has %s, but only NHSmail encrypts mail on that tag: from this sender it protects nothing.", strings.TrimSpace(ev.e.policy.SubjectTag))
	}
	return ""
}

func evalBulkVisible(ev *evaluation) *Finding {
	var exposed []recipient
	personal := 0
	for _, r := range ev.visible {
		switch r.class {
		case classPersonal:
			personal++
			exposed = append(exposed, r)
		case classExternal:
			exposed = append(exposed, r)
		}
	}
	t := ev.e.policy.Thresholds
	f := &Finding{}
	switch {
	case personal >= t.BulkPatientRecipients:
		f.Detail = fmt.Sprintf("%s in To and Cc can see each other; %d %s personal webmail, likely patients.",
			plural(len(exposed), "outside address", "outside addresses"), personal, isAre(personal))
	case len(exposed) >= t.BulkVisibleRecipients:
		f.Severity = ActionWarn
		f.Detail = fmt.Sprintf("%s in To and Cc can see each other.", plural(len(exposed), "outside address", "outside addresses"))
	default:
		return nil
	}
	addrs := onMessageAddrs(exposed)
	f.Recipients = addrs
	f.Fixes = []Fix{{Kind: FixMoveToBcc, Recipients: addrs, Label: "Move " + plural(len(addrs), "recipient", "recipients") + " to Bcc"}}
	return f
}

func evalInsecure(ev *evaluation) *Finding {
	if ev.classification == Green {
		return nil
	}
	var bad []recipient
	for _, r := range ev.reached {
		if ev.insecure(r) {
			bad = append(bad, r)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	addrs := onMessageAddrs(bad)
	detail := fmt.Sprintf("%s It goes to %s that %s not secure.", ev.contentPhrase(),
		plural(len(bad), "address", "addresses"), isAre(len(bad)))
	if n := viaLists(bad); n > 0 {
		detail += fmt.Sprintf(" %s reached through a distribution list.", plural(n, "address is", "addresses are"))
	}
	return &Finding{
		Detail:     detail + ev.tagNote(),
		Recipients: addrs,
		Evidence:   sortEvidence(append(ev.identifierEvidence(""), ev.specialEvidence()...)),
		Fixes:      ev.secureFixes(addrs),
	}
}

func evalLookalike(ev *evaluation) *Finding {
	var recipients []string
	var evidence []Evidence
	var fixes []Fix
	for _, r := range ev.onMessage {
		if ev.p.isKnown(r.addr) {
			continue
		}
		m := ev.p.lookup(r.addr)
		if len(m) == 0 {
			continue
		}
		best := m[0]
		recipients = append(recipients, r.addr)
		evidence = append(evidence, Evidence{Kind: "lookalike", Field: r.field, Masked: best.Reason})
		fixes = append(fixes, Fix{Kind: FixReplaceRecipient, Recipients: []string{r.addr}, Value: best.Candidate, Label: "Did you mean " + best.Candidate + "?"})
	}
	if len(recipients) == 0 {
		return nil
	}
	return &Finding{
		Detail:     fmt.Sprintf("%s you have not used before %s one slip away from one you have.", plural(len(recipients), "address", "addresses"), isAre(len(recipients))),
		Recipients: recipients,
		Evidence:   sortEvidence(evidence),
		Fixes:      fixes,
	}
}

func evalNewRecipient(ev *evaluation) *Finding {
	if !ev.p.hasHistory || ev.classification == Green {
		return nil
	}
	var fresh []recipient
	for _, r := range ev.onMessage {
		// A distribution list is curated by the organisation; its address
		// being new is what counts, not its members.
		if r.class == classInternal || ev.p.isKnown(r.addr) {
			continue
		}
		fresh = append(fresh, r)
	}
	if len(fresh) == 0 {
		return nil
	}
	return &Finding{
		Detail:     fmt.Sprintf("%s %s new: you have not emailed %s before.", ev.contentPhrase(), plural(len(fresh), "address is", "addresses are"), itOrThem(len(fresh))),
		Recipients: onMessageAddrs(fresh),
	}
}

func evalMultiplePatients(ev *evaluation) *Finding {
	if ev.patients < ev.e.policy.Thresholds.MultiplePatients {
		return nil
	}
	return &Finding{
		Detail:   fmt.Sprintf("The message identifies %d different patients.", ev.patients),
		Evidence: sortEvidence(ev.identifierEvidence("")),
	}
}

func evalUnencryptedAttachment(ev *evaluation) *Finding {
	if ev.protected {
		return nil
	}
	var bad []recipient
	for _, r := range ev.reached {
		if ev.insecure(r) {
			bad = append(bad, r)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	var evidence []Evidence
	flagged, byName := 0, 0
	for i, a := range ev.attachments {
		if ev.msg.Attachments[i].IsInline || a.encrypted || !(a.recordName || a.idsInside > 0) {
			continue
		}
		flagged++
		if !a.hasContent {
			byName++
		}
		masked := "*" + a.ext
		if a.ext == "" {
			masked = "*"
		}
		evidence = append(evidence, Evidence{Kind: "attachment", Field: a.field, Masked: masked})
		evidence = append(evidence, ev.identifierEvidence(a.field)...)
	}
	if flagged == 0 {
		return nil
	}
	detail := fmt.Sprintf("%s like a patient record and %s not encrypted, going to %s that %s not secure.",
		plural(flagged, "attachment looks", "attachments look"), isAre(flagged),
		plural(len(bad), "address", "addresses"), isAre(len(bad)))
	if byName > 0 {
		detail += fmt.Sprintf(" %s sent without content, so judged by name only.", plural(byName, "attachment was", "attachments were"))
	}
	addrs := onMessageAddrs(bad)
	return &Finding{
		Detail:     detail + ev.tagNote(),
		Recipients: addrs,
		Evidence:   sortEvidence(evidence),
		Fixes:      ev.secureFixes(addrs),
	}
}

func evalPersonalAccount(ev *evaluation) *Finding {
	if ev.classification == Green {
		return nil
	}
	var bad []recipient
	own := 0
	for _, r := range ev.reached {
		if r.class != classPersonal {
			continue
		}
		switch {
		case ev.looksLikeSender(r.addr):
			own++
			bad = append(bad, r)
		case !ev.protected:
			bad = append(bad, r)
		}
	}
	if !ev.senderPersonal && len(bad) == 0 {
		return nil
	}
	var parts []string
	if ev.senderPersonal {
		parts = append(parts, "It is sent from a personal webmail account.")
	}
	if len(bad) > 0 {
		parts = append(parts, fmt.Sprintf("It goes to %s.", plural(len(bad), "personal webmail address", "personal webmail addresses")))
	}
	if own > 0 {
		parts = append(parts, fmt.Sprintf("%s like the sender's own.", plural(own, "address looks", "addresses look")))
	}
	f := &Finding{
		Detail:   ev.contentPhrase() + " " + strings.Join(parts, " "),
		Evidence: sortEvidence(ev.identifierEvidence("")),
	}
	if len(bad) > 0 {
		addrs := onMessageAddrs(bad)
		f.Recipients = addrs
		f.Fixes = []Fix{{Kind: FixRemoveRecipient, Recipients: addrs, Label: "Remove " + plural(len(addrs), "recipient", "recipients")}}
	}
	return f
}

// looksLikeSender spots staff forwarding work to their own webmail: the
// recipient's local part is the sender's, or holds two or more words of
// the sender's name (jane.smith@nhs.net → janesmith84@gmail.com).
func (ev *evaluation) looksLikeSender(addr string) bool {
	if ev.sender == "" {
		return false
	}
	local, _ := address.Split(addr)
	senderLocal, _ := address.Split(ev.sender)
	if local == senderLocal {
		return true
	}
	if ev.senderWords == nil {
		ev.senderWords = []string{}
		for _, w := range strings.FieldsFunc(strings.ToLower(senderLocal+" "+ev.senderName), func(r rune) bool {
			return !(r >= 'a' && r <= 'z')
		}) {
			if len(w) >= 3 && w != "the" && w != "nhs" && w != "prof" && !slicesContains(ev.senderWords, w) {
				ev.senderWords = append(ev.senderWords, w)
			}
		}
	}
	hits := 0
	for _, w := range ev.senderWords {
		if strings.Contains(local, w) {
			hits++
		}
	}
	return hits >= 2
}

func slicesContains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

func evalMarketingOptOut(ev *evaluation) *Finding {
	var targets []recipient
	for _, r := range ev.reached {
		if r.class == classPersonal || r.class == classExternal {
			targets = append(targets, r)
		}
	}
	if len(targets) == 0 {
		return nil
	}
	for _, h := range ev.msg.InternetMessageHeaders {
		if strings.EqualFold(strings.TrimSpace(h.Name), "List-Unsubscribe") && strings.TrimSpace(h.Value) != "" {
			return nil
		}
	}
	var evidence []Evidence
	for _, t := range ev.texts {
		if !t.message || t.text == "" {
			continue
		}
		for _, h := range ev.e.detector.Marketing(t.text) {
			evidence = append(evidence, Evidence{Kind: "marketing", Field: t.field, Masked: h.Term})
		}
	}
	if len(evidence) == 0 {
		return nil
	}
	for _, t := range ev.texts {
		if t.message && t.text != "" && len(ev.e.detector.OptOut(t.text)) > 0 {
			return nil
		}
	}
	addrs := onMessageAddrs(targets)
	return &Finding{
		Detail:     fmt.Sprintf("The message reads as marketing and goes to %s outside the organisation, with no opt-out or unsubscribe link.", plural(len(addrs), "address", "addresses")),
		Recipients: addrs,
		Evidence:   sortEvidence(evidence),
	}
}

// itOrThem is the pronoun for n addresses; a map literal here cost an
// allocation per finding.
func itOrThem(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}
