package textextract

// Eight bytes at a time ("SIMD within a register"): most of an HTML body is
// words and single spaces that are copied as they are, and testing them a
// word at a time is what lets a megabyte through in about a millisecond,
// without assembly (the engine also runs as WebAssembly).

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

// plainRun returns how far from i the text needs no attention: no markup,
// entity, control or non-ASCII byte, and spaces only single and between
// other bytes. atStart says i begins a run, where even a single space may
// need collapsing with the separator before it.
func plainRun(s string, i int, atStart bool) int {
	n := len(s)
	for i+8 <= n {
		x := load8(s, i)
		lt := x ^ ('<' * lo8)
		amp := x ^ ('&' * lo8)
		// Each term is non-zero exactly when some byte is '<', '&', below
		// 0x20 or above 0x7f (the has-zero-byte and has-byte-less-than
		// tests are exact as yes/no answers).
		if (lt-lo8)&^lt&hi8|(amp-lo8)&^amp&hi8|(x-0x20*lo8)&^x&hi8|x&hi8 != 0 {
			return i
		}
		// Spaces, as an exact mask of the high bit of each space byte.
		sp := x ^ (' ' * lo8)
		spaces := ^((sp&lo7 + lo7) | sp | lo7)
		if spaces&(spaces>>8) != 0 || spaces>>63 != 0 || atStart && spaces&0x80 != 0 {
			return i
		}
		atStart = false
		i += 8
	}
	return i
}

// clean reports whether s is ASCII without carriage returns, which Plain
// returns untouched.
func clean(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := load8(s, i)
		cr := x ^ ('\r' * lo8)
		if x&hi8|(cr-lo8)&^cr&hi8 != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c == '\r' || c >= 0x80 {
			return false
		}
	}
	return true
}
