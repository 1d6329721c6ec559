package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sendguard/sendguard/engine"
)

// typicalHTML is about 2 KB of the HTML Outlook writes for a short clinical
// letter: styles, nested spans, an NHS number and a signature.
func typicalHTML() string {
	var b strings.Builder
	b.WriteString(`<html><head><style>p.MsoNormal{margin:0cm;font-size:11pt;font-family:"Calibri",sans-serif}</style></head><body lang="EN-GB"><div class="WordSection1">`)
	b.WriteString(`<p class="MsoNormal">Dear Dr Example,<o:p></o:p></p><p class="MsoNormal"><o:p>&nbsp;</o:p></p>`)
	b.WriteString(`<p class="MsoNormal">Thank you for seeing Mrs J Example (NHS number <span style="font-weight:bold">943 476 5919</span>) in clinic. `)
	for b.Len() < 1800 {
		b.WriteString(`Her blood pressure has been well controlled on the current dose and we agreed to review in three months. <span>Please let us know</span> if anything changes. `)
	}
	b.WriteString(`</p><p class="MsoNormal">Kind regards,<br>Dr A Clinician<br>Riverside Surgery &amp; Health Centre</p></div></body></html>`)
	return b.String()
}

// typicalRequest is a 2 KB HTML clinical letter to six recipients: three
// colleagues, a secure partner, a patient's Gmail and a solicitor.
func typicalRequest(b *testing.B, history bool) engine.Request {
	m := html(mail("Clinic letter", typicalHTML(), "am.other@nhs.net", "referrals@trust.nhs.net", "j.example@gmail.com"))
	m.CcRecipients = rcpts("secretary@nhs.net", "office@solicitors.example.com")
	m.BccRecipients = rcpts("audit@nhs.net")
	if n := len(m.Body.Content); n < 1900 || n > 2300 {
		b.Fatalf("body is %d bytes, want about 2 KB", n)
	}
	req := engine.Request{Message: m}
	if history {
		req.Context.KnownRecipients = []string{"am.other@nhs.net", "secretary@nhs.net", "referrals@trust.nhs.net"}
	}
	return req
}

// BenchmarkCheckTypical: what the add-in's first check and the Worker do,
// with no context.
func BenchmarkCheckTypical(b *testing.B) {
	e := newEngine(b, nil)
	req := typicalRequest(b, false)
	b.ReportAllocs()
	defer cpuPerOp(b)()
	for b.Loop() {
		_ = e.Check(req)
	}
}

// BenchmarkCheckTypicalHistory adds a small history, prepared on the fly
// (Check), so the per-request lookalike index is in the figure.
func BenchmarkCheckTypicalHistory(b *testing.B) {
	e := newEngine(b, nil)
	req := typicalRequest(b, true)
	b.ReportAllocs()
	defer cpuPerOp(b)()
	for b.Loop() {
		_ = e.Check(req)
	}
}

// BenchmarkCheckTypicalPrepared is the server's path: the sender's context
// prepared once and cached.
func BenchmarkCheckTypicalPrepared(b *testing.B) {
	e := newEngine(b, nil)
	req := typicalRequest(b, true)
	p := e.Prepare(req.Context)
	b.ReportAllocs()
	defer cpuPerOp(b)()
	for b.Loop() {
		_ = e.CheckPrepared(req.Message, p)
	}
}

func BenchmarkCheck1MB(b *testing.B) {
	e := newEngine(b, nil)
	var body strings.Builder
	line := "The patient was reviewed on the ward round; observations stable, plan to continue current treatment and review on 14/03/2026. Call ext 4512 with questions.\n"
	for body.Len() < 1<<20 {
		body.WriteString(line)
	}
	m := mail("Ward notes", body.String()[:1<<20], "am.other@nhs.net", "x@example.com")
	req := engine.Request{Message: m}
	b.SetBytes(1 << 20)
	b.ReportAllocs()
	defer cpuPerOp(b)()
	for b.Loop() {
		_ = e.Check(req)
	}
}

func BenchmarkCheckPrepared50k(b *testing.B) {
	e := newEngine(b, nil)
	known := make([]string, 50000)
	for i := range known {
		known[i] = fmt.Sprintf("person.%05d@org%03d.example.org", i, i%500)
	}
	known = append(known, "am.other@nhs.net")
	p := e.Prepare(engine.Context{KnownRecipients: known})
	m := mail("Rota", "Rota for next week attached.", "an.other@nhs.net")
	if v := e.CheckPrepared(m, p); len(v.Findings) != 1 || v.Findings[0].Rule != engine.RuleLookalikeRecipient {
		b.Fatalf("want one lookalike finding, got %+v", v.Findings)
	}
	b.ReportAllocs()
	defer cpuPerOp(b)()
	for b.Loop() {
		_ = e.CheckPrepared(m, p)
	}
}

// BenchmarkPrepare50k is the cost a server pays once per sender: normalising
// 50,000 addresses and building the lookalike index.
func BenchmarkPrepare50k(b *testing.B) {
	e := newEngine(b, nil)
	known := make([]string, 50000)
	for i := range known {
		known[i] = fmt.Sprintf("person.%05d@org%03d.example.org", i, i%500)
	}
	ctx := engine.Context{KnownRecipients: known}
	m := mail("Rota", "Rota for next week attached.", "person.00042@org042.example.orh")
	b.ReportAllocs()
	defer cpuPerOp(b)()
	for b.Loop() {
		// The lookalike index is built on the first check that needs it.
		_ = e.CheckPrepared(m, e.Prepare(ctx))
	}
}
