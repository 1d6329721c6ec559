package lookalike

// The index is a deletion neighbourhood (SymSpell, distance 1): every
// string is stored under its own hash and the hash of each string made by
// deleting one rune from it. Two strings at most one edit apart always
// share a key, so a lookup probes len+1 keys instead of comparing against
// everything. Candidates are confirmed with oneEdit, so a hash collision
// costs a comparison, never a wrong answer.
//
// The table is a flat, compressed-row hash table built in two counting
// passes: no per-entry allocation, which keeps building 50,000 addresses
// (about a million entries) in a few milliseconds.

// maxIndexed bounds the strings the table handles; nothing longer is an
// address (RFC 5321 limits a local part to 64 octets and a domain to 253).
const maxIndexed = 256

const hashMul = 0x100000001b3 // FNV-1a 64-bit prime: odd, so multiplication is a bijection

// mix is the splitmix64 finaliser: it spreads polynomial hashes over all
// 64 bits so the low bits can pick the bucket.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// key combines a string's polynomial hash with its length and a salt (the
// domain id for local parts, a namespace for domain tables).
func key(h uint64, n int, salt uint64) uint64 {
	return mix(h + uint64(n)*0x9e3779b97f4a7c15 + salt*0xd6e8feb86659fd93)
}

// appendNeighbourhood appends the key of s and of every distinct one-rune
// deletion of s. With the polynomial hash H(s) = Σ s[k]·P^(n-1-k),
// deleting rune i gives prefix(i)·P^(n-1-i) + suffix(i+1), so all n
// deletions cost O(n) rather than O(n²).
func appendNeighbourhood(dst []uint64, s []rune, salt uint64) []uint64 {
	n := len(s)
	if n == 0 || n > maxIndexed {
		return dst
	}
	var suffix [maxIndexed + 1]uint64 // suffix[j] = Σ_{k≥j} s[k]·P^(n-1-k)
	var pow uint64 = 1
	for j := n - 1; j >= 0; j-- {
		suffix[j] = suffix[j+1] + uint64(s[j])*pow
		pow *= hashMul
	}
	dst = append(dst, key(suffix[0], n, salt))
	var prefix uint64
	powRest := pow * hashMulInverse // P^(n-1)
	for i := 0; i < n; i++ {
		if i == 0 || s[i] != s[i-1] { // deleting any rune of a run gives the same string
			dst = append(dst, key(prefix*powRest+suffix[i+1], n-1, salt))
		}
		prefix = prefix*hashMul + uint64(s[i])
		powRest *= hashMulInverse
	}
	return dst
}

// hashMulInverse is the inverse of hashMul modulo 2^64 (Newton's iteration).
var hashMulInverse = func() uint64 {
	x := uint64(hashMul)
	for range 6 {
		x *= 2 - hashMul*x
	}
	return x
}()

// fullKey is the key of s itself, without its deletions.
func fullKey(s []rune, salt uint64) uint64 {
	var h uint64
	for _, r := range s {
		h = h*hashMul + uint64(r)
	}
	return key(h, len(s), salt)
}

// table maps keys to int32 values (address or domain ids). The low bits of
// a key pick its bucket and the high 32 bits are kept as a fingerprint, so
// an entry costs 8 bytes; the rare fingerprint collision is weeded out by
// the caller's confirmation like any other false candidate.
type table struct {
	mask  uint64
	start []uint32 // bucket b holds entries start[b]..start[b+1]
	fp    []uint32
	vals  []int32
}

// entriesPerBucket trades a slightly longer scan (contiguous, cheap) for a
// bucket array that stays in cache while the table is built.
const entriesPerBucket = 4

// buildTable groups keys by bucket with a counting sort. Value v owns
// keys[offsets[v]:offsets[v+1]].
func buildTable(keys []uint64, offsets []int32) table {
	buckets := 1
	for buckets*entriesPerBucket < len(keys) {
		buckets <<= 1
	}
	t := table{
		mask:  uint64(buckets - 1),
		start: make([]uint32, buckets+1),
		fp:    make([]uint32, len(keys)),
		vals:  make([]int32, len(keys)),
	}
	for _, k := range keys {
		t.start[(k&t.mask)+1]++
	}
	for b := 1; b <= buckets; b++ {
		t.start[b] += t.start[b-1]
	}
	// Fill each bucket using start[b] as its cursor; afterwards start[b]
	// has moved to where bucket b+1 begins, so shift back by one.
	for v := 0; v+1 < len(offsets); v++ {
		for _, k := range keys[offsets[v]:offsets[v+1]] {
			b := k & t.mask
			j := t.start[b]
			t.start[b]++
			t.fp[j], t.vals[j] = uint32(k>>32), int32(v)
		}
	}
	copy(t.start[1:], t.start[:buckets])
	t.start[0] = 0
	return t
}

// find calls fn for every value stored under k.
func (t *table) find(k uint64, fn func(int32)) {
	if len(t.fp) == 0 {
		return
	}
	b, fp := k&t.mask, uint32(k>>32)
	for j := t.start[b]; j < t.start[b+1]; j++ {
		if t.fp[j] == fp {
			fn(t.vals[j])
		}
	}
}
