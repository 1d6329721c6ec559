package lookalike

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sendguard/sendguard/engine/address"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/internal/cputime"
)

var (
	benchFirst = []string{
		"james", "mary", "john", "patricia", "robert", "jennifer", "michael", "linda",
		"william", "elizabeth", "david", "barbara", "richard", "susan", "joseph", "jessica",
		"thomas", "sarah", "charles", "karen", "oliver", "amelia", "harry", "isla", "jack",
		"ava", "george", "emily", "noah", "sophia", "mohammed", "grace", "leo", "freya",
		"arthur", "lily", "muhammad", "ivy", "oscar", "florence", "priya", "aisha", "wei",
		"siobhan", "niamh", "rhys", "cerys", "callum", "eilidh", "tomasz",
	}
	benchLast = []string{
		"smith", "jones", "taylor", "brown", "williams", "wilson", "johnson", "davies",
		"patel", "robinson", "wright", "thompson", "evans", "walker", "white", "roberts",
		"green", "hall", "thomas", "clarke", "jackson", "wood", "harris", "edwards",
		"turner", "martin", "cooper", "hill", "ward", "hughes", "moore", "clark", "king",
		"harrison", "lewis", "baker", "lee", "allen", "morris", "khan", "scott", "watson",
		"davis", "parker", "james", "bennett", "young", "price", "mitchell", "kelly",
		"nguyen", "kowalski", "obrien", "macdonald", "singh", "ahmed", "ali", "begum",
	}
	benchPersonal = []string{"gmail.com", "hotmail.co.uk", "outlook.com", "yahoo.co.uk", "icloud.com", "btinternet.com", "live.co.uk", "aol.com"}
)

// benchAddresses returns n distinct addresses shaped like a large trust's
// directory plus a sender's history: first.last (with NHSmail's numbered
// namesakes) at nhs.net, a few hundred organisation domains, and patients
// at consumer webmail. The seed is fixed so every run measures the same set.
func benchAddresses(n int) []string {
	rng := rand.New(rand.NewPCG(2, 2026))
	orgs := make([]string, 300)
	for i := range orgs {
		orgs[i] = fmt.Sprintf("%s%d.nhs.uk", benchLast[rng.IntN(len(benchLast))], i)
	}
	seen := make(map[string]bool, n)
	out := make([]string, 0, n)
	for len(out) < n {
		first, last := benchFirst[rng.IntN(len(benchFirst))], benchLast[rng.IntN(len(benchLast))]
		var local, domain string
		switch r := rng.IntN(10); {
		case r < 5:
			local, domain = first+"."+last, "nhs.net"
		case r < 7:
			local, domain = first+"."+last, orgs[rng.IntN(len(orgs))]
		case r < 9:
			local, domain = fmt.Sprintf("%s%s%d", first, last, rng.IntN(100)), benchPersonal[rng.IntN(len(benchPersonal))]
		default:
			local, domain = first[:1]+last, benchPersonal[rng.IntN(len(benchPersonal))]
		}
		a := local + "@" + domain
		for i := 1; seen[a]; i++ {
			a = fmt.Sprintf("%s%d@%s", local, i, domain)
		}
		seen[a] = true
		out = append(out, a)
	}
	return out
}

var benchDomains = []string{"nhs.net", "nhs.uk", "gmail.com", "hotmail.co.uk", "hotmail.com", "outlook.com", "yahoo.co.uk", "icloud.com", "btinternet.com", "live.co.uk", "aol.com"}

func BenchmarkNew50k(b *testing.B) {
	addrs := benchAddresses(50_000)
	b.ReportAllocs()
	cpu := int64(cputime.Process())
	for b.Loop() {
		New(addrs, benchDomains)
	}
	b.ReportMetric(float64(int64(cputime.Process())-cpu)/float64(b.N), "cpu-ns/op")
}

// BenchmarkSmall is the per-request shape: an engine's index of its
// policy's domains extended with a request's short history, then a few
// recipients looked up, for the linear and the hashed index.
func BenchmarkSmall(b *testing.B) {
	history := benchAddresses(30)
	typed := []string{"someone.unknown@nhs.net", "jmaes.smith@nhs.net", "mary.jones@nhs.met", "someone@gmial.com", "someone@example.org"}
	for _, linear := range []bool{true, false} {
		b.Run(fmt.Sprintf("linear=%v", linear), func(b *testing.B) {
			base := newIndex(nil, nil, benchDomains, linear)
			b.ReportAllocs()
			cpu := int64(cputime.Process())
			for b.Loop() {
				ix := newIndex(base, history, nil, linear)
				for _, t := range typed {
					ix.Lookup(t)
				}
			}
			b.ReportMetric(float64(int64(cputime.Process())-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

func BenchmarkLookup50k(b *testing.B) {
	ix := New(benchAddresses(50_000), benchDomains)
	require.Equal(b, 50_000, ix.Len())
	cases := []struct {
		name, typed string
		hit         bool
	}{
		{"miss", "someone.unknown@nhs.net", false},
		{"near-hit", "jmaes.smith@nhs.net", true},
		{"homoglyph", "mаry.jones@nhs.net", true},
		{"domain-slip", "mary.jones@nhs.met", true},
		{"new-domain-miss", "someone@example.org", false},
		{"display-name-miss", `"Someone Unknown" <Someone.Unknown@NHS.net>`, false},
	}
	for _, c := range cases {
		require.Equal(b, c.hit, len(ix.Lookup(c.typed)) > 0, c.typed)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := int64(cputime.Process())
			for b.Loop() {
				ix.Lookup(c.typed)
			}
			b.ReportMetric(float64(int64(cputime.Process())-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

func FuzzLookup(f *testing.F) {
	ix := New(append(benchAddresses(2_000), testKnown...), testDomains)
	// The small-set forms must agree with the hashed one on any input.
	small := append(benchAddresses(100), testKnown...)
	hashed, linear := newIndex(nil, small, testDomains, false), newIndex(nil, small, testDomains, true)
	extended := New(nil, testDomains).Extend(small, nil)
	for _, s := range []string{
		"an.other@nhs.net", "jhon.smith@nhs.net", "someone@nhs.met", "x@nhs.net.co", "mаry@nhs.nеt",
		"x@gmail.c", "x@#gmail.com", "x@", "@", "", "a\xff@b", "x@xn--nt-nlc.nhs", "rnrnrn@nhs.net",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typed string) {
		got := ix.Lookup(typed)
		if len(got) > maxMatches {
			t.Fatalf("Lookup(%q) returned %d matches", typed, len(got))
		}
		if again := ix.Lookup(typed); len(again) != len(got) || (len(got) > 0 && again[0] != got[0]) {
			t.Fatalf("Lookup(%q) is not deterministic: %v then %v", typed, got, again)
		}
		for i, m := range got {
			if c, ok := address.Normalize(m.Candidate); !ok || c != m.Candidate {
				t.Fatalf("Lookup(%q)[%d] = %+v: candidate is not a canonical address", typed, i, m)
			}
			if !ix.Contains(m.Candidate) && m.Reason != ReasonDomainSlip && m.Reason != ReasonHomoglyph {
				t.Fatalf("Lookup(%q)[%d] = %+v: an edit match must be a known address", typed, i, m)
			}
			if m.Distance < 1 {
				t.Fatalf("Lookup(%q)[%d] = %+v: distance below 1", typed, i, m)
			}
		}
		_ = ix.Contains(typed)
		want := hashed.Lookup(typed)
		if l, e := linear.Lookup(typed), extended.Lookup(typed); !slices.Equal(l, want) || !slices.Equal(e, want) {
			t.Fatalf("Lookup(%q): hashed %v, linear %v, extended %v", typed, want, l, e)
		}
	})
}
