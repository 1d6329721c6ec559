package lookalike

import (
	"bufio"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLinearMatchesHashed holds the small-set shortcut to its promise: a
// linear index answers every Lookup, Contains and Len exactly as the
// hashed one built from the same addresses and domains, on the table
// cases, the typo vectors, and every one- and two-slip variant of random
// addresses (fixed seed, so a failure reproduces).
func TestLinearMatchesHashed(t *testing.T) {
	same := func(t *testing.T, addrs, domains, queries []string) {
		t.Helper()
		lin, hashed := newIndex(nil, addrs, domains, true), newIndex(nil, addrs, domains, false)
		require.Equal(t, hashed.Len(), lin.Len())
		for _, q := range queries {
			require.Equal(t, hashed.Lookup(q), lin.Lookup(q), "Lookup(%q)", q)
			require.Equal(t, hashed.Contains(q), lin.Contains(q), "Contains(%q)", q)
		}
	}

	t.Run("table cases", func(t *testing.T) {
		var queries []string
		for _, tt := range lookupCases {
			queries = append(queries, tt.typed)
		}
		for _, a := range testKnown {
			queries = append(queries, slips(a)...)
		}
		for _, d := range testDomains {
			queries = append(queries, slips("someone.new@"+strings.TrimPrefix(d, "."))...)
		}
		same(t, testKnown, testDomains, queries)
		// Unsorted with duplicates, and without the policy's domains.
		shuffled := append(append([]string{}, testKnown...), "Mary.Jones@NHS.net", "<am.other@nhs.net>")
		rand.New(rand.NewPCG(7, 7)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		same(t, shuffled, nil, queries)
	})

	t.Run("extend", func(t *testing.T) {
		// The engine's shape: a policy-domain index extended per request
		// (and an extension extended again) against New over the union.
		ctxDomains := []string{"leeds.nhs.uk", "nhs.net", "gnail.com", "practice.co.uk"}
		var queries []string
		for _, tt := range lookupCases {
			queries = append(queries, tt.typed)
		}
		for _, a := range append(testKnown, "someone@gnail.com", "x@practice.co.uk") {
			queries = append(queries, slips(a)...)
		}
		want := newIndex(nil, append(testKnown, "x@bücher.de"), append(append(append([]string{}, testDomains...), ctxDomains...), "example.org"), false)
		for _, linear := range []bool{false, true} {
			base := newIndex(nil, nil, testDomains, linear)
			for _, got := range []*Index{
				base.Extend(append(testKnown, "x@bücher.de"), append(ctxDomains, "example.org")),
				base.Extend(testKnown, ctxDomains).Extend([]string{"x@bücher.de"}, []string{"example.org"}),
			} {
				require.Equal(t, want.Len(), got.Len())
				for _, q := range queries {
					require.Equal(t, want.Lookup(q), got.Lookup(q), "Lookup(%q)", q)
					require.Equal(t, want.Contains(q), got.Contains(q), "Contains(%q)", q)
				}
			}
		}
		// Past the linear threshold, an extension is hashed.
		many := benchAddresses(2 * linearMaxAddrs)
		require.False(t, New(nil, benchDomains).Extend(many, nil).linear)
		require.True(t, New(nil, benchDomains).Extend(many[:10], nil).linear)
	})

	t.Run("typo vectors", func(t *testing.T) {
		f, err := os.Open(typoVectors)
		require.NoError(t, err)
		defer f.Close()
		bySource := map[string][]string{}
		scanner := bufio.NewScanner(f)
		scanner.Scan() // header
		for scanner.Scan() {
			fields := strings.Split(scanner.Text(), "\t")
			require.Len(t, fields, 3)
			typed, source := fields[0], fields[2]
			bySource[source] = append(bySource[source], typed, "test@"+typed)
		}
		require.NoError(t, scanner.Err())
		require.NotEmpty(t, bySource)
		for source, queries := range bySource {
			domains, _ := domainListFor(t, source)
			same(t, nil, domains, queries)
			same(t, testKnown, domains, queries)
		}
	})

	t.Run("random", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(11, 2026))
		addrs := benchAddresses(linearMaxAddrs)
		var queries []string
		for range 300 {
			a := addrs[rng.IntN(len(addrs))]
			v := slips(a)
			q := v[rng.IntN(len(v))]
			queries = append(queries, q)
			w := slips(q)
			queries = append(queries, w[rng.IntN(len(w))])
		}
		same(t, addrs, benchDomains, queries)
		same(t, addrs[:40], benchDomains, queries)
	})
}

// slips returns every address one deletion, transposition, insertion or
// substitution (from letters, digits, dots, homoglyphs and look-alike
// pairs) away from a.
func slips(a string) []string {
	const alphabet = "abcdeilmnorstuvw01.,-"
	extra := []string{"rn", "vv", "cl", "а", "е", "о", "ɡ"}
	r := []rune(a)
	var out []string
	for i := range r {
		out = append(out, string(slices.Delete(slices.Clone(r), i, i+1)))
		if i+1 < len(r) {
			s := slices.Clone(r)
			s[i], s[i+1] = s[i+1], s[i]
			out = append(out, string(s))
		}
		for _, c := range alphabet {
			s := slices.Clone(r)
			s[i] = c
			out = append(out, string(s), string(slices.Insert(slices.Clone(r), i, c)))
		}
		for _, e := range extra {
			out = append(out, string(r[:i])+e+string(r[i+1:]))
		}
	}
	return append(out, a, strings.ToUpper(a))
}
