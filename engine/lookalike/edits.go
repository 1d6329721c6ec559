package lookalike

// editKind names the single edit that turns one string into another.
type editKind int

const (
	editNone editKind = iota // equal
	editSubstitution
	editTransposition
	editInsertion // typed has one rune more
	editDeletion  // typed has one rune less
	editMore      // more than one edit apart
)

// oneEdit reports how typed differs from known when they are at most one
// edit apart (optimal string alignment: a swap of neighbours is one edit),
// and the position in known where the edit is. It runs in linear time: the
// index has already narrowed the candidates, this only confirms them.
func oneEdit(typed, known []rune) (editKind, int) {
	lt, lk := len(typed), len(known)
	p := 0
	for p < lt && p < lk && typed[p] == known[p] {
		p++
	}
	switch lt - lk {
	case 0:
		if p == lt {
			return editNone, 0
		}
		if equalRunes(typed[p+1:], known[p+1:]) {
			return editSubstitution, p
		}
		if p+1 < lt && typed[p] == known[p+1] && typed[p+1] == known[p] && equalRunes(typed[p+2:], known[p+2:]) {
			return editTransposition, p
		}
	case 1:
		if equalRunes(typed[p+1:], known[p:]) {
			return editInsertion, p
		}
	case -1:
		if equalRunes(typed[p:], known[p+1:]) {
			return editDeletion, p
		}
	}
	return editMore, 0
}

func equalRunes(a, b []rune) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// osa is the optimal string alignment distance (Levenshtein plus adjacent
// transpositions), used only to report a Distance for strings the index
// has already found close; both are short.
func osa(a, b []rune) int {
	if len(a) == 0 {
		return len(b)
	}
	if len(b) == 0 {
		return len(a)
	}
	// Three rolling rows (the transposition step looks two rows back), on
	// the stack for anything address-sized.
	var rows [3][shortRunes + 1]int32
	var prev2, prev, cur []int32
	if len(b) <= shortRunes {
		prev2, prev, cur = rows[0][:len(b)+1], rows[1][:len(b)+1], rows[2][:len(b)+1]
	} else {
		prev2, prev, cur = make([]int32, len(b)+1), make([]int32, len(b)+1), make([]int32, len(b)+1)
	}
	for j := range prev {
		prev[j] = int32(j)
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = int32(i)
		for j := 1; j <= len(b); j++ {
			cost := int32(1)
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return int(prev[len(b)])
}

// shortRunes sizes stack buffers: a local part has at most 64 octets, so
// nearly every string compared fits, and zeroing a bigger buffer on every
// call would cost more than the comparison.
const shortRunes = 64

// keyPos places the keys of a UK/US QWERTY keyboard: row and column.
var keyPos = func() (pos [128]struct{ row, col int8 }) {
	for i := range pos {
		pos[i].row = -1
	}
	rows := []string{"1234567890-=", "qwertyuiop[]", "asdfghjkl;'#", "zxcvbnm,./"}
	for r, keys := range rows {
		for c := 0; c < len(keys); c++ {
			pos[keys[c]].row, pos[keys[c]].col = int8(r), int8(c)
		}
	}
	return pos
}()

// adjacentKeys reports whether two keys touch on a QWERTY keyboard. Each
// row is offset about half a key to the right of the one above, so key c
// touches c-1 and c in the row below and c and c+1 in the row above.
func adjacentKeys(a, b rune) bool {
	if a >= 128 || b >= 128 || a == b {
		return false
	}
	pa, pb := keyPos[a], keyPos[b]
	if pa.row < 0 || pb.row < 0 {
		return false
	}
	switch pb.row - pa.row {
	case 0:
		return pb.col-pa.col == 1 || pa.col-pb.col == 1
	case 1:
		return pb.col == pa.col-1 || pb.col == pa.col
	case -1:
		return pb.col == pa.col || pb.col == pa.col+1
	}
	return false
}
