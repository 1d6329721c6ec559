// Package lookalike finds the address a sender probably meant when a draft
// recipient is one slip away from an address they know: one edit, a
// transposition, a neighbouring key, a homoglyph or a slip in the domain.
// The engine's lookalike-recipient rule asks it about every recipient the
// sender has never used, so it must answer in microseconds against tens of
// thousands of known addresses: it is an index, not a pairwise comparison.
// Only for a few hundred addresses, where building the index would cost
// more than it saves, does it compare pairwise, with the same checks.
//
// It is part of the engine: it depends only on the standard library and
// engine/address, and keeps no global mutable state.
package lookalike

import (
	"cmp"
	"hash/maphash"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/sendguard/sendguard/engine/address"
)

// Reasons a Match gives.
const (
	// ReasonHomoglyph: the two look the same (rn/m, 0/o, l/1/I, vv/w, cl/d,
	// Cyrillic or Greek letters for Latin ones).
	ReasonHomoglyph = "homoglyph"
	// ReasonTransposition: two neighbouring characters swapped (jhon/john).
	ReasonTransposition = "transposition"
	// ReasonKeyboardAdjacent: one character replaced by a neighbouring key
	// on a QWERTY keyboard (an.other/am.other).
	ReasonKeyboardAdjacent = "keyboard-adjacent"
	// ReasonOneEdit: one character inserted, deleted or replaced.
	ReasonOneEdit = "one-edit"
	// ReasonDomainSlip: the domain is a slip of a known domain (nhs.met,
	// nhs.net.co, gmial.com); the candidate keeps the typed local part.
	ReasonDomainSlip = "domain-slip"
)

// MinLocalRunes is the shortest known local part an edit-based match may
// point to. One edit in "al" or "tom" makes another plausible mailbox
// ("ab", "tim"), not a slip, so below four characters only homoglyphs —
// strings that look identical — count.
const MinLocalRunes = 4

// MinShortLabelRunes: in a domain label shorter than this ("nhs", "net",
// "fr"), a substitution counts only when the two keys are neighbours
// (nhs.met, mhs.net), because any other letter makes another real name
// (uhb/uhl, aol/aon, yahoo.fr/yahoo.fi). Insertions, deletions and
// transpositions always count.
const MinShortLabelRunes = 4

// minTwoSlipName is the shortest domain name (the labels before the
// public suffix) for which one slip in the name plus one in the suffix
// still points to it (gnail.con → gmail.com), as mailcheck and its
// successors do. Shorter names are too easily another domain.
const minTwoSlipName = 5

// maxMatches bounds Lookup's answer: a user picks from a short list.
const maxMatches = 5

// Match is one "did you mean" suggestion.
type Match struct {
	// Candidate is the full address the user probably meant.
	Candidate string
	// Reason names the slip: one of the Reason constants.
	Reason string
	// Distance is the edit distance (optimal string alignment) between the
	// typed and the candidate address, local part plus Unicode domain.
	Distance int
}

// Index answers, for one draft recipient, which known address it is
// probably a slip of. Build it once per sender with New; it is immutable
// and safe for concurrent use.
type Index struct {
	seed    maphash.Seed
	exact   table    // hash of a canonical address → ids with that hash, ascending
	addrs   []string // id → canonical address
	addrDom []int32  // id → domain id, or -1 for a duplicate of an earlier id
	live    int      // distinct addresses
	locals  table    // local-part skeleton neighbourhoods, salted by domain id

	domainID  map[string]int32   // canonical ASCII domain → id; an Extend shares its base's
	domains   []domainInfo       // id → domain
	domFull   table              // whole-domain skeleton neighbourhoods
	domName   table              // name-part skeleton neighbourhoods
	truncated map[string][]int32 // a domain cut short inside its last label ("gmail.c") → ids

	// linear marks a small index that keeps no hash tables: Lookup
	// compares the typed address with every known address and domain
	// using the same bounded checks the tables' candidates get. A request
	// that carries its own few-dozen-address history builds an index per
	// check, and there building the tables costs more than every lookup
	// it would save.
	linear    bool
	localSkel []rune  // linear only: the local parts' skeletons, end to end
	localEnd  []int32 // linear only: id → end of its skeleton in localSkel

	// shared are the domains, with their forms, an Extend took from its
	// base: ids below len(shared); domains holds the ids after them. An
	// Extend also shares the base's domainID and adds nothing to it: its
	// own domains are few and found by a scan. Sharing instead of copying
	// matters: a policy has dozens of domains and a request a few.
	shared []domainInfo
}

// domain returns domain id's forms.
func (ix *Index) domain(id int32) *domainInfo {
	if int(id) < len(ix.shared) {
		return &ix.shared[id]
	}
	return &ix.domains[int(id)-len(ix.shared)]
}

// numDomains is how many domains the index knows.
func (ix *Index) numDomains() int { return len(ix.shared) + len(ix.domains) }

// Up to these many addresses and domains, New builds a linear index. A
// linear Lookup costs a few oneEdit comparisons per address and domain, so
// past a few hundred the tables win.
const (
	linearMaxAddrs   = 256
	linearMaxDomains = 256
)

// domainInfo is one known domain in the forms the comparisons need.
type domainInfo struct {
	ascii      string // canonical ASCII (xn--) form
	raw        []rune // Unicode form, as people read it
	skel       []rune // skeleton of raw
	name, suf  []rune // skeletons of the name (labels before the public suffix) and the suffix
	rawSuf     []rune // Unicode suffix
	suffixSize int    // labels in the suffix: 1 (com) or 2 (co.uk)
}

// Table salts: local-part keys are salted with domain id + saltLocalBase.
const (
	saltDomFull   = 1
	saltDomName   = 2
	saltLocalBase = 16
)

// New builds an index over the sender's known addresses (history and
// directory) and known domains (the policy's secure and personal domains,
// the caller's known domains). Addresses should already be normalised
// (address.Normalize); others are normalised here and unusable ones are
// skipped, as are duplicates. Already-normalised addresses take the
// normaliser's allocation-free path; 50,000 of them build in about 25 ms of
// CPU (BenchmarkNew50k), so a server builds once per sender and keeps it.
func New(addresses []string, domains []string) *Index {
	return newIndex(nil, addresses, domains, len(addresses) <= linearMaxAddrs && len(domains) <= linearMaxDomains)
}

// Extend returns an index over base's addresses and domains plus the
// given ones: what New(base's plus these) would answer, built without
// redoing base's domains. An engine keeps an index of its policy's domains
// and extends it with each request's history, whose few addresses would
// otherwise cost less than re-deriving dozens of policy domains.
func (base *Index) Extend(addresses []string, domains []string) *Index {
	if base == nil {
		return New(addresses, domains)
	}
	if base.live > 0 {
		all := make([]string, 0, base.live+len(addresses))
		for id, a := range base.addrs {
			if base.addrDom[id] >= 0 {
				all = append(all, a)
			}
		}
		addresses = append(all, addresses...)
	}
	linear := len(addresses) <= linearMaxAddrs && base.numDomains()+len(domains) <= linearMaxDomains
	return newIndex(base, addresses, domains, linear)
}

// newIndex builds a linear or a hashed index, on base's domains when base
// is set; all answer every Lookup identically (TestLinearMatchesHashed).
// Domain ids differ between them, but no answer depends on an id: ties
// are broken by address and domain name.
func newIndex(base *Index, addresses []string, domains []string, linear bool) *Index {
	ix := &Index{
		addrs:   make([]string, 0, len(addresses)),
		addrDom: make([]int32, 0, len(addresses)),
		linear:  linear,
	}
	if base != nil && base.numDomains() > 0 {
		ix.domainID, ix.shared = base.domainID, base.domains
		if len(base.shared) > 0 {
			// An extension of an extension: rare, so one copy is fine.
			ix.shared = slices.Concat(base.shared, base.domains)
		}
	} else {
		ix.domainID = make(map[string]int32, len(domains)+min(len(addresses), 16))
	}
	for _, d := range domains {
		if ascii, ok := address.ToASCII(strings.TrimPrefix(strings.TrimSpace(d), ".")); ok {
			ix.addDomain(ascii)
		}
	}
	total := 0
	for _, raw := range addresses {
		a, ok := address.Normalize(raw)
		if !ok {
			continue
		}
		_, domain := address.Split(a)
		ix.addrs = append(ix.addrs, a)
		ix.addrDom = append(ix.addrDom, ix.addDomain(domain))
		total += len(a) - len(domain)
	}
	if linear {
		ix.buildLinear(total)
		return ix
	}
	ix.seed = maphash.MakeSeed()
	ix.truncated = make(map[string][]int32)
	exactKeys := make([]uint64, 0, len(ix.addrs))
	for _, a := range ix.addrs {
		exactKeys = append(exactKeys, maphash.String(ix.seed, a))
	}
	// A flat table instead of a map[string]: one allocation, and the
	// duplicate check below is one bucket scan per address.
	offsets := make([]int32, len(exactKeys)+1)
	for i := range offsets {
		offsets[i] = int32(i)
	}
	ix.exact = buildTable(exactKeys, offsets)
	for id, k := range exactKeys {
		if first := ix.find(ix.addrs[id], k); first != int32(id) {
			ix.addrDom[id] = -1
		}
	}
	ix.live = len(ix.addrs)
	for _, d := range ix.addrDom {
		if d < 0 {
			ix.live--
		}
	}
	ix.buildLocals(total)
	ix.buildDomains()
	return ix
}

// buildLinear marks duplicates and keeps each local part's skeleton and
// each domain's forms, without the hash tables.
func (ix *Index) buildLinear(localBytes int) {
	// Callers usually pass a sorted list, where duplicates are neighbours;
	// otherwise the set is small enough to compare pairwise.
	sorted := slices.IsSorted(ix.addrs)
	for id, a := range ix.addrs {
		if sorted {
			if id > 0 && ix.addrs[id-1] == a {
				ix.addrDom[id] = -1
			}
		} else if slices.Index(ix.addrs[:id], a) >= 0 {
			ix.addrDom[id] = -1
		}
	}
	ix.live = len(ix.addrs)
	for _, d := range ix.addrDom {
		if d < 0 {
			ix.live--
		}
	}
	ix.localSkel = make([]rune, 0, localBytes)
	ix.localEnd = make([]int32, len(ix.addrs))
	for id, a := range ix.addrs {
		ix.localSkel = appendSkeleton(ix.localSkel, a[:strings.LastIndexByte(a, '@')])
		ix.localEnd[id] = int32(len(ix.localSkel))
	}
	ix.domainForms()
}

// localSkeleton is a linear index's skeleton of address id's local part.
func (ix *Index) localSkeleton(id int) []rune {
	start := int32(0)
	if id > 0 {
		start = ix.localEnd[id-1]
	}
	return ix.localSkel[start:ix.localEnd[id]]
}

// find returns the first id of a canonical address with hash k, or -1.
func (ix *Index) find(a string, k uint64) int32 {
	found := int32(-1)
	ix.exact.find(k, func(id int32) {
		if found < 0 && ix.addrs[id] == a {
			found = id
		}
	})
	return found
}

// knownAddress reports whether a canonical address is in the index.
func (ix *Index) knownAddress(a string) bool {
	if ix.linear {
		return slices.Contains(ix.addrs, a)
	}
	return len(ix.addrs) > 0 && ix.find(a, maphash.String(ix.seed, a)) >= 0
}

// addDomain returns a domain's id, adding it if new.
func (ix *Index) addDomain(ascii string) int32 {
	if id, ok := ix.domainOf(ascii); ok {
		return id
	}
	id := int32(ix.numDomains())
	if len(ix.shared) == 0 {
		ix.domainID[ascii] = id
	}
	ix.domains = append(ix.domains, domainInfo{ascii: ascii})
	return id
}

// domainOf returns a known domain's id.
func (ix *Index) domainOf(ascii string) (int32, bool) {
	if id, ok := ix.domainID[ascii]; ok {
		return id, true
	}
	// domainID holds exactly the ids below its length: the domains of the
	// index that built it.
	for id := len(ix.domainID); id < ix.numDomains(); id++ {
		if ix.domain(int32(id)).ascii == ascii {
			return int32(id), true
		}
	}
	return 0, false
}

// buildLocals indexes every local part's skeleton neighbourhood under its
// domain.
func (ix *Index) buildLocals(localBytes int) {
	keys := make([]uint64, 0, localBytes+len(ix.addrs))
	offsets := make([]int32, 0, len(ix.addrs)+1)
	var buf [maxIndexed]rune
	for id, a := range ix.addrs {
		offsets = append(offsets, int32(len(keys)))
		if ix.addrDom[id] < 0 {
			continue
		}
		local := a[:strings.LastIndexByte(a, '@')]
		keys = appendNeighbourhood(keys, appendSkeleton(buf[:0], local), uint64(ix.addrDom[id])+saltLocalBase)
	}
	ix.locals = buildTable(keys, append(offsets, int32(len(keys))))
}

// buildDomains fills each domain's forms and the three domain indexes.
func (ix *Index) buildDomains() {
	ix.domainForms()
	var fullKeys, nameKeys []uint64
	var fullOffsets, nameOffsets []int32
	for i := range ix.numDomains() {
		d := ix.domain(int32(i))
		fullOffsets = append(fullOffsets, int32(len(fullKeys)))
		fullKeys = appendNeighbourhood(fullKeys, d.skel, saltDomFull)
		nameOffsets = append(nameOffsets, int32(len(nameKeys)))
		if d.name != nil {
			nameKeys = appendNeighbourhood(nameKeys, d.name, saltDomName)
		}
		// A domain cut short inside its last label is a slip of it.
		if dot := strings.LastIndexByte(d.ascii, '.'); dot > 0 {
			for j := dot + 2; j < len(d.ascii); j++ {
				ix.truncated[d.ascii[:j]] = append(ix.truncated[d.ascii[:j]], int32(i))
			}
		}
	}
	ix.domFull = buildTable(fullKeys, append(fullOffsets, int32(len(fullKeys))))
	ix.domName = buildTable(nameKeys, append(nameOffsets, int32(len(nameKeys))))
}

// domainForms fills each domain's Unicode form and skeletons. They are
// carved from one rune slice, with capped capacities so that none can grow
// into the next: five allocations per domain were most of what a small
// per-request index cost.
func (ix *Index) domainForms() {
	n := 0
	for i := range ix.domains {
		n += 3 * len(ix.domains[i].ascii) // ToUnicode never adds runes
	}
	arena := make([]rune, 0, 2*n)
	carve := func(start int) []rune {
		return arena[start:len(arena):len(arena)]
	}
	for i := range ix.domains {
		d := &ix.domains[i]
		u := address.ToUnicode(d.ascii)
		start := len(arena)
		arena = appendRunes(arena, u)
		d.raw = carve(start)
		start = len(arena)
		arena = appendSkeleton(arena, u)
		d.skel = carve(start)
		name, suf, size := splitSuffix(u)
		d.suffixSize = size
		if name != "" {
			start = len(arena)
			arena = appendSkeleton(arena, name)
			d.name = carve(start)
			start = len(arena)
			arena = appendSkeleton(arena, suf)
			d.suf = carve(start)
			start = len(arena)
			arena = appendRunes(arena, suf)
			d.rawSuf = carve(start)
		}
	}
}

// splitSuffix splits a domain into the name its owner chose and the public
// suffix it sits under, using address.RegistrableGuess: "hotmail.co.uk" is
// "hotmail" under "co.uk" (2 labels), "nhs.net" is "nhs" under "net".
func splitSuffix(domain string) (name, suffix string, labels int) {
	reg := address.RegistrableGuess(domain)
	_, suffix, ok := strings.Cut(reg, ".")
	if !ok {
		return "", "", 0
	}
	return domain[:len(domain)-len(suffix)-1], suffix, strings.Count(suffix, ".") + 1
}

// Contains reports whether addr (in any form Normalize accepts) is a known
// address.
func (ix *Index) Contains(addr string) bool {
	a, ok := address.Normalize(addr)
	if !ok {
		return false
	}
	return ix.knownAddress(a)
}

// Len is the number of distinct known addresses.
func (ix *Index) Len() int { return ix.live }

// Lookup returns what the user probably meant by addr: known addresses one
// slip away at the same domain, and for a domain nobody in the index uses,
// the known domains it is a slip of (with the typed local part, or a known
// address there that looks the same). Best first: addresses that look
// identical, then known addresses, then the closest, then by reason and
// address, so the order is deterministic. Nil when addr is known itself,
// is not an address, or nothing is close.
func (ix *Index) Lookup(addr string) []Match {
	a, ok := lookupForm(addr)
	if !ok {
		return nil
	}
	if ix.knownAddress(a) {
		return nil
	}
	local, domain := address.Split(a)
	var c collector
	var rawBuf, skelBuf [maxIndexed]rune
	typed := typedLocal{raw: appendRunes(rawBuf[:0], local), skel: appendSkeleton(skelBuf[:0], local)}
	if len(typed.raw) > maxIndexed/2 {
		return nil
	}
	if did, ok := ix.domainOf(domain); ok {
		ix.localSlips(&c, typed, did, nil)
		return c.result()
	}
	for _, dc := range ix.domainSlips(domain) {
		cand := local + "@" + ix.domain(dc.id).ascii
		if ix.knownAddress(cand) {
			c.add(candidate{Match: Match{cand, dc.reason, dc.dist}, class: classOf(dc.reason), known: true})
			continue
		}
		ix.localSlips(&c, typed, dc.id, &dc)
		c.add(candidate{Match: Match{cand, dc.reason, dc.dist}, class: classOf(dc.reason)})
	}
	return c.result()
}

// lookupForm canonicalises a typed address for Lookup. Unlike Normalize it
// keeps going with addresses whose domain is malformed ("x@#gmail.com",
// "x@gmail"): those are exactly the slips worth a suggestion.
func lookupForm(addr string) (string, bool) {
	if a, ok := address.Normalize(addr); ok {
		return a, true
	}
	if len(addr) > 1024 || !utf8.ValidString(addr) {
		return "", false
	}
	s := strings.ToLower(strings.TrimSpace(addr))
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return "", false
	}
	local, domain := s[:at], strings.Trim(s[at+1:], ".")
	// Anything that may separate two addresses means this is not one
	// address; a comma inside the domain ("nhs,net") is a slip for a dot.
	if domain == "" || strings.ContainsAny(domain, " \t\r\n<>()\";@") {
		return "", false
	}
	// Only the domain may be malformed: the local part becomes part of the
	// suggested address, so it must be a valid one.
	probe := local + "@example.org"
	if n, ok := address.Normalize(probe); !ok || n != probe {
		return "", false
	}
	return local + "@" + domain, true
}

func appendRunes(dst []rune, s string) []rune {
	for _, r := range s {
		dst = append(dst, r)
	}
	return dst
}

// typedLocal is the draft recipient's local part, raw and as a skeleton.
type typedLocal struct{ raw, skel []rune }

// localSlips adds the known addresses at domain did whose local part is
// one slip from the typed one. With via set, the typed domain was itself a
// slip of did, and only local parts that look identical are taken: two
// slips in one address are too weak a signal.
func (ix *Index) localSlips(c *collector, typed typedLocal, did int32, via *domainCandidate) {
	if ix.linear {
		// The tables hold no empty or overlong skeleton and a typed one
		// longer than maxIndexed probes nothing; every other pair they
		// could pair up is one whose skeletons are at most one edit apart.
		if len(typed.skel) == 0 || len(typed.skel) > maxIndexed {
			return
		}
		for id, d := range ix.addrDom {
			if d != did {
				continue
			}
			skel := ix.localSkeleton(id)
			if len(skel) == 0 || len(skel) > maxIndexed {
				continue
			}
			if e, _ := oneEdit(typed.skel, skel); e == editMore {
				continue
			}
			ix.localCandidate(c, typed, int32(id), via)
		}
		return
	}
	salt := uint64(did) + saltLocalBase
	var keyBuf [maxIndexed + 1]uint64
	var probes []uint64
	if via != nil {
		probes = append(keyBuf[:0], fullKey(typed.skel, salt))
	} else {
		probes = appendNeighbourhood(keyBuf[:0], typed.skel, salt)
	}
	var seen [16]int32
	nSeen := 0
	for _, k := range probes {
		ix.locals.find(k, func(id int32) {
			if ix.addrDom[id] != did || slices.Contains(seen[:nSeen], id) {
				return
			}
			if nSeen < len(seen) {
				seen[nSeen] = id
				nSeen++
			}
			ix.localCandidate(c, typed, id, via)
		})
	}
}

// localCandidate adds known address id if its local part is a slip of the
// typed one that localSlips takes.
func (ix *Index) localCandidate(c *collector, typed typedLocal, id int32, via *domainCandidate) {
	known, _ := address.Split(ix.addrs[id])
	m, ok := classifyLocal(typed, known)
	if !ok || (via != nil && m.Reason != ReasonHomoglyph) {
		return
	}
	cand := candidate{Match: Match{ix.addrs[id], m.Reason, m.Distance}, class: classOf(m.Reason), known: true}
	if via != nil {
		cand.Distance += via.dist
		if via.reason != ReasonHomoglyph {
			cand.Reason, cand.class = ReasonDomainSlip, classOf(ReasonDomainSlip)
		}
	}
	c.add(cand)
}

// classifyLocal decides whether a known local part is a slip of the typed
// one, and which.
func classifyLocal(typed typedLocal, known string) (Match, bool) {
	var rawBuf, skelBuf [shortRunes]rune
	kraw := appendRunes(rawBuf[:0], known)
	kskel := appendSkeleton(skelBuf[:0], known)
	skelEdit, _ := oneEdit(typed.skel, kskel)
	switch skelEdit {
	case editMore:
		return Match{}, false
	case editNone:
		return Match{Reason: ReasonHomoglyph, Distance: osa(typed.raw, kraw)}, true
	}
	if len(kraw) < MinLocalRunes {
		return Match{}, false
	}
	reason, dist := classifyEdit(typed.raw, kraw, skelEdit)
	return Match{Reason: reason, Distance: dist}, true
}

// classifyEdit names the single slip between two strings whose skeletons
// are one edit apart (skelEdit).
func classifyEdit(typed, known []rune, skelEdit editKind) (string, int) {
	kind, pos := oneEdit(typed, known)
	switch kind {
	case editSubstitution:
		if adjacentKeys(typed[pos], known[pos]) {
			return ReasonKeyboardAdjacent, 1
		}
		return ReasonOneEdit, 1
	case editTransposition:
		return ReasonTransposition, 1
	case editInsertion, editDeletion:
		return ReasonOneEdit, 1
	}
	// A homoglyph and a slip together: name the slip, count both.
	if skelEdit == editTransposition {
		return ReasonTransposition, osa(typed, known)
	}
	return ReasonOneEdit, osa(typed, known)
}

// domainCandidate is a known domain the typed domain is a slip of.
type domainCandidate struct {
	id     int32
	reason string // ReasonHomoglyph or ReasonDomainSlip
	dist   int
}

// domainSlips returns the known domains the typed (unknown) domain is a
// slip of, best first.
func (ix *Index) domainSlips(typed string) []domainCandidate {
	if ix.numDomains() == 0 || len(typed) > maxIndexed {
		return nil
	}
	u := address.ToUnicode(typed)
	var rawBuf, skelBuf [maxIndexed]rune
	raw := appendRunes(rawBuf[:0], u)
	skel := appendSkeleton(skelBuf[:0], u)
	if len(raw) > maxIndexed/2 {
		return nil
	}
	var out []domainCandidate
	add := func(id int32, reason string) {
		dist := osa(raw, ix.domain(id).raw)
		for i := range out {
			if out[i].id == id {
				if reason == ReasonHomoglyph {
					out[i].reason = reason
				}
				return
			}
		}
		out = append(out, domainCandidate{id: id, reason: reason, dist: dist})
	}

	// The whole domain one slip (or only homoglyphs) away: nhs.met, nhs.nte,
	// nhss.net, gmial.com, nhs.nеt with a Cyrillic е.
	full := func(id int32) {
		d := ix.domain(id)
		switch skelEdit, pos := oneEdit(skel, d.skel); skelEdit {
		case editNone:
			add(id, ReasonHomoglyph)
		case editMore:
		case editSubstitution:
			if shortLabelSubstitution(d.skel, pos, skel[pos]) {
				return
			}
			add(id, ReasonDomainSlip)
		default:
			add(id, ReasonDomainSlip)
		}
	}
	var keyBuf [maxIndexed + 1]uint64
	if ix.linear {
		// As in localSlips: only skeletons the tables would hold, and
		// full rejects every pair more than one edit apart.
		if len(skel) > 0 {
			for id := range int32(ix.numDomains()) {
				if n := len(ix.domain(id).skel); n > 0 && n <= maxIndexed {
					full(id)
				}
			}
		}
	} else {
		for _, k := range appendNeighbourhood(keyBuf[:0], skel, saltDomFull) {
			ix.domFull.find(k, full)
		}
	}

	// A label added after a known domain: nhs.net.co, gmail.com.au.
	if dot := strings.LastIndexByte(typed, '.'); dot > 0 {
		if id, ok := ix.domainOf(typed[:dot]); ok {
			add(id, ReasonDomainSlip)
		}
	}
	// A known domain cut short inside its last label: gmail.c, nhs.ne.
	if ix.linear {
		for id := range int32(ix.numDomains()) {
			if truncationOf(typed, ix.domain(id).ascii) {
				add(id, ReasonDomainSlip)
			}
		}
	} else {
		for _, id := range ix.truncated[typed] {
			add(id, ReasonDomainSlip)
		}
	}

	// One slip in the name and one in the suffix: gnail.con, yahooo.cmo.
	for size := 1; size <= 2; size++ {
		tname, tsuf, ok := cutLabels(skel, size)
		if !ok {
			continue
		}
		twoSlips := func(id int32) {
			d := ix.domain(id)
			if d.suffixSize != size || len(d.name) < minTwoSlipName {
				return
			}
			if e, _ := oneEdit(tname, d.name); e == editMore {
				return
			}
			e, pos := oneEdit(tsuf, d.suf)
			if e == editMore || (e == editSubstitution && shortLabelSubstitution(d.suf, pos, tsuf[pos])) {
				return
			}
			add(id, ReasonDomainSlip)
		}
		if ix.linear {
			if len(tname) > maxIndexed {
				continue
			}
			for id := range int32(ix.numDomains()) {
				if len(ix.domain(id).name) <= maxIndexed {
					twoSlips(id)
				}
			}
			continue
		}
		for _, k := range appendNeighbourhood(keyBuf[:0], tname, saltDomName) {
			ix.domName.find(k, twoSlips)
		}
	}
	slices.SortFunc(out, func(a, b domainCandidate) int {
		return cmp.Or(
			cmp.Compare(classOf(a.reason), classOf(b.reason)),
			cmp.Compare(a.dist, b.dist),
			strings.Compare(ix.domain(a.id).ascii, ix.domain(b.id).ascii))
	})
	if len(out) > maxMatches {
		out = out[:maxMatches]
	}
	return out
}

// truncationOf reports whether typed is known cut short inside its last
// label, at least one rune into it: the keys New puts in truncated.
func truncationOf(typed, known string) bool {
	dot := strings.LastIndexByte(known, '.')
	return dot > 0 && len(typed) >= dot+2 && len(typed) < len(known) && known[:len(typed)] == typed
}

// shortLabelSubstitution reports whether replacing known[pos] by typed
// falls in a label shorter than MinShortLabelRunes with keys that are not
// neighbours: too weak to call a slip.
func shortLabelSubstitution(known []rune, pos int, typed rune) bool {
	start, end := pos, pos
	for start > 0 && known[start-1] != '.' {
		start--
	}
	for end < len(known) && known[end] != '.' {
		end++
	}
	return end-start < MinShortLabelRunes && !adjacentKeys(typed, known[pos])
}

// cutLabels splits a domain skeleton before its last n labels.
func cutLabels(s []rune, n int) (name, suffix []rune, ok bool) {
	for i := len(s) - 1; i > 0; i-- {
		if s[i] == '.' {
			n--
			if n == 0 {
				return s[:i], s[i+1:], len(s[:i]) > 0 && i+1 < len(s)
			}
		}
	}
	return nil, nil, false
}

// Ranking classes: a look-alike of the whole address first, then other
// slips.
func classOf(reason string) int {
	if reason == ReasonHomoglyph {
		return 0
	}
	return 1
}

// candidate is a Match with what ranks it.
type candidate struct {
	Match
	class int
	known bool // the candidate is a known address, not a typed local part at a corrected domain
}

// collector gathers candidates, keeping the best per address.
type collector struct{ cands []candidate }

func (c *collector) add(n candidate) {
	for i := range c.cands {
		if c.cands[i].Candidate == n.Candidate {
			if better(n, c.cands[i]) {
				c.cands[i] = n
			}
			return
		}
	}
	c.cands = append(c.cands, n)
}

func better(a, b candidate) bool { return compareCandidates(a, b) < 0 }

func compareCandidates(a, b candidate) int {
	known := func(c candidate) int {
		if c.known {
			return 0
		}
		return 1
	}
	return cmp.Or(
		cmp.Compare(a.class, b.class),
		cmp.Compare(known(a), known(b)),
		cmp.Compare(a.Distance, b.Distance),
		cmp.Compare(reasonRank(a.Reason), reasonRank(b.Reason)),
		strings.Compare(a.Candidate, b.Candidate))
}

func reasonRank(r string) int {
	switch r {
	case ReasonHomoglyph:
		return 0
	case ReasonTransposition:
		return 1
	case ReasonKeyboardAdjacent:
		return 2
	case ReasonOneEdit:
		return 3
	}
	return 4
}

func (c *collector) result() []Match {
	if len(c.cands) == 0 {
		return nil
	}
	slices.SortFunc(c.cands, compareCandidates)
	n := min(len(c.cands), maxMatches)
	out := make([]Match, n)
	for i := range out {
		out[i] = c.cands[i].Match
	}
	return out
}
