package lookalike

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// typoVectors is the third-party typo corpus: what mailcheck,
// email-misspelled and @zootools/email-spell-checker suggest for mistyped
// addresses, given the domain lists below (see typo_vectors_context.md).
const typoVectors = "../../../shared/corpora/vectors/typo_vectors.tsv"

// The peers' domain lists, copied as data.
var (
	// mailcheck/mailcheck@cbc33a6 spec/mailcheckSpec.js: domains,
	// secondLevelDomains, topLevelDomains (D, S and T in the context file).
	mailcheckSpecDomains = []string{"google.com", "gmail.com", "emaildomain.com", "comcast.net", "facebook.com", "msn.com"}
	mailcheckSpecSLDs    = []string{"yahoo", "hotmail", "mail", "live", "outlook", "gmx"}
	mailcheckSpecTLDs    = []string{"co.uk", "com", "org", "info", "fr"}

	// mailcheck/mailcheck@cbc33a6 src/mailcheck.js: defaultDomains,
	// defaultSecondLevelDomains, defaultTopLevelDomains.
	mailcheckDefaultDomains = []string{
		"msn.com", "bellsouth.net", "telus.net", "comcast.net", "optusnet.com.au",
		"earthlink.net", "qq.com", "sky.com", "icloud.com", "mac.com", "sympatico.ca",
		"googlemail.com", "att.net", "xtra.co.nz", "web.de", "cox.net", "gmail.com",
		"ymail.com", "aim.com", "rogers.com", "verizon.net", "rocketmail.com",
		"google.com", "optonline.net", "sbcglobal.net", "aol.com", "me.com",
		"btinternet.com", "charter.net", "shaw.ca",
	}
	mailcheckDefaultSLDs = []string{"yahoo", "hotmail", "mail", "live", "outlook", "gmx"}
	mailcheckDefaultTLDs = []string{
		"com", "com.au", "com.tw", "ca", "co.nz", "co.uk", "de", "fr", "it", "ru", "net",
		"org", "edu", "gov", "jp", "nl", "kr", "se", "eu", "ie", "co.il", "us", "at", "be",
		"dk", "hk", "es", "gr", "ch", "no", "cz", "in", "net", "net.au", "info", "biz",
		"mil", "co.jp", "sg", "hu", "uk",
	}

	// ZooTools/email-spell-checker@420dc73 test/index.spec.ts: domains (Z).
	zooSpecDomains = append(append([]string{}, mailcheckSpecDomains...), "zoho.com")

	// ZooTools/email-spell-checker@420dc73 src/lib/config/index.ts:
	// POPULAR_DOMAINS, the default secondLevelDomains and POPULAR_TLDS.
	zooDefaultDomains = []string{
		"msn.com", "bellsouth.net", "telus.net", "comcast.net", "optusnet.com.au",
		"earthlink.net", "qq.com", "sky.com", "icloud.com", "sympatico.ca",
		"googlemail.com", "att.net", "xtra.co.nz", "web.de", "cox.net", "gmail.com",
		"ymail.com", "aim.com", "rogers.com", "verizon.net", "rocketmail.com",
		"optonline.net", "sbcglobal.net", "aol.com", "aim.com", "me.com", "mailw.com",
		"btinternet.com", "charter.net", "shaw.ca", "hey.com", "proton.me", "pm.com",
		"protonmail.com", "zoho.com", "yandex.com", "titan.email",
	}
	zooDefaultSLDs = []string{"yahoo", "hotmail", "mail", "live", "outlook"}
	zooDefaultTLDs = []string{
		"com", "com.au", "com.tw", "co", "ca", "co.nz", "co.uk", "de", "fr", "it", "ru",
		"org", "edu", "gov", "jp", "nl", "kr", "se", "eu", "ie", "co.il", "us", "at", "be",
		"dk", "hk", "es", "gr", "ch", "no", "cz", "net", "net.au", "info", "biz", "mil",
		"co.jp", "sg", "hu", "uk", "sk", "ar", "cf", "cl", "cn", "ga", "gq", "ir", "ml",
		"mx", "nu", "nz", "ph", "pl", "ro", "tk", "tw", "ua", "vg", "ws", "xn", "za",
		"app", "au", "ai", "biz", "br", "blog", "cloud", "club", "cc", "de", "dev",
		"digital", "fi", "finance", "id", "in", "io", "me", "mobi", "network", "pw", "so",
		"xyz", "software", "to", "tech",
	}

	// julien-amblard/email-misspelled@b59fee2
	// packages/email-misspelled/src/domains/top100.ts: top100.
	emailMisspelledTop100 = []string{
		"gmail.com", "yahoo.com", "hotmail.com", "aol.com", "hotmail.co.uk", "hotmail.fr",
		"msn.com", "yahoo.fr", "wanadoo.fr", "orange.fr", "comcast.net", "yahoo.co.uk",
		"yahoo.com.br", "yahoo.co.in", "live.com", "rediffmail.com", "free.fr", "gmx.de",
		"web.de", "yandex.ru", "ymail.com", "libero.it", "outlook.com", "uol.com.br",
		"bol.com.br", "mail.ru", "cox.net", "hotmail.it", "sbcglobal.net", "sfr.fr",
		"live.fr", "verizon.net", "live.co.uk", "googlemail.com", "yahoo.es", "ig.com.br",
		"live.nl", "bigpond.com", "terra.com.br", "yahoo.it", "neuf.fr", "yahoo.de",
		"alice.it", "rocketmail.com", "att.net", "laposte.net", "facebook.com",
		"bellsouth.net", "yahoo.in", "hotmail.es", "charter.net", "yahoo.ca",
		"yahoo.com.au", "rambler.ru", "hotmail.de", "tiscali.it", "shaw.ca",
		"yahoo.co.jp", "sky.com", "earthlink.net", "optonline.net", "freenet.de",
		"t-online.de", "aliceadsl.fr", "virgilio.it", "home.nl", "qq.com", "telenet.be",
		"me.com", "yahoo.com.ar", "tiscali.co.uk", "yahoo.com.mx", "voila.fr", "gmx.net",
		"mail.com", "planet.nl", "tin.it", "live.it", "ntlworld.com", "arcor.de",
		"yahoo.co.id", "frontiernet.net", "hetnet.nl", "live.com.au", "yahoo.com.sg",
		"zonnet.nl", "club-internet.fr", "juno.com", "optusnet.com.au", "blueyonder.co.uk",
		"bluewin.ch", "skynet.be", "sympatico.ca", "windstream.net", "mac.com",
		"centurytel.net", "chello.nl", "live.ca", "aim.com", "bigpond.net.au",
	}
)

// withSLDs is a peer's domain list plus every second-level × top-level
// pair: mailcheck-style checkers accept any such pair as a known domain, so
// that is the list of known domains they imply.
func withSLDs(domains, slds, tlds []string) []string {
	out := append([]string{}, domains...)
	for _, s := range slds {
		for _, t := range tlds {
			out = append(out, s+"."+t)
		}
	}
	return out
}

// domainListFor maps a row's source call to the known domains it assumes.
func domainListFor(t *testing.T, source string) (domains []string, domainOnly bool) {
	_, call, _ := strings.Cut(source, " ")
	peer, _, _ := strings.Cut(source, "@")
	switch {
	case call == "run(default lists)" && peer == "mailcheck/mailcheck":
		return withSLDs(mailcheckDefaultDomains, mailcheckDefaultSLDs, mailcheckDefaultTLDs), false
	case call == "run(default lists)" && peer == "ZooTools/email-spell-checker":
		return withSLDs(zooDefaultDomains, zooDefaultSLDs, zooDefaultTLDs), false
	case call == "suggest(domains=D)":
		return mailcheckSpecDomains, false
	case call == "suggest(domains=D,sld=S,tld=T)":
		return withSLDs(mailcheckSpecDomains, mailcheckSpecSLDs, mailcheckSpecTLDs), false
	case call == "findClosestDomain(D)":
		return mailcheckSpecDomains, true
	case call == "findClosestDomain(Z,threshold=2)":
		return zooSpecDomains, true
	case call == "run(domains=Z)":
		// run() fills in the default second- and top-level lists.
		return withSLDs(zooSpecDomains, zooDefaultSLDs, zooDefaultTLDs), false
	case strings.HasPrefix(call, "emailChecker({domains:top100"):
		return emailMisspelledTop100, false
	}
	t.Fatalf("typo vector source %q names no known domain list", source)
	return nil, false
}

// typoExceptions are rows where a peer's answer rests on a tuning or a
// habit that is wrong for clinical email, keyed by typed value and call.
// Each says what we do instead and why. The test fails if an exception
// stops being needed.
var typoExceptions = map[[2]string]string{
	{"test@randomsmallcompany.cmo", "suggest(domains=D,sld=S,tld=T)"}:                    "mailcheck rewrites the top-level domain of a domain nobody knows; we only point at domains the sender's world uses",
	{"test@con-artists.con", "suggest(domains=D,sld=S,tld=T)"}:                           "the same TLD-only rewrite of an unknown domain",
	{"test@comcast.nry", "suggest(domains=D)"}:                                           "two of the three letters of the TLD differ: another word, not a slip",
	{"test@gmiol.com", "emailChecker({domains:top100})"}:                                 "two substitutions in a five-letter name make another name; the peer itself declines with maxMisspelled:1",
	{"test@gmial.com", "emailChecker({domains:top100,lengthDiffMax:1,maxMisspelled:1})"}: "the peer counts a transposition as two misspellings; for us gmial/gmail is one slip, the commonest there is",
	{"test@gmail.c", "emailChecker({domains:top100,lengthDiffMax:1,maxMisspelled:1})"}:   "a tuning option: the same peer suggests gmail.com by default, as we do for a top-level domain cut short",
	{"test@outlook.", "emailChecker({domains:top100,lengthDiffMax:3,maxMisspelled:3})"}:  "a tuning option: a domain with no top-level part at all is not a slip of one known domain (the peer's default declines test@gmail. too)",
}

func TestTypoVectors(t *testing.T) {
	f, err := os.Open(typoVectors)
	require.NoError(t, err, "the typo vectors live in ../shared/corpora next to the repository")
	defer f.Close()

	indexes := map[string]*Index{}
	rows, passed, excepted := 0, 0, 0
	scanner := bufio.NewScanner(f)
	scanner.Scan() // header
	for scanner.Scan() {
		fields := strings.Split(scanner.Text(), "\t")
		require.Len(t, fields, 3, "row %q", scanner.Text())
		typed, expected, source := fields[0], fields[1], fields[2]
		_, call, _ := strings.Cut(source, " ")
		rows++

		domains, domainOnly := domainListFor(t, source)
		ix := indexes[source]
		if ix == nil {
			ix = New(nil, domains)
			indexes[source] = ix
		}
		query, want := typed, expected
		if domainOnly {
			// findClosestDomain answers for a domain; "identity" means known.
			query = "test@" + typed
			want = "test@" + expected
			if expected == typed {
				want = ""
			}
		}
		var got string
		if m := ix.Lookup(query); len(m) > 0 {
			got = m[0].Candidate
		}
		if reason, ok := typoExceptions[[2]string{typed, call}]; ok {
			excepted++
			assert.NotEqual(t, want, got, "exception no longer needed for %q (%s): %s", typed, call, reason)
			continue
		}
		if assert.Equal(t, want, got, "Lookup(%q) with %s's domains", query, call) {
			passed++
		}
	}
	require.NoError(t, scanner.Err())
	assert.Equal(t, len(typoExceptions), excepted, "every exception matches a row")
	t.Logf("typo vectors: %d rows, %d pass, %d documented exceptions", rows, passed, excepted)
}
