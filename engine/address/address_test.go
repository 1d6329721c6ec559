package address

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want string // empty: not an address
	}{
		{"plain", "a.other@nhs.net", "a.other@nhs.net"},
		{"mixed case", "A.Other@NHS.Net", "a.other@nhs.net"},
		{"padded", "  a.other@nhs.net \t\n", "a.other@nhs.net"},
		{"display name quoted", `"Dr A Other" <A.Other@NHS.net>`, "a.other@nhs.net"},
		{"display name with comma", `"Other, A (Dr)" <a.other@nhs.net>`, "a.other@nhs.net"},
		{"display name bare", `Dr A Other <a.other@nhs.net>`, "a.other@nhs.net"},
		{"display name is an address", `"someone@else.com" <a.other@nhs.net>`, "a.other@nhs.net"},
		{"comment after", "A.Other@nhs.net (Dr Other)", "a.other@nhs.net"},
		{"comment before", "(Dr Other) a.other@nhs.net", "a.other@nhs.net"},
		{"nested comment", "a.other@nhs.net (Dr (A) Other)", "a.other@nhs.net"},
		{"angle brackets", "<a.other@nhs.net>", "a.other@nhs.net"},
		{"mailto", "mailto:a.other@nhs.net", "a.other@nhs.net"},
		{"MAILTO with query", "MAILTO:A.Other@nhs.net?subject=Results&cc=x@y.com", "a.other@nhs.net"},
		{"mailto in angles", "<mailto:a.other@nhs.net>", "a.other@nhs.net"},
		{"exchange proxy", "SMTP:a.other@nhs.net", "a.other@nhs.net"},
		{"double quoted whole", `"a.other@nhs.net"`, "a.other@nhs.net"},
		{"single quoted whole", `'a.other@nhs.net'`, "a.other@nhs.net"},
		{"quoted and padded", `  ' <a.other@nhs.net> ' `, "a.other@nhs.net"},
		{"trailing dot", "a.other@nhs.net.", "a.other@nhs.net"},
		{"trailing dots", "a.other@nhs.net..", "a.other@nhs.net"},
		{"plus tag", "Jo+Clinic@Gmail.com", "jo+clinic@gmail.com"},
		{"apostrophe", "Pat.O'Brien@nhs.net", "pat.o'brien@nhs.net"},
		{"subdomain", "x@Leeds.NHS.uk", "x@leeds.nhs.uk"},
		{"IDN domain", "info@Bücher.de", "info@xn--bcher-kva.de"},
		{"IDN upper case", "info@BÜCHER.DE", "info@xn--bcher-kva.de"},
		{"punycode kept", "info@xn--bcher-kva.de", "info@xn--bcher-kva.de"},
		{"punycode upper case", "info@XN--BCHER-KVA.DE", "info@xn--bcher-kva.de"},
		{"IDN TLD", "x@пример.рф", "x@xn--e1afmkfd.xn--p1ai"},
		{"ideographic dot", "x@例え。jp", "x@xn--r8jz45g.jp"},
		{"fullwidth domain", "x@ｎｈｓ．ｎｅｔ", "x@nhs.net"},
		{"Cyrillic lookalike domain", "x@nhs.nеt", "x@nhs.xn--nt-nlc"},
		{"Unicode local part", "Jürgen@example.de", "jürgen@example.de"},
		{"trailing semicolon", "a.other@nhs.net;", "a.other@nhs.net"},
		{"display name and trailing comma", `"Other, A" <a.other@nhs.net>, `, "a.other@nhs.net"},
		{"Outlook display name with org", "Other, A (LEEDS TEACHING HOSPITALS NHS TRUST) <a.other@nhs.net>", "a.other@nhs.net"},
		{"encoded-word display name", "=?UTF-8?B?Wm/DqyBTbWl0aA==?= <zoe.smith@nhs.net>", "zoe.smith@nhs.net"},
		{"Unicode display name", `"Zoë Smith" <Zoe.Smith@nhs.net>`, "zoe.smith@nhs.net"},
		{"hyphenated domain", "a@st-marys.nhs.uk", "a@st-marys.nhs.uk"},

		{"no at", "a.other.nhs.net", ""},
		{"empty", "", ""},
		{"only spaces", "   ", ""},
		{"empty local", "@nhs.net", ""},
		{"empty domain", "a.other@", ""},
		{"space in local", "a other@nhs.net", ""},
		{"space in domain", "a@nhs .net", ""},
		{"no dot in domain", "a@localhost", ""},
		{"IP literal", "a@[10.0.0.1]", ""},
		{"IP as domain", "a@10.0.0.1", ""},
		{"empty label", "a@nhs..net", ""},
		{"leading dot domain", "a@.nhs.net", ""},
		{"leading hyphen label", "a@-nhs.net", ""},
		{"underscore in domain", "a@nhs_net.com", ""},
		{"two ats", "a@b@nhs.net", ""},
		{"unclosed angle", `"A" <a@nhs.net`, ""},
		{"unclosed quote", `"A <a@nhs.net>`, ""},
		{"unclosed comment", `a@nhs.net (x`, ""},
		{"invalid UTF-8", "a\xff@nhs.net", ""},
		{"invalid UTF-8 domain", "a@nhs\xfe.net", ""},
		{"zero-width space", "a\u200b@nhs.net", ""},
		{"zero-width in domain", "a@nhs\u200b.net", ""},
		{"bidi override", "a\u202e@nhs.net", ""},
		{"control char", "a\x01@nhs.net", ""},
		{"symbol in IDN", "a@☺.com", ""},
		{"bad punycode", "a@xn--99999999999.com", ""},
		{"punycode of ASCII", "a@xn--abc-.com", ""},
		{"label too long", "a@" + strings.Repeat("x", 64) + ".com", ""},
		{"local too long", strings.Repeat("x", 65) + "@nhs.net", ""},
		{"huge", strings.Repeat("a", 10000) + "@nhs.net", ""},
		{"comma list", "a@nhs.net, b@nhs.net", ""},
		{"semicolon list", "a@nhs.net; b@nhs.net;", ""},
		{"two separators", "a@nhs.net;;", ""},
		{"spaces around at", "a.other @ nhs.net", ""},
		{"Exchange X500", "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=abc-a.other", ""},
		{"Notes address", "A Other/NHS@NHS", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Normalize(tt.raw)
			assert.Equal(t, tt.want, got, "Normalize(%q)", tt.raw)
			assert.Equal(t, tt.want != "", ok, "Normalize(%q) ok", tt.raw)
			if ok {
				again, ok := Normalize(got)
				assert.True(t, ok)
				assert.Equal(t, got, again, "Normalize is not idempotent")
			}
		})
	}
}

// TestPlainCanonicalAgrees pins the allocation-free fast path to the full
// normaliser it stands in for.
func TestPlainCanonicalAgrees(t *testing.T) {
	for _, s := range []string{
		"a@b.com", "a.b@c.d.e", "a@b", "a@b.", "a@.b.com", "a@b..com", "a@-b.com", "a@b-.com",
		"a@b.c-", "a@1.2.3.4", "a@b.123", "a@xn--bcher-kva.de", "a@xn--abc.de", "@b.com", "a@",
		"o'brien@nhs.net", "a+tag@gmail.com", "a_b@c.com", "a@b@c.com", ".a@b.com", "A@b.com",
		"'a@b.com", "a-@b.com", "a@b.c0m", "a@b.0",
		strings.Repeat("a", 64) + "@b.com", strings.Repeat("a", 65) + "@b.com",
		"a@" + strings.Repeat("b", 63) + ".com", "a@" + strings.Repeat("b", 64) + ".com",
		"a@" + strings.Repeat("b.", 125) + "com", "a@" + strings.Repeat("b.", 130) + "com",
	} {
		checkPlainCanonical(t, s)
	}
}

func checkPlainCanonical(t *testing.T, s string) {
	t.Helper()
	canonical, decided := plainCanonical(s)
	if !decided {
		return
	}
	want, ok := normalizeFull(s)
	if ok != canonical || (ok && want != s) {
		t.Fatalf("plainCanonical(%q) = %v, but the full normaliser says %q, %v", s, canonical, want, ok)
	}
}

func TestToASCIIAndToUnicode(t *testing.T) {
	tests := []struct {
		name    string
		unicode string
		ascii   string
	}{
		// RFC 3492 section 7.1 samples and well-known IDNs.
		{"German", "bücher.de", "xn--bcher-kva.de"},
		{"Munich", "münchen.de", "xn--mnchen-3ya.de"},
		{"Arabic (Egyptian)", "ليهمابتكلموشعربي؟.com", ""}, // "؟" is punctuation: not a host name
		{"Chinese (simplified)", "他们为什么不说中文.com", "xn--ihqwcrb4cv8a8dqg056pqjye.com"},
		{"Russian", "почемужеонинеговорятпорусски.ru", "xn--b1abfaaepdrnnbgefbadotcwatmq2g4l.ru"},
		{"Japanese", "3年b組金八先生.jp", "xn--3b-ww4c5e180e575a65lsy2b.jp"},
		{"Japanese hyphens", "安室奈美恵-with-super-monkeys.jp", "xn---with-super-monkeys-pc58ag80a8qai00g7n9n.jp"},
		{"Cyrillic TLD", "пример.рф", "xn--e1afmkfd.xn--p1ai"},
		{"ASCII", "nhs.net", "nhs.net"},
		{"sharp s kept", "straße.de", "xn--strae-oqa.de"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ToASCII(tt.unicode)
			assert.Equal(t, tt.ascii, got)
			assert.Equal(t, tt.ascii != "", ok)
			if ok {
				assert.Equal(t, tt.unicode, ToUnicode(got))
				again, ok := ToASCII(got)
				assert.True(t, ok)
				assert.Equal(t, got, again)
			}
		})
	}
	assert.Equal(t, "nhs.net", ToUnicode("NHS.net."))
	assert.Equal(t, "xn--zz.net", ToUnicode("xn--zz.net"), "invalid Punycode is kept")
	assert.Equal(t, "a.\ufffd", ToUnicode("a.\xff"), "never fails")
}

func TestPunycodeRFC3492Samples(t *testing.T) {
	// RFC 3492 section 7.1, (A) to (S), as code points and encodings.
	tests := map[string]string{
		"ليهمابتكلموشعربي؟":            "egbpdaj6bu4bxfgehfvwxn",
		"他们为什么不说中文":                    "ihqwcrb4cv8a8dqg056pqjye",
		"他們爲什麽不說中文":                    "ihqwctvzc91f659drss3x8bo0yb",
		"Pročprostěnemluvíčesky":       "Proprostnemluvesky-uyb24dma41a",
		"למההםפשוטלאמדבריםעברית":       "4dbcagdahymbxekheh6e0a7fei0b",
		"почемужеонинеговорятпорусски": "b1abfaaepdrnnbgefbadotcwatmq2g4l",
		"MajiでKoiする5秒前":                "MajiKoi5-783gue6qz075azm5e",
		"-> $1.00 <-":                  "-> $1.00 <--",
	}
	for in, want := range tests {
		got, ok := punyEncode([]rune(in))
		require.True(t, ok, in)
		assert.Equal(t, want, got, in)
		back, ok := punyDecode(want)
		require.True(t, ok, want)
		assert.Equal(t, in, string(back), want)
	}
	for _, bad := range []string{"-abc", "a-b-!", "99999999999999", "zzzzzzzzzzzzzz"} {
		_, ok := punyDecode(bad)
		assert.False(t, ok, bad)
	}
}

func TestSplit(t *testing.T) {
	tests := []struct{ addr, local, domain string }{
		{"a.other@nhs.net", "a.other", "nhs.net"},
		{"a@b@c.com", "a@b", "c.com"},
		{"nodomain", "nodomain", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		local, domain := Split(tt.addr)
		assert.Equal(t, tt.local, local, tt.addr)
		assert.Equal(t, tt.domain, domain, tt.addr)
	}
}

func TestInDomains(t *testing.T) {
	list := []string{"nhs.net", ".nhs.uk", "Bücher.DE", "Example.org."}
	tests := []struct {
		domain string
		want   bool
	}{
		{"nhs.net", true},
		{"x.nhs.net", true},
		{"a.b.nhs.net", true},
		{"NHS.NET", true},
		{"nhs.net.", true},
		{"leeds.nhs.uk", true},
		{"nhs.uk", true},
		{"xn--bcher-kva.de", true},
		{"shop.xn--bcher-kva.de", true},
		{"example.org", true},
		{"notnhs.net", false},
		{"nhs.net.evil.com", false},
		{"nhs.met", false},
		{"net", false},
		{"", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, InDomains(tt.domain, list), tt.domain)
	}
	assert.False(t, InDomains("nhs.net", nil))
	assert.False(t, InDomains("nhs.net", []string{"", "."}))
}

func TestRegistrableGuess(t *testing.T) {
	tests := map[string]string{
		"nhs.net":                  "nhs.net",
		"x.nhs.net":                "nhs.net",
		"leedsth.nhs.uk":           "leedsth.nhs.uk",
		"mail.leedsth.nhs.uk":      "leedsth.nhs.uk",
		"practice.co.uk":           "practice.co.uk",
		"mail.example.com":         "example.com",
		"example.de":               "example.de",
		"a.b.example.de":           "example.de",
		"net":                      "net",
		"bigpond.net.au":           "bigpond.net.au",
		"Mail.Example.COM.":        "example.com",
		"xn--bcher-kva.de":         "xn--bcher-kva.de",
		"shop.xn--bcher-kva.co.uk": "xn--bcher-kva.co.uk",
	}
	for in, want := range tests {
		assert.Equal(t, want, RegistrableGuess(in), in)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		`"Dr A Other" <A.Other@NHS.net>`, "A.Other@nhs.net (Dr Other)", "mailto:a@b.com?x=y",
		"a@bücher.de", "a@xn--bcher-kva.de", "a@nhs.net.", "x@ｎｈｓ．ｎｅｔ", "a\xff@b.com",
		`"a" <b`, "((((", "a@xn--", "SMTP:a@b.co", "'\"<a@b.c>\"'",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		checkPlainCanonical(t, raw)
		got, ok := Normalize(raw)
		if !ok {
			if got != "" {
				t.Fatalf("Normalize(%q) = %q, false", raw, got)
			}
			return
		}
		if !utf8.ValidString(got) || strings.ContainsAny(got, " \t\r\n<>()\"") || got != strings.ToLower(got) {
			t.Fatalf("Normalize(%q) = %q: not canonical", raw, got)
		}
		again, ok := Normalize(got)
		if !ok || again != got {
			t.Fatalf("Normalize(%q) = %q, but Normalize(%q) = %q, %v", raw, got, got, again, ok)
		}
		_, domain := Split(got)
		if a, ok := ToASCII(ToUnicode(domain)); !ok || a != domain {
			t.Fatalf("domain %q does not round-trip through ToUnicode: %q, %v", domain, a, ok)
		}
	})
}

func FuzzPunycode(f *testing.F) {
	for _, s := range []string{"bücher", "他们为什么不说中文", "abc", "", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		enc, ok := punyEncode([]rune(s))
		if !ok {
			return
		}
		dec, ok := punyDecode(enc)
		if !ok || string(dec) != s {
			t.Fatalf("punycode round trip of %q: %q → %q, %v", s, enc, string(dec), ok)
		}
		_, _ = punyDecode(s) // must not panic on anything
	})
}
