package engine_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/engine"
)

// The conformance corpus's inputs are written by this generator from the
// table below, so that messages with 200 recipients or binary attachments
// stay readable here. Run `go test ./engine -run TestCorpusCases -gencases`
// after changing the table, then `go test ./engine -run TestCorpus -update`
// to regenerate the verdicts, and review both diffs.
var genCases = flag.Bool("gencases", false, "rewrite testdata/cases/<name>.json from the case table")

// All data is fictitious: example.com/.org addresses, NHS numbers that pass
// modulus 11 but were made up for these tests, and the 999 test range.
const (
	nhsA              = "943 476 5919"
	nhsB              = "485 777 3457"
	nhsC              = "401 023 2137"
	nhsD              = "450 557 7104"
	nhsE              = "640 178 3907"
	nhsTest           = "999 000 0018"
	nhsTest2          = "999 765 4323"
	chiA              = "250575 3121"
	hcA               = "320 123 4567"
	clinician         = "a.clinician@nhs.net"
	practice          = "admin@riverside-surgery.example.org"
	invalidUTF8Marker = "@@INVALID-UTF8@@"
)

// corpusCase is one case file: the shared format every runner reads.
type corpusCase struct {
	Description string `json:"description"`
	// FalsePositiveFor names a rule this case must not trigger.
	FalsePositiveFor string          `json:"falsePositiveFor,omitempty"`
	Policy           json.RawMessage `json:"policy,omitempty"`
	Request          caseRequest     `json:"request"`
	Expect           caseExpect      `json:"expect"`
}

type caseRequest struct {
	Message engine.Message `json:"message"`
	Context caseContext    `json:"context"`
}

// caseContext mirrors engine.Context but can leave knownRecipients out
// entirely: absent is not empty.
type caseContext struct {
	KnownRecipients   *[]string           `json:"knownRecipients,omitempty"`
	Directory         []string            `json:"directory,omitempty"`
	KnownDomains      []string            `json:"knownDomains,omitempty"`
	DistributionLists map[string][]string `json:"distributionLists,omitempty"`
}

type caseExpect struct {
	Action         string   `json:"action"`
	Classification string   `json:"classification"`
	Rules          []string `json:"rules"`
}

func rcpts(addrs ...string) []engine.Recipient {
	out := make([]engine.Recipient, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, engine.Recipient{EmailAddress: engine.EmailAddress{Address: a}})
	}
	return out
}

func from(addr, name string) *engine.Recipient {
	return &engine.Recipient{EmailAddress: engine.EmailAddress{Name: name, Address: addr}}
}

// mail builds a message from a clinician on NHSmail unless changed.
func mail(subject, body string, to ...string) engine.Message {
	return engine.Message{
		From:          from(clinician, "Dr A Clinician"),
		ToRecipients:  rcpts(to...),
		CcRecipients:  []engine.Recipient{},
		BccRecipients: []engine.Recipient{},
		Subject:       subject,
		Body:          engine.ItemBody{ContentType: "text", Content: body},
	}
}

func withFrom(m engine.Message, addr, name string) engine.Message {
	m.From = from(addr, name)
	return m
}

func html(m engine.Message) engine.Message {
	m.Body.ContentType = "html"
	return m
}

func numbered(format string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(format, i+1)
	}
	return out
}

func known(addrs ...string) *[]string {
	if addrs == nil {
		addrs = []string{}
	}
	return &addrs
}

const (
	discharge = "Dear colleague,\n\nPlease find the discharge summary for Mrs J Example, NHS number " + nhsA + ", discharged from Ward 7 today. Follow-up in clinic in six weeks.\n\nKind regards\nDr A Clinician"
	redBody   = "Dear Dr Example,\n\nRe: patient NHS number " + nhsA + ". Seen by the community mental health team today; ongoing psychosis, medication reviewed.\n\nRegards"
	greenBody = "Hi all,\n\nThe practice meeting moves to Thursday at 1pm in the seminar room. Lunch provided.\n\nThanks"
)

func newsletter(optOut string) string {
	return "Dear patient,\n\nOur spring newsletter is here: a special offer on travel vaccinations this month and a new physiotherapy clinic." + optOut + "\n\nRiverside Surgery"
}

func attachment(name, contentType string, content []byte) engine.Attachment {
	return engine.Attachment{Name: name, ContentType: contentType, Size: int64(len(content)), ContentBytes: content}
}

// plainZip is a real ZIP archive with one stored text member.
func plainZip(member, text string) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	f, _ := w.CreateHeader(&zip.FileHeader{Name: member, Method: zip.Deflate})
	_, _ = f.Write([]byte(text))
	_ = w.Close()
	return buf.Bytes()
}

// zipCryptoZip is a real ZIP archive whose member is encrypted with
// traditional PKWARE encryption (password "sendguard"): flag bit 0 set, a
// 12-byte encryption header, then the ciphertext. `unzip -P sendguard`
// opens it.
func zipCryptoZip(member, text string) []byte {
	plain := []byte(text)
	crc := crc32.ChecksumIEEE(plain)
	k := [3]uint32{0x12345678, 0x23456789, 0x34567890}
	upd := func(c byte) {
		k[0] = crc32.IEEETable[byte(k[0])^c] ^ (k[0] >> 8)
		k[1] = (k[1]+(k[0]&0xff))*134775813 + 1
		k[2] = crc32.IEEETable[byte(k[2])^byte(k[1]>>24)] ^ (k[2] >> 8)
	}
	for _, c := range []byte("sendguard") {
		upd(c)
	}
	enc := func(p byte) byte {
		t := uint16(k[2] | 2)
		c := p ^ byte((uint32(t)*uint32(t^1))>>8)
		upd(p)
		return c
	}
	// A fixed header keeps the corpus reproducible; its last byte is the
	// CRC's high byte, which is what unzip checks the password against.
	header := []byte{0x5a, 0x13, 0x77, 0x01, 0xc4, 0x9e, 0x2b, 0x60, 0x3d, 0x88, 0xf1, byte(crc >> 24)}
	var data []byte
	for _, b := range header {
		data = append(data, enc(b))
	}
	for _, b := range plain {
		data = append(data, enc(b))
	}
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	f, _ := w.CreateRaw(&zip.FileHeader{Name: member, Method: zip.Store, Flags: 0x1, CRC32: crc,
		CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(len(plain))})
	_, _ = f.Write(data)
	_ = w.Close()
	return buf.Bytes()
}

// minimalPDF is a small, well-formed PDF with one page of text; with
// encrypt it also carries a standard security handler dictionary referenced
// from the trailer (the way every encrypted PDF announces itself).
func minimalPDF(text string, encrypt bool) []byte {
	var b bytes.Buffer
	var offsets []int
	obj := func(s string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), s)
	}
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>")
	stream := "BT /F1 12 Tf 72 770 Td (" + text + ") Tj ET"
	if encrypt {
		// The stream content is opaque once encrypted; stand-in bytes keep
		// the text out of the file.
		stream = "\x8f\x1c\x92\x07\xe4\x5b\x30\xa1\x6d\xcc\x19\x44\xb8\x02\x7e\x55"
	}
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream))
	size := 5
	if encrypt {
		obj("<< /Filter /Standard /V 2 /R 3 /Length 128 /P -1340 /O <6f1e3a9bd5c2a0e8f4b7c19d2e8a5f30c47b1e92d6a0f3b85e1c7d4a9b2f6e03> /U <2c8f4e1a7b3d9c05e6f2a8b41d7c3e9f00000000000000000000000000000000> >>")
		size = 6
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", size)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	b.WriteString("trailer\n<< /Size " + fmt.Sprint(size) + " /Root 1 0 R")
	if encrypt {
		b.WriteString(" /Encrypt 5 0 R /ID [<a1b2c3d4e5f60718293a4b5c6d7e8f90> <a1b2c3d4e5f60718293a4b5c6d7e8f90>]")
	}
	fmt.Fprintf(&b, " >>\nstartxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes()
}

// encryptedOOXML is the shape Office gives a password-protected .docx: an
// OLE2 compound file (magic D0 CF 11 E0) whose directory holds the
// EncryptionInfo and EncryptedPackage streams instead of a ZIP package.
func encryptedOOXML() []byte {
	sector := 512
	out := make([]byte, 3*sector)
	copy(out, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	binary.LittleEndian.PutUint16(out[0x18:], 0x003E) // minor version
	binary.LittleEndian.PutUint16(out[0x1A:], 0x0003) // major version 3
	binary.LittleEndian.PutUint16(out[0x1C:], 0xFFFE) // little-endian
	binary.LittleEndian.PutUint16(out[0x1E:], 9)      // 512-byte sectors
	binary.LittleEndian.PutUint16(out[0x20:], 6)      // 64-byte mini sectors
	binary.LittleEndian.PutUint32(out[0x2C:], 1)      // one FAT sector
	binary.LittleEndian.PutUint32(out[0x30:], 1)      // directory starts at sector 1
	binary.LittleEndian.PutUint32(out[0x38:], 4096)   // mini stream cutoff
	binary.LittleEndian.PutUint32(out[0x3C:], 0xFFFFFFFE)
	binary.LittleEndian.PutUint32(out[0x44:], 0xFFFFFFFE)
	binary.LittleEndian.PutUint32(out[0x4C:], 0) // FAT in sector 0
	for i := 1; i < 109; i++ {
		binary.LittleEndian.PutUint32(out[0x4C+4*i:], 0xFFFFFFFF)
	}
	fat := out[sector : 2*sector]
	for i := range 128 {
		binary.LittleEndian.PutUint32(fat[4*i:], 0xFFFFFFFF)
	}
	binary.LittleEndian.PutUint32(fat[0:], 0xFFFFFFFD) // the FAT itself
	binary.LittleEndian.PutUint32(fat[4:], 0xFFFFFFFE) // directory: end of chain
	dir := out[2*sector:]
	entry := func(i int, name string, typ byte) {
		e := dir[128*i:]
		for j, r := range name {
			binary.LittleEndian.PutUint16(e[2*j:], uint16(r))
		}
		binary.LittleEndian.PutUint16(e[64:], uint16(2*(len(name)+1)))
		e[66] = typ
		e[67] = 1
		binary.LittleEndian.PutUint32(e[68:], 0xFFFFFFFF)
		binary.LittleEndian.PutUint32(e[72:], 0xFFFFFFFF)
		binary.LittleEndian.PutUint32(e[76:], 0xFFFFFFFF)
	}
	entry(0, "Root Entry", 5)
	entry(1, "EncryptionInfo", 2)
	entry(2, "EncryptedPackage", 2)
	binary.LittleEndian.PutUint32(dir[76:], 1)     // root's child
	binary.LittleEndian.PutUint32(dir[128+72:], 2) // right sibling
	return out
}

// docx is a minimal Word document whose text holds runs split the way Word
// splits them.
func docx(paragraphs ...string) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	add := func(name, body string) {
		f, _ := w.Create(name)
		_, _ = f.Write([]byte(body))
	}
	add("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`)
	add("_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`)
	var body strings.Builder
	for _, p := range paragraphs {
		body.WriteString("<w:p>")
		for _, run := range strings.Split(p, "|") {
			body.WriteString("<w:r><w:t xml:space=\"preserve\">" + run + "</w:t></w:r>")
		}
		body.WriteString("</w:p>")
	}
	add("word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`+body.String()+`</w:body></w:document>`)
	_ = w.Close()
	return buf.Bytes()
}

func policyJSON(t *testing.T, change func(*engine.Policy)) json.RawMessage {
	p := engine.DefaultPolicy()
	change(&p)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(p))
	return bytes.TrimSpace(buf.Bytes())
}

// corpusTable returns every case by name.
func corpusTable(t *testing.T) map[string]corpusCase {
	cases := map[string]corpusCase{}
	add := func(name, desc string, m engine.Message, ctx caseContext, action, class string, rules ...string) *corpusCase {
		if rules == nil {
			rules = []string{}
		}
		if _, dup := cases[name]; dup {
			t.Fatalf("duplicate case %s", name)
		}
		cases[name] = corpusCase{Description: desc, Request: caseRequest{Message: m, Context: ctx}, Expect: caseExpect{action, class, rules}}
		c := cases[name]
		return &c
	}
	set := func(name string, f func(*corpusCase)) {
		c := cases[name]
		f(&c)
		cases[name] = c
	}
	none := caseContext{}
	const (
		allow, warn, block                                                    = engine.ActionAllow, engine.ActionWarn, engine.ActionBlock
		green, amber, red                                                     = engine.Green, engine.Amber, engine.Red
		bulk, insecure, lookalike, newRcpt, multi, unenc, personal, marketing = engine.RuleBulkVisibleRecipients, engine.RuleInsecureRecipient,
			engine.RuleLookalikeRecipient, engine.RuleNewRecipient, engine.RuleMultiplePatients, engine.RuleUnencryptedAttachment,
			engine.RulePersonalAccount, engine.RuleMarketingOptOut
	)
	patients := func(n int) []string {
		out := make([]string, n)
		domains := []string{"gmail.com", "hotmail.co.uk", "yahoo.co.uk", "outlook.com", "icloud.com", "btinternet.com"}
		for i := range out {
			out[i] = fmt.Sprintf("patient%03d@%s", i+1, domains[i%len(domains)])
		}
		return out
	}

	// --- bulk-visible-recipients ---
	m := mail("Flu clinic this Saturday", "Dear patient,\n\nOur flu vaccination clinic runs this Saturday from 9am to 1pm. Please bring your repeat prescription slip if you have one.\n\nRiverside Surgery", clinician)
	m.CcRecipients = rcpts(patients(200)...)
	add("bulk-flu-clinic-200-cc", "The flu-clinic invitation with 200 patients in Cc: every patient sees every other patient's address.", m, none, block, green, bulk)

	add("bulk-three-patients-to", "Three patients' personal addresses in To.",
		mail("Your appointment", "Dear all,\n\nThe group session moves to room 4.\n", patients(3)...), none, block, green, bulk)

	add("bulk-external-contacts-warn", "Eight business contacts at outside organisations in To: visible, but not patients, so a warning.",
		mail("Supplier meeting", greenBody, numbered("contact%d@supplier.example.com", 8)...), none, warn, green, bulk)

	m = mail("Flu clinic this Saturday", "Dear patient,\n\nOur flu vaccination clinic runs this Saturday.\n", clinician)
	m.BccRecipients = rcpts(patients(50)...)
	c := add("bulk-bcc-patients-trap", "Trap: 50 patients in Bcc are not exposed to each other.", m, none, allow, green)
	c.FalsePositiveFor = bulk
	cases["bulk-bcc-patients-trap"] = *c

	m = mail("All staff: fire drill", "The fire alarm will be tested on Monday at 10am.", numbered("staff%03d@nhs.net", 300)...)
	c = add("bulk-internal-all-staff-trap", "Trap: internal all-staff mail to 300 colleagues at the sender's own domain.", m, none, allow, green)
	c.FalsePositiveFor = bulk
	cases["bulk-internal-all-staff-trap"] = *c

	c = add("bulk-patient-and-carer", "A patient and their carer in To: below the bulk threshold.",
		mail("Appointment", "Dear both,\n\nSee you on Tuesday at 10am.\n", "patient001@gmail.com", "carer.example@hotmail.co.uk"), none, allow, green)
	c.FalsePositiveFor = bulk
	cases["bulk-patient-and-carer"] = *c

	add("bulk-distribution-list-hides-members", "A distribution list of 20 patients in To: members see the list's address, not each other.",
		mail("Group session", "Dear all,\n\nThe next session is on Monday.\n", "carers-group@nhs.net"),
		caseContext{DistributionLists: map[string][]string{"carers-group@nhs.net": patients(20)}}, allow, green)

	add("bulk-secure-partners", "A practice writes to twelve NHSmail colleagues in other organisations: secure, not exposed outsiders.",
		withFrom(mail("Locality meeting", greenBody, numbered("gp%02d@nhs.net", 12)...), practice, "Practice Manager"), none, allow, green)

	// --- insecure-recipient ---
	add("insecure-discharge-summary-gmail", "A discharge summary with an NHS number to a patient's Gmail without [secure].",
		mail("Discharge summary", discharge, "jexample1950@gmail.com"), none, block, amber, insecure, personal)

	add("insecure-external-company", "Patient data to an outside company's address.",
		mail("Referral", discharge, "bookings@physio.example.com"), none, block, amber, insecure)

	c = add("insecure-secure-tag-nhsmail", "From NHSmail with [secure] in the subject: NHSmail encrypts it, so the outside address is fine.",
		mail("[secure] Referral", discharge, "bookings@physio.example.com"), none, allow, amber)
	c.FalsePositiveFor = insecure
	cases["insecure-secure-tag-nhsmail"] = *c

	add("insecure-secure-tag-any-case-anywhere", "The tag matches in any case anywhere in the subject.",
		mail("RE: Referral for review [SECURE]", discharge, "bookings@physio.example.com"), none, allow, amber)

	add("insecure-secure-tag-non-nhsmail-trap", "Trap: [secure] from a sender that is not on NHSmail protects nothing.",
		withFrom(mail("[secure] Referral", discharge, "bookings@physio.example.com"), practice, "Practice Admin"), none, block, amber, insecure)

	c = add("insecure-to-nhsmail-from-practice", "A practice on its own domain sends patient data to NHSmail: secure.",
		withFrom(mail("Referral", discharge, "referrals.cardiology@nhs.net"), practice, "Practice Admin"), none, allow, amber)
	c.FalsePositiveFor = insecure
	cases["insecure-to-nhsmail-from-practice"] = *c

	add("insecure-to-nhsmail-subdomain", "nhs.net subdomains are secure too.",
		withFrom(mail("Referral", discharge, "referrals@trust.nhs.net"), practice, "Practice Admin"), none, allow, amber)

	add("insecure-red-mental-health", "Red: mental-health detail with an NHS number to an outside address.",
		mail("Patient update", redBody, "counselling@charity.example.org"), none, block, red, insecure)

	c = add("insecure-test-range-999-trap", "Trap: an NHS number in the 999 test range is synthetic, not a patient.",
		mail("Test patient", "Testing the interface with test patient NHS number "+nhsTest+".", "integration@supplier.example.com"), none, allow, green)
	c.FalsePositiveFor = insecure
	cases["insecure-test-range-999-trap"] = *c

	c = add("insecure-phone-number-mod11-trap", "Trap: 404-555-1212 passes modulus 11 but is a phone number.",
		mail("Call me", "Please call me on 404-555-1212 tomorrow morning.", "someone@example.com"), none, allow, green)
	c.FalsePositiveFor = insecure
	cases["insecure-phone-number-mod11-trap"] = *c

	add("insecure-distribution-list-expansion", "A distribution list (with a nested list that loops back) reaches two outside locums.",
		mail("Ward 7 handover", discharge, "ward7-team@nhs.net"),
		caseContext{DistributionLists: map[string][]string{
			"ward7-team@nhs.net": {"sister.ward7@nhs.net", "locum.doctor@agency.example.com", "ward7-bank@nhs.net"},
			"ward7-bank@nhs.net": {"bank.nurse@staffing.example.org", "ward7-team@nhs.net"},
		}}, block, amber, insecure)

	add("insecure-chi-number", "A Scottish CHI number to an outside address.",
		mail("Transfer", "Patient CHI number "+chiA+" transfers to your care next week.", "care@home.example.com"), none, block, amber, insecure)

	add("insecure-hc-number", "A Northern Ireland H&C number to an outside address.",
		mail("Transfer", "Patient H&C number "+hcA+" transfers to your care next week.", "care@home.example.com"), none, block, amber, insecure)

	add("insecure-nino", "A National Insurance number with a date of birth to an outside address.",
		mail("Benefits form", "Name: J Example, NI number AB 12 34 56 C, DOB 12/03/1984.", "forms@advice.example.org"), none, block, amber, insecure)

	add("insecure-dob-labelled", "A labelled date of birth identifies a patient.",
		mail("Appointment", "Mrs J Example, DOB: 12/03/1984, attended clinic today.", "office@solicitors.example.com"), none, block, amber, insecure)

	c = add("insecure-plain-date-fp", "A date without date-of-birth context is not patient data.",
		mail("Meeting", "The meeting is on 12/03/2024 at 10:00.", "office@solicitors.example.com"), none, allow, green)
	c.FalsePositiveFor = insecure
	cases["insecure-plain-date-fp"] = *c

	c = add("insecure-postcode-alone-fp", "A postcode alone does not identify a patient.",
		mail("Directions", "The clinic is at 1 Park Row, Leeds LS1 5HD.", "visitor@example.com"), none, allow, green)
	c.FalsePositiveFor = insecure
	cases["insecure-postcode-alone-fp"] = *c

	add("insecure-html-split-across-tags", "HTML whose NHS number is split across inline tags still counts.",
		html(mail("Results", "<p>Patient NHS number <b>943</b> <span style=\"color:red\">476</span> 5919: results normal.</p>", "patient002@gmail.com")),
		none, block, amber, insecure, personal)

	m = html(mail("Results", "<p>Your results are normal.</p>", "bookings@physio.example.com"))
	m.AlternativeBodies = []engine.ItemBody{{ContentType: "text", Content: "Your results are normal. NHS number " + nhsA + "."}}
	add("insecure-alternative-body-mismatch", "The HTML part is clean but the text alternative carries an NHS number: every alternative counts.", m, none, block, amber, insecure)

	c = add("insecure-html-script-style-fp", "Numbers in script and style blocks are not text anyone reads.",
		html(mail("See you soon", "<style>.n{width:9434765919px}</style><script>var id='9434765919';</script><p>See you soon.</p>", "friend@example.com")),
		none, allow, green)
	c.FalsePositiveFor = insecure
	cases["insecure-html-script-style-fp"] = *c

	add("insecure-invalid-utf8-subject", "A subject with invalid UTF-8 bytes still gets a verdict.",
		mail("Results "+invalidUTF8Marker+" for review", discharge, "bookings@physio.example.com"), none, block, amber, insecure)

	add("insecure-identifier-in-subject", "An NHS number in the subject line.",
		mail("Results for 9434765919", "Please see attached.", "bookings@physio.example.com"), none, block, amber, insecure)

	m = mail("Results", discharge)
	m.ToRecipients = []engine.Recipient{{EmailAddress: engine.EmailAddress{Name: "", Address: "\"J Example\" <J.Example@Example.COM>"}}}
	add("insecure-display-name-form", "An address typed as a display-name form is normalised.", m, none, block, amber, insecure)

	add("insecure-idn-domain", "A Unicode domain is normalised to its ASCII form.",
		mail("Referral", discharge, "info@bücher.example"), none, block, amber, insecure)

	// --- lookalike-recipient ---
	add("lookalike-an-other-am-other", "an.other@nhs.net for am.other@nhs.net: n and m are neighbours on the keyboard.",
		mail("Rota", greenBody, "an.other@nhs.net"), caseContext{KnownRecipients: known("am.other@nhs.net")}, warn, green, lookalike)

	add("lookalike-nhs-met", "nhs.met for nhs.net: a slip in the domain.",
		mail("Rota", greenBody, "am.other@nhs.met"), caseContext{KnownRecipients: known("am.other@nhs.net")}, warn, green, lookalike)

	add("lookalike-cyrillic-homoglyph", "A Cyrillic а in place of a Latin a.",
		mail("Rota", greenBody, "\u0430m.other@nhs.net"), caseContext{KnownRecipients: known("am.other@nhs.net")}, warn, green, lookalike)

	add("lookalike-directory-without-history", "No history, but the directory knows j.bloggs: j.blogs is one edit away.",
		mail("Rota", greenBody, "j.blogs@nhs.net"), caseContext{Directory: []string{"j.bloggs@nhs.net", "k.smith@nhs.net"}}, warn, green, lookalike)

	add("lookalike-gmail-domain-typo", "gmial.com for gmail.com, against the policy's webmail domains.",
		mail("Letter", "Dear Mr Example,\n\nYour letter is ready to collect.\n", "j.example@gmial.com"), none, warn, green, lookalike)

	c = add("lookalike-known-exact-fp", "An address the sender uses is not a lookalike of anything.",
		mail("Rota", greenBody, "am.other@nhs.net"), caseContext{KnownRecipients: known("am.other@nhs.net", "an.other2@nhs.net")}, allow, green)
	c.FalsePositiveFor = lookalike
	cases["lookalike-known-exact-fp"] = *c

	c = add("lookalike-different-names-fp", "Different people are not slips of each other.",
		mail("Rota", greenBody, "b.jones@nhs.net"), caseContext{KnownRecipients: known("a.smith@nhs.net")}, allow, green)
	c.FalsePositiveFor = lookalike
	cases["lookalike-different-names-fp"] = *c

	c = add("lookalike-webmail-not-slip-of-history-fp", "A new address at gmail.com is at a known webmail domain, not a slip of ymail.com in the history.",
		mail("Letter", "Dear Mr Example,\n\nYour letter is ready to collect.\n", "j.example@gmail.com"), caseContext{KnownRecipients: known("k.person@ymail.com")}, allow, green)
	c.FalsePositiveFor = lookalike
	cases["lookalike-webmail-not-slip-of-history-fp"] = *c

	add("lookalike-with-patient-data", "A lookalike of a colleague with a patient's details: internal, so only the slip warns.",
		mail("Handover", discharge, "an.other@nhs.net"), caseContext{KnownRecipients: known("am.other@nhs.net")}, warn, amber, lookalike)

	add("lookalike-distribution-list-address", "A slip in a distribution list's address: the list from the context is a known address.",
		mail("Rota", greenBody, "ward7-tean@nhs.net"),
		caseContext{KnownRecipients: known(), DistributionLists: map[string][]string{"ward7-team@nhs.net": {"sister.ward7@nhs.net", "nurse.ward7@nhs.net"}}},
		warn, green, lookalike)

	// --- new-recipient ---
	add("new-recipient-empty-history", "Patient data, [secure] from NHSmail, to an address the sender has never emailed (history is an empty list).",
		mail("[secure] Your results", discharge, "j.example@example.com"), caseContext{KnownRecipients: known()}, warn, amber, newRcpt)

	c = add("new-recipient-known-fp", "The sender has emailed this address before.",
		mail("[secure] Your results", discharge, "j.example@example.com"), caseContext{KnownRecipients: known("j.example@example.com")}, allow, amber)
	c.FalsePositiveFor = newRcpt
	cases["new-recipient-known-fp"] = *c

	c = add("new-recipient-absent-history-trap", "Trap: no knownRecipients key at all means no history, not an empty one: stay silent.",
		mail("[secure] Your results", discharge, "j.example@example.com"), none, allow, amber)
	c.FalsePositiveFor = newRcpt
	cases["new-recipient-absent-history-trap"] = *c

	add("new-recipient-green-fp", "Nothing identifies a patient: a new address is not a risk.",
		mail("Meeting", greenBody, "j.example@example.com"), caseContext{KnownRecipients: known()}, allow, green)

	add("new-recipient-internal-fp", "A new colleague at the sender's own domain.",
		mail("Handover", discharge, "new.starter@nhs.net"), caseContext{KnownRecipients: known()}, allow, amber)

	// --- multiple-patients ---
	add("multiple-patients-two-nhs-numbers", "Two patients' NHS numbers in one email to a colleague.",
		mail("Clinic follow-up", "Follow-up needed for NHS number "+nhsA+" and NHS number "+nhsB+".", "am.other@nhs.net"), none, warn, amber, multi)

	c = add("multiple-patients-same-patient-twice-fp", "One patient's number written twice, in two formats.",
		mail("Re: 9434765919", "About NHS number 943-476-5919: bloods are normal.", "am.other@nhs.net"), none, allow, amber)
	c.FalsePositiveFor = multi
	cases["multiple-patients-same-patient-twice-fp"] = *c

	add("multiple-patients-nhs-and-chi", "An NHS number and a CHI number with different values are two patients.",
		mail("Transfers", "Patient NHS number "+nhsA+" and patient CHI number "+chiA+" transfer next week.", "am.other@nhs.net"), none, warn, amber, multi)

	c = add("multiple-patients-test-range-fp", "One real patient and one test-range number: one patient.",
		mail("Interface check", "Real patient NHS number "+nhsA+"; test patient NHS number "+nhsTest2+".", "am.other@nhs.net"), none, allow, amber)
	c.FalsePositiveFor = multi
	cases["multiple-patients-test-range-fp"] = *c

	add("multiple-patients-labelled-dates-of-birth", "Three patients known only by labelled dates of birth.",
		mail("Birthdays on the ward", "Bed 1 DOB 03/04/1951, bed 2 DOB 17/11/1948, bed 3 DOB 29/02/1960.", "am.other@nhs.net"), none, warn, amber, multi)

	add("multiple-patients-clinic-list-html", "A clinic list of five patients in an HTML table.",
		html(mail("Tomorrow's clinic", "<table><tr><th>NHS number</th><th>Time</th></tr><tr><td>"+nhsA+"</td><td>09:00</td></tr><tr><td>"+nhsB+"</td><td>09:20</td></tr><tr><td>"+nhsC+"</td><td>09:40</td></tr><tr><td>"+nhsD+"</td><td>10:00</td></tr><tr><td>"+nhsE+"</td><td>10:20</td></tr></table>", "am.other@nhs.net")),
		none, warn, amber, multi)

	// --- unencrypted-attachment ---
	m = mail("Letters", "Please see the attached letters.", "office@solicitors.example.com")
	m.Attachments = []engine.Attachment{attachment("referral-letters.zip", "application/zip", plainZip("letter.txt", "Dear Dr Example, thank you for seeing this gentleman."))}
	add("attachment-unencrypted-zip", "A record-like ZIP archive without encryption to an outside address.", m, none, block, green, unenc)

	m = mail("Letters", "Please see the attached letters. Password to follow by phone.", "office@solicitors.example.com")
	m.Attachments = []engine.Attachment{attachment("referral-letters.zip", "application/zip", zipCryptoZip("letter.txt", "Dear Dr Example, NHS number "+nhsA+"."))}
	c = add("attachment-encrypted-zip-fp", "The same archive encrypted (ZipCrypto, flag bit 0): allowed.", m, none, allow, green)
	c.FalsePositiveFor = unenc
	cases["attachment-encrypted-zip-fp"] = *c

	m = mail("Discharge", "Please see the attached.", "office@solicitors.example.com")
	m.Attachments = []engine.Attachment{attachment("Discharge summary.pdf", "application/pdf", minimalPDF("Discharge summary", false))}
	add("attachment-unencrypted-pdf", "A discharge summary PDF without encryption to an outside address.", m, none, block, green, unenc)

	m = mail("Discharge", "Please see the attached. Password to follow.", "office@solicitors.example.com")
	m.Attachments = []engine.Attachment{attachment("Discharge summary.pdf", "application/pdf", minimalPDF("", true))}
	c = add("attachment-encrypted-pdf-fp", "A password-protected PDF (/Encrypt in the trailer): allowed.", m, none, allow, green)
	c.FalsePositiveFor = unenc
	cases["attachment-encrypted-pdf-fp"] = *c

	m = mail("Clinic letter", "Please see the attached. Password to follow.", "office@solicitors.example.com")
	m.Attachments = []engine.Attachment{attachment("Clinic letter.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", encryptedOOXML())}
	c = add("attachment-encrypted-docx-fp", "A password-protected Word document (OLE2 with EncryptedPackage): allowed.", m, none, allow, green)
	c.FalsePositiveFor = unenc
	cases["attachment-encrypted-docx-fp"] = *c

	m = mail("Notes", "Notes attached.", "office@solicitors.example.com")
	m.Attachments = []engine.Attachment{attachment("notes.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		docx("Patient: Mrs J Example", "NHS number: 943| 476 |5919", "Seen today, no concerns."))}
	add("attachment-docx-with-nhs-number", "An ordinary name, but the Word document holds an NHS number split across runs.", m, none, block, amber, insecure, unenc)

	m = mail("Referral", "Referral attached.", "office@solicitors.example.com")
	m.Attachments = []engine.Attachment{{Name: "Referral letter.pdf", ContentType: "application/pdf", Size: 48211}}
	add("attachment-name-only", "No content was sent: the attachment is judged by its name.", m, none, block, green, unenc)

	m = mail("[secure] Discharge", "Please see the attached.", "jexample1950@gmail.com")
	m.Attachments = []engine.Attachment{attachment("Discharge summary.pdf", "application/pdf", minimalPDF("Discharge summary", false))}
	c = add("attachment-secure-tag-fp", "NHSmail encrypts the whole message, attachments included, on [secure].", m, none, allow, green)
	c.FalsePositiveFor = unenc
	cases["attachment-secure-tag-fp"] = *c

	m = withFrom(mail("Discharge", "Please see the attached.", "referrals@nhs.net"), practice, "Practice Admin")
	m.Attachments = []engine.Attachment{attachment("Discharge summary.pdf", "application/pdf", minimalPDF("Discharge summary", false))}
	add("attachment-to-secure-domain-fp", "An unencrypted record to NHSmail travels securely.", m, none, allow, green)

	m = mail("Export", "Export attached.", "analyst@research.example.org")
	m.Attachments = []engine.Attachment{attachment("export.csv", "text/csv", []byte("nhs_number,clinic\n"+strings.ReplaceAll(nhsA, " ", "")+",diabetes\n"+strings.ReplaceAll(nhsB, " ", "")+",diabetes\n"+strings.ReplaceAll(nhsC, " ", "")+",respiratory\n"))}
	add("attachment-csv-patient-list", "A CSV export of three patients to an outside address.", m, none, block, amber, insecure, multi, unenc)

	m = mail("Meeting", greenBody, "office@solicitors.example.com")
	m.Attachments = []engine.Attachment{{Name: "image001.png", ContentType: "image/png", Size: 2048, IsInline: true}, attachment("agenda.txt", "text/plain", []byte("1. Welcome\n2. Budget\n"))}
	add("attachment-inline-image-and-agenda-fp", "An inline logo and an agenda are not records.", m, none, allow, green)

	// --- personal-account ---
	m = mail("[secure] clinic list for tonight", discharge, "janesmith84@gmail.com")
	m.From = from("jane.smith@nhs.net", "Jane Smith")
	add("personal-forward-to-own-gmail", "Staff forwarding a patient's details to their own Gmail, even with [secure].", m, none, block, amber, personal)

	add("personal-sent-from-gmail", "Patient data sent from a personal webmail account.",
		withFrom(mail("Referral", discharge, "referrals.cardiology@nhs.net"), "dr.clinician.home@gmail.com", "Dr A Clinician"), none, block, amber, personal)

	c = add("personal-patient-gmail-secure-fp", "A patient's own Gmail, [secure] from NHSmail: the sanctioned route.",
		mail("[secure] Your discharge summary", discharge, "jexample1950@gmail.com"), none, allow, amber)
	c.FalsePositiveFor = personal
	cases["personal-patient-gmail-secure-fp"] = *c

	m = mail("Rota for next week", greenBody, "janesmith84@gmail.com")
	m.From = from("jane.smith@nhs.net", "Jane Smith")
	add("personal-own-gmail-green-fp", "Forwarding the rota (no patient data) to one's own Gmail.", m, none, allow, green)

	// --- marketing-opt-out ---
	m = withFrom(mail("Spring newsletter", newsletter(""), practice), practice, "Riverside Surgery")
	m.BccRecipients = rcpts(patients(40)...)
	add("marketing-no-opt-out", "A newsletter with an offer to 40 patients in Bcc and no way to opt out.", m, none, warn, green, marketing)

	m = withFrom(mail("Spring newsletter", newsletter(" To unsubscribe, reply STOP."), practice), practice, "Riverside Surgery")
	m.BccRecipients = rcpts(patients(40)...)
	c = add("marketing-with-opt-out-fp", "The same newsletter with an unsubscribe line.", m, none, allow, green)
	c.FalsePositiveFor = marketing
	cases["marketing-with-opt-out-fp"] = *c

	m = withFrom(mail("Spring newsletter", newsletter(""), practice), practice, "Riverside Surgery")
	m.BccRecipients = rcpts(patients(40)...)
	m.InternetMessageHeaders = []engine.Header{{Name: "List-Unsubscribe", Value: "<mailto:unsubscribe@riverside-surgery.example.org>"}}
	add("marketing-list-unsubscribe-header-fp", "A List-Unsubscribe header is an opt-out.", m, none, allow, green)

	add("marketing-internal-only-fp", "A staff newsletter to colleagues is not marketing to patients.",
		mail("Staff newsletter", "This month's staff newsletter: a discount at the canteen.", numbered("staff%02d@nhs.net", 5)...), none, allow, green)

	// --- policy variations ---
	add("policy-audit-only", "Audit-only policy: the findings are kept, but the action is allow.",
		mail("Discharge summary", discharge, "jexample1950@gmail.com"), none, allow, amber, insecure, personal)
	set("policy-audit-only", func(c *corpusCase) {
		c.Policy = policyJSON(t, func(p *engine.Policy) { p.ID = "audit-trial"; p.AuditOnly = true })
	})

	add("policy-rule-disabled", "A policy that switches insecure-recipient off.",
		mail("Referral", discharge, "bookings@physio.example.com"), none, allow, amber)
	set("policy-rule-disabled", func(c *corpusCase) {
		c.Policy = policyJSON(t, func(p *engine.Policy) {
			p.ID = "no-insecure"
			p.Rules[engine.RuleInsecureRecipient] = engine.RuleSetting{Enabled: false, Severity: engine.ActionBlock}
		})
	})

	add("policy-lookalike-blocks", "A policy that raises lookalike-recipient to block.",
		mail("Rota", greenBody, "an.other@nhs.net"), caseContext{KnownRecipients: known("am.other@nhs.net")}, block, green, lookalike)
	set("policy-lookalike-blocks", func(c *corpusCase) {
		c.Policy = policyJSON(t, func(p *engine.Policy) {
			p.ID = "strict"
			p.Rules[engine.RuleLookalikeRecipient] = engine.RuleSetting{Enabled: true, Severity: engine.ActionBlock}
		})
	})

	add("policy-internal-domains", "A trust lists its own domains: mail to its second domain is internal.",
		withFrom(mail("Handover", discharge, "ward7@hospital.example.org"), "a.clinician@trust.example.org", "Dr A Clinician"), none, allow, amber)
	set("policy-internal-domains", func(c *corpusCase) {
		c.Policy = policyJSON(t, func(p *engine.Policy) {
			p.ID = "trust"
			p.InternalDomains = []string{"trust.example.org", "hospital.example.org"}
		})
	})

	// --- everyday and edge cases ---
	add("green-internal-meeting", "An everyday internal email.", mail("Practice meeting", greenBody, "am.other@nhs.net"), none, allow, green)
	add("red-to-internal-colleague", "Red content to a colleague at the same organisation travels internally.",
		mail("Patient update", redBody, "am.other@nhs.net"), none, allow, red)
	add("empty-message", "An empty draft: no sender, no recipients, no body.", engine.Message{}, none, allow, green)
	add("no-recipients-with-patient-data", "A draft with patient data but no recipients yet.", mail("Draft", discharge), none, allow, amber)
	add("red-sexual-health-gmail", "Red: sexual-health detail to a patient's Gmail.",
		mail("Your results", "Dear patient, NHS number "+nhsA+": your chlamydia test was positive; treatment is ready to collect.", "patient003@gmail.com"),
		none, block, red, insecure, personal)
	for name, rule := range map[string]string{
		"bulk-distribution-list-hides-members": bulk, "bulk-secure-partners": bulk,
		"insecure-to-nhsmail-subdomain": insecure, "insecure-secure-tag-any-case-anywhere": insecure,
		"new-recipient-green-fp": newRcpt, "new-recipient-internal-fp": newRcpt,
		"attachment-to-secure-domain-fp": unenc, "attachment-inline-image-and-agenda-fp": unenc,
		"personal-own-gmail-green-fp": personal, "marketing-list-unsubscribe-header-fp": marketing,
		"marketing-internal-only-fp": marketing, "red-to-internal-colleague": insecure,
	} {
		set(name, func(c *corpusCase) { c.FalsePositiveFor = rule })
	}
	return cases
}

// TestCorpusCases keeps testdata/cases/<name>.json in step with the table.
func TestCorpusCases(t *testing.T) {
	cases := corpusTable(t)
	for _, name := range sortedNames(cases) {
		b := encodeCase(t, cases[name])
		path := filepath.Join("testdata", "cases", name+".json")
		if *genCases {
			require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
			require.NoError(t, os.WriteFile(path, b, 0o644))
			continue
		}
		disk, err := os.ReadFile(path)
		require.NoError(t, err, "run: go test ./engine -run TestCorpusCases -gencases")
		if !bytes.Equal(b, disk) {
			t.Errorf("%s is out of date with the case table: run go test ./engine -run TestCorpusCases -gencases and review the diff", path)
		}
	}
}

func encodeCase(t *testing.T, c corpusCase) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(c))
	// encoding/json would replace invalid UTF-8; the case needs the raw bytes.
	return bytes.ReplaceAll(buf.Bytes(), []byte(invalidUTF8Marker), []byte("\xff\xfe\xc3"))
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
