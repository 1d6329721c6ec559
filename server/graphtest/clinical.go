package graphtest

import (
	"fmt"
	"time"

	"github.com/sendguard/sendguard/engine"
)

// The clinical scenario is synthetic mail written for Sendguard's tests and
// demo: the situations the auditor exists for (patients' addresses visible
// to each other, special-category data to webmail, a slip of the keyboard
// to a lookalike address) mixed with ordinary mail. Every name, address and
// NHS number in it is invented; the numbers pass the modulus-11 check so
// the engine treats them as real.

// NHSNumber returns the i-th valid NHS number (modulus 11), formatted
// "### ### ####".
func NHSNumber(i int) string {
	for n := 400000000 + i*7919; ; n++ {
		d := fmt.Sprintf("%09d", n%1000000000)
		sum := 0
		for k := 0; k < 9; k++ {
			sum += int(d[k]-'0') * (10 - k)
		}
		check := 11 - sum%11
		if check == 11 {
			check = 0
		}
		if check == 10 {
			continue
		}
		full := d + fmt.Sprint(check)
		return full[0:3] + " " + full[3:6] + " " + full[6:10]
	}
}

func rcpt(addrs ...string) []engine.Recipient {
	out := make([]engine.Recipient, len(addrs))
	for i, a := range addrs {
		out[i] = engine.Recipient{EmailAddress: engine.EmailAddress{Address: a}}
	}
	return out
}

// ScenarioKind names what a clinical message is meant to show.
type ScenarioKind string

// The kinds, with the audit outcome each is built for under the default
// policy.
const (
	// KindRoutine is internal mail with nothing to find.
	KindRoutine ScenarioKind = "routine"
	// KindRedToWebmail is HIV detail with an NHS number to a patient's
	// Gmail: insecure and personal-account findings and a breach record.
	KindRedToWebmail ScenarioKind = "red-to-webmail"
	// KindBulkVisible is a clinic notice with five patients in To: a
	// bulk-visible-recipients finding and a breach record.
	KindBulkVisible ScenarioKind = "bulk-visible"
	// KindSecureTagged is patient data to webmail with [secure] in the
	// subject: encrypted by NHSmail, so not insecure.
	KindSecureTagged ScenarioKind = "secure-tagged"
	// KindLookalike goes to a colleague's address with one letter slipped.
	KindLookalike ScenarioKind = "lookalike"
	// KindCorrespondent establishes the colleague the lookalike mimics.
	KindCorrespondent ScenarioKind = "correspondent"
)

// ClinicalMessage is one synthetic message with its intended outcome.
type ClinicalMessage struct {
	Mailbox string
	Kind    ScenarioKind
	Message Message
}

// Clinical builds perMailbox messages for each of mailboxes users at
// domain (user01@domain, ...), sent over the days before now. The mix
// repeats every ten messages: six routine, then red-to-webmail,
// bulk-visible, secure-tagged and a lookalike slip (after the colleague it
// mimics has been mailed).
func Clinical(domain string, mailboxes, perMailbox int, now time.Time) []ClinicalMessage {
	var out []ClinicalMessage
	n := 0
	for b := 1; b <= mailboxes; b++ {
		box := fmt.Sprintf("user%02d@%s", b, domain)
		colleague := fmt.Sprintf("an.other%02d@%s", b, domain)
		slip := fmt.Sprintf("am.other%02d@%s", b, domain)
		for i := 0; i < perMailbox; i++ {
			n++
			sent := now.Add(-time.Duration(perMailbox-i) * time.Hour).UTC().Truncate(time.Second)
			m := engine.Message{From: &rcpt(box)[0]}
			kind := KindRoutine
			switch i % 10 {
			case 0:
				kind = KindCorrespondent
				m.ToRecipients = rcpt(colleague)
				m.Subject = "Rota for next week"
				m.Body = engine.ItemBody{ContentType: "text", Content: "Hi, the rota is on the shared drive. Thanks"}
			case 6:
				kind = KindRedToWebmail
				m.ToRecipients = rcpt(fmt.Sprintf("patient.%d@gmail.com", n))
				m.Subject = "Your results"
				m.Body = engine.ItemBody{ContentType: "text", Content: fmt.Sprintf(
					"Dear patient, NHS number %s. Your HIV test result is positive; please call the clinic to discuss treatment.", NHSNumber(n))}
			case 7:
				kind = KindBulkVisible
				m.ToRecipients = rcpt(fmt.Sprintf("p%d.a@gmail.com", n), fmt.Sprintf("p%d.b@hotmail.com", n), fmt.Sprintf("p%d.c@yahoo.co.uk", n),
					fmt.Sprintf("p%d.d@gmail.com", n), fmt.Sprintf("p%d.e@outlook.com", n))
				m.Subject = "Diabetes clinic moved"
				m.Body = engine.ItemBody{ContentType: "text", Content: "Your diabetes clinic appointment has moved to Tuesday at 10am."}
			case 8:
				kind = KindSecureTagged
				m.ToRecipients = rcpt(fmt.Sprintf("carer.%d@gmail.com", n))
				m.Subject = "[secure] Discharge summary"
				m.Body = engine.ItemBody{ContentType: "text", Content: fmt.Sprintf("Discharge summary for patient NHS number %s, discharged today.", NHSNumber(n))}
			case 9:
				kind = KindLookalike
				m.ToRecipients = rcpt(slip)
				m.Subject = "Handover"
				m.Body = engine.ItemBody{ContentType: "text", Content: fmt.Sprintf("Handover for patient NHS number %s in bay 4.", NHSNumber(n))}
			default:
				m.ToRecipients = rcpt(colleague, []string{"governance", "pharmacy.team", "ward.clerks"}[i%3]+"@"+domain)
				m.Subject = "Meeting notes"
				m.Body = engine.ItemBody{ContentType: "html", Content: "<p>Notes from today's governance meeting are attached to the Teams channel.</p>"}
			}
			out = append(out, ClinicalMessage{Mailbox: box, Kind: kind, Message: Message{
				Message:           m,
				InternetMessageID: fmt.Sprintf("<synthetic-%d-%d@%s>", b, i, domain),
				SentDateTime:      sent,
			}})
		}
	}
	return out
}

// LoadClinical adds the messages to their mailboxes and returns their ids
// in the same order.
func (s *Server) LoadClinical(msgs []ClinicalMessage) []string {
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = s.AddMessage(m.Mailbox, m.Message)
	}
	return ids
}
