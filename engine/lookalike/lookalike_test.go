package lookalike

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A GP practice's world: people the sender has emailed, the directory and
// the domains the policy knows.
var (
	testKnown = []string{
		"uhb.person@uhb.nhs.uk", "someone.old@aol.com", "x@yahoo.fr",
		"am.other@nhs.net", "john.smith@nhs.net", "john.smith2@nhs.net",
		"mary.jones@nhs.net", "dave.clarke@nhs.net", "william.brown@nhs.net",
		"olivia.wood@nhs.net", "ian.hill@nhs.net", "al@practice.co.uk",
		"reception@practice.co.uk", "patient.one@gmail.com", "j.bloggs@hotmail.co.uk",
		"lisa.young@leeds.nhs.uk", "ab@practice.co.uk", "tom@practice.co.uk",
	}
	testDomains = []string{
		"nhs.net", ".nhs.uk", "gmail.com", "hotmail.co.uk", "hotmail.com",
		"outlook.com", "yahoo.co.uk", "icloud.com", "btinternet.com",
	}
)

// lookupCases are TestLookup's table, shared with TestLinearMatchesHashed.
var lookupCases = []struct {
	name  string
	typed string
	want  Match // zero: no suggestion at all
}{
	// One edit in the local part.
	{"keyboard-adjacent n/m", "an.other@nhs.net", Match{"am.other@nhs.net", ReasonKeyboardAdjacent, 1}},
	{"transposition jhon/john", "jhon.smith@nhs.net", Match{"john.smith@nhs.net", ReasonTransposition, 1}},
	{"deletion", "mary.jone@nhs.net", Match{"mary.jones@nhs.net", ReasonOneEdit, 1}},
	{"insertion", "mary.joness@nhs.net", Match{"mary.jones@nhs.net", ReasonOneEdit, 1}},
	{"substitution far keys", "mary.jonas@nhs.net", Match{"mary.jones@nhs.net", ReasonOneEdit, 1}},
	{"numbered namesake", "john.smith3@nhs.net", Match{"john.smith2@nhs.net", ReasonKeyboardAdjacent, 1}},
	{"numbered namesake far key", "john.smith8@nhs.net", Match{"john.smith2@nhs.net", ReasonOneEdit, 1}},
	{"case and display name", `"Mary Jones" <Mary.Jonse@NHS.net>`, Match{"mary.jones@nhs.net", ReasonTransposition, 1}},

	// Homoglyphs in the local part.
	{"rn for m", "arn.other@nhs.net", Match{"am.other@nhs.net", ReasonHomoglyph, 2}},
	{"zero for o", "olivia.w0od@nhs.net", Match{"olivia.wood@nhs.net", ReasonHomoglyph, 1}},
	{"one for l", "o1ivia.wood@nhs.net", Match{"olivia.wood@nhs.net", ReasonHomoglyph, 1}},
	{"capital I read as l", "lan.hill@nhs.net", Match{"ian.hill@nhs.net", ReasonHomoglyph, 1}},
	{"vv for w", "vvilliam.brown@nhs.net", Match{"william.brown@nhs.net", ReasonHomoglyph, 2}},
	{"cl for d", "dave.darke@nhs.net", Match{"dave.clarke@nhs.net", ReasonHomoglyph, 2}},
	{"Cyrillic a", "mаry.jones@nhs.net", Match{"mary.jones@nhs.net", ReasonHomoglyph, 1}},
	{"Cyrillic o and e", "mary.jоnеs@nhs.net", Match{"mary.jones@nhs.net", ReasonHomoglyph, 2}},
	{"short local homoglyph", "a1@practice.co.uk", Match{"al@practice.co.uk", ReasonHomoglyph, 1}},
	{"homoglyph plus slip", "rnary.jonse@nhs.net", Match{"mary.jones@nhs.net", ReasonTransposition, 3}},

	// Domain slips: the typed local part at the known domain.
	{"nhs.met", "someone.new@nhs.met", Match{"someone.new@nhs.net", ReasonDomainSlip, 1}},
	{"nhs.ner", "someone.new@nhs.ner", Match{"someone.new@nhs.net", ReasonDomainSlip, 1}},
	{"nhs.nte", "someone.new@nhs.nte", Match{"someone.new@nhs.net", ReasonDomainSlip, 1}},
	{"nhs.nt", "someone.new@nhs.nt", Match{"someone.new@nhs.net", ReasonDomainSlip, 1}},
	{"nhs.ne cut short", "someone.new@nhs.ne", Match{"someone.new@nhs.net", ReasonDomainSlip, 1}},
	{"nhss.net", "someone.new@nhss.net", Match{"someone.new@nhs.net", ReasonDomainSlip, 1}},
	{"mhs.net neighbouring key", "someone.new@mhs.net", Match{"someone.new@nhs.net", ReasonDomainSlip, 1}},
	{"nhs.net.co", "someone.new@nhs.net.co", Match{"someone.new@nhs.net", ReasonDomainSlip, 3}},
	{"known address behind a domain slip", "mary.jones@nhs.met", Match{"mary.jones@nhs.net", ReasonDomainSlip, 1}},
	{"gmial.com", "someone@gmial.com", Match{"someone@gmail.com", ReasonDomainSlip, 1}},
	{"gmail.co", "someone@gmail.co", Match{"someone@gmail.com", ReasonDomainSlip, 1}},
	{"hotmial.co.uk", "someone@hotmial.co.uk", Match{"someone@hotmail.co.uk", ReasonDomainSlip, 1}},
	{"two slips in a long name", "someone@gnail.con", Match{"someone@gmail.com", ReasonDomainSlip, 2}},
	{"homoglyph domain", "someone@nhs.nеt", Match{"someone@nhs.net", ReasonHomoglyph, 1}},
	{"homoglyph domain punycode", "someone@nhs.xn--nt-nlc", Match{"someone@nhs.net", ReasonHomoglyph, 1}},
	{"homoglyph everywhere", "mаry.jones@nhs.nеt", Match{"mary.jones@nhs.net", ReasonHomoglyph, 2}},
	{"subdomain slip", "lisa.young@leads.nhs.uk", Match{"lisa.young@leeds.nhs.uk", ReasonDomainSlip, 1}},
	{"gmail.c cut short", "someone@gmail.c", Match{"someone@gmail.com", ReasonDomainSlip, 2}},
	{"comma for dot", "someone@nhs,net", Match{"someone@nhs.net", ReasonDomainSlip, 1}},
	{"missing dot", "someone@nhsnet", Match{"someone@nhs.net", ReasonDomainSlip, 1}},
	{"two addresses", "a@nhs.net,b@nhs.net", Match{}},
	{"comment in a malformed address", "(dr)someone@gmial,com", Match{}},
	{"mailto with a malformed domain", "mailto:someone@gmial,com", Match{}},
	{"malformed domain", "someone@#gmail.com", Match{"someone@gmail.com", ReasonDomainSlip, 1}},
	{"short name substitution near key", "someone@aok.com", Match{"someone@aol.com", ReasonDomainSlip, 1}},
	{"yahoo.fr and a known yahoo.co.uk", "someone@yahoo.co.ul", Match{"someone@yahoo.co.uk", ReasonDomainSlip, 1}},

	// Must not fire.
	{"exact known", "am.other@nhs.net", Match{}},
	{"exact known other form", "AM.Other@NHS.NET.", Match{}},
	{"short local one edit", "ac@practice.co.uk", Match{}},
	{"short local tom/tim", "tim@practice.co.uk", Match{}},
	{"different person distance 2", "mary.james@nhs.net", Match{}},
	{"different person same domain", "peter.parker@nhs.net", Match{}},
	{"new far domain", "someone@example.org", Match{}},
	{"known domain new person", "someone.else@gmail.com", Match{}},
	{"short label far keys", "someone@nhs.uk", Match{}},
	{"ccTLD swap", "someone@hotmail.co.nz", Match{}},
	{"short TLD far keys", "someone@yahoo.fi", Match{}},
	{"short name far keys", "someone@aon.com", Match{}},
	{"short subdomain far keys", "someone@uhl.nhs.uk", Match{}},
	{"two slips in a short name", "someone@nsh.met", Match{}},
	{"local and domain slip together", "mary.jone@nhs.met", Match{"mary.jone@nhs.net", ReasonDomainSlip, 1}},
	{"subdomain of a known domain", "someone@mail.nhs.net", Match{}},
	{"not an address", "not an address", Match{}},
	{"empty", "", Match{}},
	{"invalid UTF-8", "a\xffb@nhs.net", Match{}},
}

func TestLookup(t *testing.T) {
	// Both forms of index, whichever New would pick for this size.
	for _, linear := range []bool{false, true} {
		ix := newIndex(nil, testKnown, testDomains, linear)
		for _, tt := range lookupCases {
			t.Run(fmt.Sprintf("linear=%v/%s", linear, tt.name), func(t *testing.T) {
				got := ix.Lookup(tt.typed)
				if tt.want == (Match{}) {
					assert.Empty(t, got, "Lookup(%q)", tt.typed)
					return
				}
				require.NotEmpty(t, got, "Lookup(%q)", tt.typed)
				assert.Equal(t, tt.want, got[0], "Lookup(%q) best (-want +got); all: %v", tt.typed, got)
			})
		}
	}
}

func TestContains(t *testing.T) {
	ix := New([]string{"A.Other@NHS.net", "x@bücher.de", "garbage", ""}, nil)
	assert.Equal(t, 2, ix.Len())
	assert.True(t, ix.Contains("a.other@nhs.net"))
	assert.True(t, ix.Contains(`"Dr Other" <a.other@nhs.net>`))
	assert.True(t, ix.Contains("x@xn--bcher-kva.de"))
	assert.False(t, ix.Contains("garbage"))
	assert.False(t, ix.Contains("b.other@nhs.net"))
}

// TestLookupOrder checks that several candidates come best first and in a
// stable order.
func TestLookupOrder(t *testing.T) {
	ix := New([]string{"jane.doe@nhs.net", "jane.dee@nhs.net", "jane.does@nhs.net", "jame.doe@nhs.net"}, []string{"nhs.net"})
	got := ix.Lookup("jane.dwe@nhs.net")
	want := []Match{
		{"jane.dee@nhs.net", ReasonKeyboardAdjacent, 1},
		{"jane.doe@nhs.net", ReasonOneEdit, 1},
	}
	assert.Equal(t, want, got)
	for range 5 {
		assert.Equal(t, got, ix.Lookup("jane.dwe@nhs.net"))
	}
}

func TestEmptyIndex(t *testing.T) {
	ix := New(nil, nil)
	assert.Nil(t, ix.Lookup("a.other@nhs.net"))
	assert.False(t, ix.Contains("a.other@nhs.net"))
}

func TestConcurrentLookups(t *testing.T) {
	ix := New(testKnown, testDomains)
	want := ix.Lookup("an.other@nhs.net")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				assert.Equal(t, want, ix.Lookup("an.other@nhs.net"))
			}
		})
	}
	wg.Wait()
}

func TestNeighbourhoodKeysMatchFullKeys(t *testing.T) {
	for _, s := range []string{"a", "ab", "john", "aabbcc", "an.other", "mаry"} {
		r := []rune(s)
		keys := appendNeighbourhood(nil, r, 7)
		require.Equal(t, fullKey(r, 7), keys[0], s)
		var want []uint64
		want = append(want, fullKey(r, 7))
		for i := range r {
			if i > 0 && r[i] == r[i-1] {
				continue
			}
			del := append(append([]rune{}, r[:i]...), r[i+1:]...)
			want = append(want, fullKey(del, 7))
		}
		assert.Equal(t, want, keys, s)
	}
	assert.Equal(t, uint64(1), hashMul*hashMulInverse)
}

func TestSkeleton(t *testing.T) {
	tests := map[string]string{
		"rn":          "m",
		"vvilliam":    "wllllam",
		"clarke":      "darke",
		"0liver1":     "ollverl",
		"аре":         "ape",
		"ＡＢＣ":         "abc",
		"rnrn":        "mm",
		"an.other":    "an.other",
		"nhs.nеt":     "nhs.net",
		"greek ορα":   "greek opa",
		"armenian օս": "armenlan ou",
	}
	for in, want := range tests {
		assert.Equal(t, want, string(appendSkeleton(nil, in)), in)
	}
}

func TestAdjacentKeys(t *testing.T) {
	for _, pair := range []string{"nm", "mn", "nb", "nh", "nj", "gt", "gy", "gv", "gb", "qa", "qw", "rt", "er", "ol", "po"} {
		assert.True(t, adjacentKeys(rune(pair[0]), rune(pair[1])), pair)
	}
	for _, pair := range []string{"nn", "ng", "qz", "ml", "bl", "aé", "ax"} {
		assert.False(t, adjacentKeys([]rune(pair)[0], []rune(pair)[1]), pair)
	}
}

func TestOneEdit(t *testing.T) {
	tests := []struct {
		a, b string
		kind editKind
		pos  int
	}{
		{"john", "john", editNone, 0},
		{"jhon", "john", editTransposition, 1},
		{"jonh", "john", editTransposition, 2},
		{"joh", "john", editDeletion, 3},
		{"jjohn", "john", editInsertion, 1},
		{"jahn", "john", editSubstitution, 1},
		{"jahm", "john", editMore, 0},
		{"abc", "bca", editMore, 0},
		{"", "a", editDeletion, 0},
	}
	for _, tt := range tests {
		kind, pos := oneEdit([]rune(tt.a), []rune(tt.b))
		assert.Equal(t, tt.kind, kind, "%s/%s", tt.a, tt.b)
		if kind != editMore {
			assert.Equal(t, tt.pos, pos, "%s/%s", tt.a, tt.b)
		}
		if kind != editMore {
			assert.LessOrEqual(t, osa([]rune(tt.a), []rune(tt.b)), 1)
		}
	}
	assert.Equal(t, 3, osa([]rune("kitten"), []rune("sitting")))
	assert.Equal(t, 1, osa([]rune("ca"), []rune("ac")))
}

func TestDuplicates(t *testing.T) {
	ix := New([]string{"mary.jones@nhs.net", "Mary.Jones@NHS.net", "<mary.jones@nhs.net>", "john.smith@nhs.net"}, nil)
	assert.Equal(t, 2, ix.Len())
	assert.True(t, ix.Contains("mary.jones@nhs.net"))
	assert.Equal(t, []Match{{"mary.jones@nhs.net", ReasonTransposition, 1}}, ix.Lookup("mary.jnoes@nhs.net"))
}
