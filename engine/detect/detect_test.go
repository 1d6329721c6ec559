package detect_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/engine/detect"
	"github.com/sendguard/sendguard/engine/textextract"
)

// testConfig is a small lexicon in the shape of the policy's; the default
// policy's lists belong to the engine core and may change.
var testConfig = detect.Config{
	IdentifierContext: []string{"nhs", "nhs no", "nhs number", "patient", "dob", "chi", "hospital number",
		"ni number", "national insurance", "address", "h&c"},
	PhoneContext: []string{"tel", "telephone", "phone", "mobile", "fax", "call", "+1", "order", "invoice", "account"},
	SpecialCategory: map[string][]string{
		"hiv":              {"hiv", "aids"},
		"sexual-health":    {"sexual health", "sti", "chlamydia", "gonorrhoea", "hiv"},
		"mental-health":    {"mental health", "depression", "schizophrenia", "bipolar disorder", "self harm"},
		"termination":      {"termination of pregnancy", "abortion"},
		"gender-identity":  {"gender identity", "transgender"},
		"substance-misuse": {"substance misuse", "alcohol dependence", "heroin"},
		"genetics":         {"genetic test", "brca", "huntington's disease"},
		"safeguarding":     {"safeguarding", "child protection"},
	},
	Marketing: []string{"newsletter", "special offer", "flu clinic", "book now"},
	OptOut:    []string{"unsubscribe", "opt out", "reply stop"},
}

func newDetector(t testing.TB) *detect.Detector {
	t.Helper()
	d, err := detect.Compile(testConfig)
	require.NoError(t, err)
	return d
}

// found is a Hit as a test states it: the matched text instead of offsets.
type found struct {
	Kind       string
	Text       string
	Masked     string
	Confidence int
	Test       bool
}

func summarise(text string, hits []detect.Hit) []found {
	out := []found{}
	for _, h := range hits {
		out = append(out, found{Kind: h.Kind, Text: text[h.Start:h.End], Masked: h.Masked, Confidence: h.Confidence, Test: h.Test})
	}
	return out
}

func nhs(text, last4 string, conf int) found {
	return found{Kind: detect.KindNHS, Text: text, Masked: "*** *** " + last4, Confidence: conf}
}

func TestIdentifiers(t *testing.T) {
	d := newDetector(t)
	const nbsp = "\u00a0"
	tests := map[string]struct {
		text string
		want []found
	}{
		// NHS numbers: true positives.
		"ten digits with context":   {"NHS number 9434765919.", []found{nhs("9434765919", "5919", detect.High)}},
		"ten digits bare":           {"see 9434765919 above", []found{nhs("9434765919", "5919", detect.Medium)}},
		"3-3-4 spaces":              {"Patient: 943 476 5919", []found{nhs("943 476 5919", "5919", detect.High)}},
		"3-3-4 dashes":              {"NHS no 943-476-5919", []found{nhs("943-476-5919", "5919", detect.High)}},
		"3-3-4 no-break spaces":     {"NHS 943" + nbsp + "476" + nbsp + "5919", []found{nhs("943"+nbsp+"476"+nbsp+"5919", "5919", detect.High)}},
		"mixed separators":          {"NHS 943 476-5919", []found{nhs("943 476-5919", "5919", detect.High)}},
		"start and end of text":     {"9434765919", []found{nhs("9434765919", "5919", detect.Medium)}},
		"in brackets":               {"Mrs X (NHS 943 476 5919)", []found{nhs("943 476 5919", "5919", detect.High)}},
		"smart quotes":              {"“9434765919”", []found{nhs("9434765919", "5919", detect.Medium)}},
		"case-insensitive context":  {"nHs NuMbEr: 4505577104", []found{nhs("4505577104", "7104", detect.High)}},
		"context across line break": {"Hospital\nnumber 4505577104", []found{nhs("4505577104", "7104", detect.High)}},
		"test range":                {"NHS 999 000 0018", []found{{Kind: detect.KindNHS, Text: "999 000 0018", Masked: "*** *** 0018", Confidence: detect.High, Test: true}}},
		"two patients": {"NHS 943 476 5919 and NHS 450 557 7104", []found{
			nhs("943 476 5919", "5919", detect.High), nhs("450 557 7104", "7104", detect.High)}},
		"identifier context beats later phone context": {"NHS no 943 476 5919, tel 0161 496 0000",
			[]found{nhs("943 476 5919", "5919", detect.High)}},
		"number in a space-separated table row": {"12 943 476 5919 3", []found{nhs("943 476 5919", "5919", detect.Medium)}},

		// CHI and H&C.
		"CHI with valid date": {"CHI 2902841116", []found{{Kind: detect.KindCHI, Text: "2902841116", Masked: "*** *** 1116", Confidence: detect.High}}},
		"CHI written 6-4":     {"CHI: 120384 1205", []found{{Kind: detect.KindCHI, Text: "120384 1205", Masked: "*** *** 1205", Confidence: detect.High}}},
		"CHI range, invalid date, is still a valid NHS-format number": {"CHI 3002841234",
			[]found{nhs("3002841234", "1234", detect.High)}},
		"H&C number": {"H&C 320 123 4567", []found{{Kind: detect.KindHC, Text: "320 123 4567", Masked: "*** *** 4567", Confidence: detect.High}}},

		// NHS numbers: false positives.
		"phone passing modulus 11 with tel": {"Tel: 404-555-1212", []found{nhs("404-555-1212", "1212", detect.Low)}},
		"phone before patient word":         {"call 404 555 1212 about the patient", []found{nhs("404 555 1212", "1212", detect.Low)}},
		"phone after with no identifier":    {"404-555-1212 (mobile)", []found{nhs("404-555-1212", "1212", detect.Low)}},
		"phone with area code brackets":     {"NHS helpline (404) 555-1212", []found{nhs("(404) 555-1212", "1212", detect.Low)}},
		"phone with country code":           {"patient line +1 404 555 1212", []found{nhs("404 555 1212", "1212", detect.Low)}},
		"order number":                      {"Order number 1234567881 shipped", []found{nhs("1234567881", "7881", detect.Low)}},
		"invoice code":                      {"Invoice INV-9434765919 attached", []found{}},
		"code continuing after":             {"ref 9434765919-A", []found{}},
		"repeated digits":                   {"NHS 1111111111 or 999 999 9999 or 0000000000", []found{}},
		"inside a longer digit run":         {"NHS 12943476591999 and 94347659190", []found{}},
		"inside a dashed code":              {"NHS 943-476-5919-12 and 1-943-476-5919", []found{}},
		"attached to letters":               {"NHS A9434765919 or 9434765919B or x943 476 5919", []found{}},
		"fails modulus 11":                  {"NHS 943 476 5918", []found{}},
		"check value 10":                    {"NHS 999 123 4560", []found{}},
		"decimal":                           {"NHS 9434765919.5 and 0.9434765919", []found{}},
		"dotted phone":                      {"NHS 943.476.5919", []found{}},
		"wrong grouping":                    {"NHS 9434 765 919 and 94 3476 5919", []found{}},

		// NINO.
		"NINO spaced":            {"NI number AB 12 34 56 C", []found{{Kind: detect.KindNINO, Text: "AB 12 34 56 C", Masked: "** ** ** ** C", Confidence: detect.High}}},
		"NINO compact":           {"ref: JG103759A.", []found{{Kind: detect.KindNINO, Text: "JG103759A", Masked: "** ** ** ** A", Confidence: detect.Medium}}},
		"NINO lower compact":     {"jg103759a", []found{{Kind: detect.KindNINO, Text: "jg103759a", Masked: "** ** ** ** A", Confidence: detect.Medium}}},
		"NINO block spacing":     {"AB 123456 D", []found{{Kind: detect.KindNINO, Text: "AB 123456 D", Masked: "** ** ** ** D", Confidence: detect.Medium}}},
		"NINO forbidden first":   {"DA123456A FA123456A IA123456A QQ123456C UA123456A VA123456A", []found{}},
		"NINO forbidden second":  {"AD123456A AO123456A AV123456A", []found{}},
		"NINO forbidden pairs":   {"BG123456A GB123456A KN123456A NK123456A NT123456A TN123456A ZZ123456A", []found{}},
		"NINO bad suffix":        {"AB123456E AB123456", []found{}},
		"NINO spaced lower":      {"ab 12 34 56 c", []found{}},
		"NINO in a longer token": {"XAB123456C AB123456CX", []found{}},

		// Dates of birth.
		"DOB slashes":             {"DOB: 12/03/1984", []found{{Kind: detect.KindDOB, Text: "12/03/1984", Masked: "**/**/1984", Confidence: detect.High}}},
		"DOB dashes short":        {"D.O.B. 12-03-84", []found{{Kind: detect.KindDOB, Text: "12-03-84", Masked: "**/**/84", Confidence: detect.High}}},
		"DOB dots":                {"born 1.3.1984 in Leeds", []found{{Kind: detect.KindDOB, Text: "1.3.1984", Masked: "**/**/1984", Confidence: detect.High}}},
		"DOB words":               {"Date of birth: 12 March 1984", []found{{Kind: detect.KindDOB, Text: "12 March 1984", Masked: "**/**/1984", Confidence: detect.High}}},
		"DOB ordinal":             {"dob 12th Mar 1984", []found{{Kind: detect.KindDOB, Text: "12th Mar 1984", Masked: "**/**/1984", Confidence: detect.High}}},
		"DOB month first":         {"born March 12, 1984", []found{{Kind: detect.KindDOB, Text: "March 12, 1984", Masked: "**/**/1984", Confidence: detect.High}}},
		"DOB ISO":                 {"DOB 1984-03-12", []found{{Kind: detect.KindDOB, Text: "1984-03-12", Masked: "**/**/1984", Confidence: detect.High}}},
		"DOB after date":          {"12/03/1984 (DOB)", []found{{Kind: detect.KindDOB, Text: "12/03/1984", Masked: "**/**/1984", Confidence: detect.High}}},
		"DOB system style":        {"DOB: 12-Mar-1984; dob 01/Feb/84", []found{{Kind: detect.KindDOB, Text: "12-Mar-1984", Masked: "**/**/1984", Confidence: detect.High}, {Kind: detect.KindDOB, Text: "01/Feb/84", Masked: "**/**/84", Confidence: detect.High}}},
		"DOB mixed separators":    {"DOB: 12-Mar 1984", []found{}},
		"DOB month first numeric": {"DOB 03/25/1984", []found{{Kind: detect.KindDOB, Text: "03/25/1984", Masked: "**/**/1984", Confidence: detect.High}}},
		"bare date":               {"Your appointment is on 12/03/2024 at 10:30.", []found{}},
		"bare word date":          {"Letter dated 12 March 1984", []found{}},
		"DOB invalid date":        {"DOB 31/02/1984 and DOB 29/02/1983 and DOB 12/33/1984 and DOB 13/13/1984", []found{}},
		"DOB leap day":            {"DOB 29/02/1984", []found{{Kind: detect.KindDOB, Text: "29/02/1984", Masked: "**/**/1984", Confidence: detect.High}}},
		"DOB too far away":        {"DOB" + strings.Repeat(" ", 60) + "12/03/1984", []found{}},
		"DOB with NHS":            {"NHS 943 476 5919 DOB 12/03/1984", []found{nhs("943 476 5919", "5919", detect.High), {Kind: detect.KindDOB, Text: "12/03/1984", Masked: "**/**/1984", Confidence: detect.High}}},
		"version not a date":      {"dob v1.2.3", []found{}},

		// Postcodes.
		"postcode A9 9AA":                {"M1 1AE", []found{{Kind: detect.KindPostcode, Text: "M1 1AE", Masked: "M1 ***", Confidence: detect.Medium}}},
		"postcode A99 9AA":               {"B33 8TH", []found{{Kind: detect.KindPostcode, Text: "B33 8TH", Masked: "B33 ***", Confidence: detect.Medium}}},
		"postcode AA9 9AA":               {"CR2 6XH", []found{{Kind: detect.KindPostcode, Text: "CR2 6XH", Masked: "CR2 ***", Confidence: detect.Medium}}},
		"postcode AA99 9AA":              {"DN55 1PT", []found{{Kind: detect.KindPostcode, Text: "DN55 1PT", Masked: "DN55 ***", Confidence: detect.Medium}}},
		"postcode A9A 9AA":               {"W1A 1HQ", []found{{Kind: detect.KindPostcode, Text: "W1A 1HQ", Masked: "W1A ***", Confidence: detect.Medium}}},
		"postcode AA9A 9AA":              {"address EC1A 1BB.", []found{{Kind: detect.KindPostcode, Text: "EC1A 1BB", Masked: "EC1A ***", Confidence: detect.High}}},
		"postcode GIR 0AA":               {"GIR 0AA", []found{{Kind: detect.KindPostcode, Text: "GIR 0AA", Masked: "GIR ***", Confidence: detect.Medium}}},
		"postcode no space":              {"sw1a1aa", []found{{Kind: detect.KindPostcode, Text: "sw1a1aa", Masked: "SW1A ***", Confidence: detect.Low}}},
		"postcode no space with context": {"Address: LS14AP", []found{{Kind: detect.KindPostcode, Text: "LS14AP", Masked: "LS1 ***", Confidence: detect.Medium}}},
		"booking reference":              {"BOOKING REF MS70PQ", []found{{Kind: detect.KindPostcode, Text: "MS70PQ", Masked: "MS7 ***", Confidence: detect.Low}}},
		"postcode lower":                 {"ls1 4ap", []found{{Kind: detect.KindPostcode, Text: "ls1 4ap", Masked: "LS1 ***", Confidence: detect.Medium}}},
		"postcode bad first":             {"QA1 1AA VA1 1AA XA1 1AA", []found{}},
		"postcode bad second":            {"AI1 1AA AJ1 1AA AZ1 1AA", []found{}},
		"postcode bad inward":            {"SW1A 1CA SW1A 1AK", []found{}},
		"postcode bad A9A":               {"W1I 1AA", []found{}},
		"postcode in a token":            {"XSW1A 1AA and SW1A 1AAX and ABC1 1AA", []found{}},

		// Robustness.
		"invalid UTF-8 around":      {"\xff9434765919\xfe", []found{nhs("9434765919", "5919", detect.Medium)}},
		"non-ASCII letter attached": {"é9434765919", []found{}},
		"empty":                     {"", []found{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, summarise(tc.text, d.Identifiers(tc.text)))
		})
	}
}

// TestIdentifiersInHTML runs the detector over textextract's output: the
// pair is what the engine sees for an HTML body.
func TestIdentifiersInHTML(t *testing.T) {
	d := newDetector(t)
	tests := map[string]struct {
		html string
		want []string // masked forms of the hits
	}{
		"split across spans":       {`<p>NHS 943 <span style="color:red">476</span> 5919</p>`, []string{"*** *** 5919"}},
		"split inside a group":     {`NHS 94<b>3</b>4765919`, []string{"*** *** 5919"}},
		"split by font and a":      {`NHS <font>943</font><a href="x">476</a><i>5919</i>`, []string{"*** *** 5919"}},
		"decimal and hex entities": {`NHS &#57;&#52;&#51; &#x34;76 59&#x31;9`, []string{"*** *** 5919"}},
		"nbsp entity":              {`NHS 943&nbsp;476&nbsp;5919`, []string{"*** *** 5919"}},
		"zero-width inside":        {"NHS 943\u200b476&#8203;5919 and 943&shy;476&zwj;5919", []string{"*** *** 5919", "*** *** 5919"}},
		"script and style ignored": {`<script>var nhs = "9434765919";</script><style>.x{content:"9434765919"}</style>ok`, nil},
		"comment ignored":          {`<!-- NHS 9434765919 -->ok`, nil},
		"blocks separate cells":    {`<table><tr><td>NHS</td><td>943 476 5919</td></tr></table>`, []string{"*** *** 5919"}},
		"blocks stop joins":        {`<div>943476</div><div>5919</div>`, nil},
		"DOB across tags":          {`<b>DOB:</b> <span>12</span>/03/1984`, []string{"**/**/1984"}},
		"postcode in a cell":       {`<td>Address</td><td>LS1&nbsp;4AP</td>`, []string{"LS1 ***"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			text := textextract.HTML(tc.html)
			var got []string
			for _, h := range d.Identifiers(text) {
				got = append(got, h.Masked)
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestMasking checks that no masked form carries more than the last four
// digits of a number, and never the value itself.
func TestMasking(t *testing.T) {
	d := newDetector(t)
	text := "NHS 943 476 5919, CHI 2902841116, H&C 3201234567, NI AB 12 34 56 C, DOB 12 March 1984, " +
		"DOB 12/03/84, born 1984-03-12, EC1A 1BB, GIR 0AA, M1 1AE, test 9990000018, tel 404 555 1212"
	hits := d.Identifiers(text)
	require.Len(t, hits, 12)
	for _, h := range hits {
		digits := 0
		for _, c := range h.Masked {
			if c >= '0' && c <= '9' {
				digits++
			}
		}
		assert.LessOrEqual(t, digits, 4, "%s masked as %q", h.Kind, h.Masked)
		assert.NotContains(t, h.Masked, h.Value, h.Kind)
		assert.NotContains(t, h.Masked, text[h.Start:h.End], h.Kind)
		switch h.Kind {
		case detect.KindNHS, detect.KindCHI, detect.KindHC:
			assert.Equal(t, "*** *** "+h.Value[6:], h.Masked)
		}
	}
}

func TestValidators(t *testing.T) {
	tests := map[string]struct {
		fn    func(string) bool
		input string
		want  bool
	}{
		"NHS valid":                {detect.ValidNHS, "9434765919", true},
		"NHS check digit wrong":    {detect.ValidNHS, "9434765918", false},
		"NHS check value 10":       {detect.ValidNHS, "9991234560", false},
		"NHS check value 11 is 0":  {detect.ValidNHS, "4000000632", true},
		"NHS too short":            {detect.ValidNHS, "943476591", false},
		"NHS with spaces":          {detect.ValidNHS, "943 476 5919", false},
		"NHS letters":              {detect.ValidNHS, "94347659I9", false},
		"NHS repeated digits":      {detect.ValidNHS, "9999999999", true},
		"CHI valid":                {detect.ValidCHI, "2902841116", true},
		"CHI first of January":     {detect.ValidCHI, "0101010001", true},
		"CHI 30 February":          {detect.ValidCHI, "3002841234", false},
		"CHI 29 February non-leap": {detect.ValidCHI, mod11("290283111"), false},
		"CHI month 13":             {detect.ValidCHI, mod11("121384111"), false},
		"CHI day 0":                {detect.ValidCHI, "0032698674", false},
		"CHI bad checksum":         {detect.ValidCHI, "2902841117", false},
		"HC valid":                 {detect.ValidHC, "3201234567", true},
		"HC top of range":          {detect.ValidHC, "3999999985", true},
		"HC below range":           {detect.ValidHC, "3112999991", false},
		"HC England range":         {detect.ValidHC, "4505577104", false},
		"NINO compact":             {detect.ValidNINO, "AB123456C", true},
		"NINO spaced lower":        {detect.ValidNINO, "ab 12 34 56 c", true},
		"NINO QQ":                  {detect.ValidNINO, "QQ123456C", false},
		"NINO O second":            {detect.ValidNINO, "AO123456C", false},
		"NINO O first":             {detect.ValidNINO, "OA123456C", true},
		"NINO GB":                  {detect.ValidNINO, "GB123456A", false},
		"NINO suffix E":            {detect.ValidNINO, "AB123456E", false},
		"NINO no suffix":           {detect.ValidNINO, "AB123456", false},
		"NINO too long":            {detect.ValidNINO, "AB1234567C", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.fn(tc.input), tc.input)
		})
	}
}

// mod11 appends the modulus-11 check digit to nine digits (the caller
// picks digits whose check value is not 10).
func mod11(nine string) string {
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(nine[i]-'0') * (10 - i)
	}
	c := 11 - sum%11
	if c == 11 {
		c = 0
	}
	if c == 10 {
		panic("check value 10 for " + nine)
	}
	return nine + string(rune('0'+c))
}

func TestSpecialCategories(t *testing.T) {
	d := newDetector(t)
	type th struct{ Category, Term, Text string }
	tests := map[string]struct {
		text string
		want []th
	}{
		"single word":          {"Result: HIV negative", []th{{"hiv", "hiv", "HIV"}, {"sexual-health", "hiv", "HIV"}}},
		"archive is not hiv":   {"see the archive and archived hivemind", []th{}},
		"phrase":               {"referred to Sexual Health", []th{{"sexual-health", "sexual health", "Sexual Health"}}},
		"phrase across break":  {"mental\r\n  health team", []th{{"mental-health", "mental health", "mental\r\n  health"}}},
		"phrase with hyphen":   {"a sexual-health clinic", []th{{"sexual-health", "sexual health", "sexual-health"}}},
		"plural":               {"two abortions and depressions", []th{{"termination", "abortion", "abortions"}, {"mental-health", "depression", "depressions"}}},
		"no plural for short":  {"STIs are common; stis", []th{}},
		"longest phrase wins":  {"termination of pregnancy", []th{{"termination", "termination of pregnancy", "termination of pregnancy"}}},
		"word boundary end":    {"brcafoo and BRCA1 and BRCA", []th{{"genetics", "brca", "BRCA"}}},
		"unicode boundary":     {"éhiv hivé ·hiv·", []th{{"hiv", "hiv", "hiv"}, {"sexual-health", "hiv", "hiv"}}},
		"punctuation boundary": {"(Chlamydia)", []th{{"sexual-health", "chlamydia", "Chlamydia"}}},
		"invalid UTF-8":        {"\xffhiv\xfe", []th{{"hiv", "hiv", "hiv"}, {"sexual-health", "hiv", "hiv"}}},
		"curly apostrophe":     {"Huntington’s disease and huntington's disease", []th{{"genetics", "huntington's disease", "Huntington’s disease"}, {"genetics", "huntington's disease", "huntington's disease"}}},
		"nothing":              {"Dear Dr Smith, thank you for seeing Mrs Jones.", []th{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := []th{}
			for _, h := range d.SpecialCategories(tc.text) {
				got = append(got, th{h.Category, h.Term, tc.text[h.Start:h.End]})
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestMarketingAndOptOut(t *testing.T) {
	d := newDetector(t)
	text := "Our Flu Clinic is open: book now! To opt-out, reply STOP or unsubscribe here."
	var m, o []string
	for _, h := range d.Marketing(text) {
		m = append(m, h.Category+":"+h.Term)
	}
	for _, h := range d.OptOut(text) {
		o = append(o, h.Category+":"+h.Term)
	}
	assert.Equal(t, []string{"marketing:flu clinic", "marketing:book now"}, m)
	assert.Equal(t, []string{"optOut:opt out", "optOut:reply stop", "optOut:unsubscribe"}, o)
	assert.Empty(t, d.Marketing("Dear patient, your results are normal."))
	assert.Empty(t, d.OptOut("Dear patient, your results are normal."))
}

// TestTerms checks the one-pass lexicon scan against the three separate
// scans, with terms shared between lists and matches overlapping across
// lists.
func TestTerms(t *testing.T) {
	d, err := detect.Compile(detect.Config{
		SpecialCategory: map[string][]string{
			"sexual-health": {"sexual health", "hiv", "clinic visit"},
			"hiv":           {"hiv"},
		},
		Marketing: []string{"sexual health clinic", "hiv", "newsletter", "clinic"},
		OptOut:    []string{"reply stop", "stop"},
	})
	require.NoError(t, err)
	for _, text := range []string{
		"Our Sexual Health Clinic newsletter: HIV tests. Reply STOP to opt out.",
		"clinic visits, hiv, sexual-health clinic; stop",
		"", "nothing here", "“hiv” ‘clinic’ STOP.", strings.Repeat("hiv clinic ", 50),
		letter(t),
	} {
		got := d.Terms(text)
		assert.Equal(t, d.SpecialCategories(text), got.Special, text)
		assert.Equal(t, d.Marketing(text), got.Marketing, text)
		assert.Equal(t, d.OptOut(text), got.OptOut, text)
	}
	got := d.Terms("Our Sexual Health Clinic newsletter")
	assert.Equal(t, []detect.TermHit{{Category: "sexual-health", Term: "sexual health", Start: 4, End: 17}}, got.Special)
	assert.Equal(t, []detect.TermHit{
		{Category: "marketing", Term: "sexual health clinic", Start: 4, End: 24},
		{Category: "marketing", Term: "newsletter", Start: 25, End: 35},
	}, got.Marketing)
}

func TestCompileErrors(t *testing.T) {
	cfg := detect.Config{
		IdentifierContext: []string{"nhs", "  "},
		PhoneContext:      []string{"tel", "\x01"},
		SpecialCategory:   map[string][]string{"hiv": {"hiv", "aids", ""}, "genetics": {"--"}},
		Marketing:         []string{"ok", "..."},
		OptOut:            []string{"\xff"},
		Window:            -1,
	}
	_, err := detect.Compile(cfg)
	require.Error(t, err)
	var ce *detect.ConfigError
	require.ErrorAs(t, err, &ce)
	got := []string{}
	for _, fe := range ce.Errors {
		got = append(got, fe.Error())
	}
	assert.Equal(t, []string{
		"thresholds.contextWindow: must be between 0 and 200, got -1",
		"lexicons.identifierContext[1]: empty term",
		"lexicons.phoneContext[1]: control character in term",
		`lexicons.specialCategory["genetics"][0]: empty term`,
		`lexicons.specialCategory["hiv"][2]: empty term`,
		"lexicons.marketing[1]: term has no letters or digits",
		"lexicons.optOut[0]: term is not valid UTF-8",
	}, got)
	assert.Contains(t, err.Error(), `lexicons.specialCategory["hiv"][2]: empty term`)
}

func TestEmptyConfig(t *testing.T) {
	d, err := detect.Compile(detect.Config{})
	require.NoError(t, err)
	assert.Equal(t, detect.DefaultWindow, d.Window())
	assert.Empty(t, d.SpecialCategories("hiv"))
	assert.Empty(t, d.Marketing("newsletter"))
	// Without context lists numbers are medium, and DOB context falls
	// back to the built-in words.
	got := summarise("NHS 9434765919 DOB 12/03/1984", d.Identifiers("NHS 9434765919 DOB 12/03/1984"))
	assert.Equal(t, []found{
		nhs("9434765919", "5919", detect.Medium),
		{Kind: detect.KindDOB, Text: "12/03/1984", Masked: "**/**/1984", Confidence: detect.High},
	}, got)
}

// TestConcurrentUse runs one Detector from several goroutines; with -race
// it proves the detector keeps no scan state.
func TestConcurrentUse(t *testing.T) {
	d := newDetector(t)
	text := letter(t)
	want := d.Identifiers(text)
	require.NotEmpty(t, want)
	for i := 0; i < 4; i++ {
		t.Run("worker", func(t *testing.T) {
			t.Parallel()
			for j := 0; j < 50; j++ {
				assert.Equal(t, want, d.Identifiers(text))
			}
		})
	}
}
