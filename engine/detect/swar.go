package detect

// Eight bytes at a time ("SIMD within a register"): the scanners skip text
// that cannot hold a candidate a word at a time, which is what makes plain
// prose scan at several GB/s without assembly (the engine also runs as
// WebAssembly).

const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
	lo7 = 0x7f7f7f7f7f7f7f7f
)

// load8 reads eight bytes little-endian; the compiler merges the loads.
func load8(s string, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

// nextDigit returns the index of the first ASCII digit at or after i, or
// len(s).
func nextDigit(s string, i int) int {
	n := len(s)
	for i+8 <= n {
		// Digits are exactly the bytes whose XOR with '0' is below 10; the
		// "has a byte less than n" test is exact as a yes/no answer.
		t := load8(s, i) ^ ('0' * lo8)
		if (t-10*lo8)&^t&hi8 != 0 {
			break
		}
		i += 8
	}
	for i < n && s[i]-'0' > 9 {
		i++
	}
	return i
}
