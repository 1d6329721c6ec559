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

// table maps keys to int32 values (address or domain ids).
type table struct {
	mask  uint64
	start []uint32 // bucket b holds entries start[b]..start[b+1]
	keys  []uint64
	vals  []int32
}

// buildTable groups (key, value) pairs by bucket with a counting sort.
func buildTable(keys []uint64, vals []int32) table {
	buckets := 1
	for buckets < len(keys) {
		buckets <<= 1
	}
	t := table{
		mask:  uint64(buckets - 1),
		start: make([]uint32, buckets+1),
		keys:  make([]uint64, len(keys)),
		vals:  make([]int32, len(keys)),
	}
	for _, k := range keys {
		t.start[(k&t.mask)+1]++
	}
	for b := 1; b <= buckets; b++ {
		t.start[b] += t.start[b-1]
	}
	next := make([]uint32, buckets)
	copy(next, t.start[:buckets])
	for i, k := range keys {
		b := k & t.mask
		j := next[b]
		next[b]++
		t.keys[j], t.vals[j] = k, vals[i]
	}
	return t
}

// find calls fn for every value stored under k.
func (t *table) find(k uint64, fn func(int32)) {
	if len(t.keys) == 0 {
		return
	}
	b := k & t.mask
	for j := t.start[b]; j < t.start[b+1]; j++ {
		if t.keys[j] == k {
			fn(t.vals[j])
		}
	}
}
