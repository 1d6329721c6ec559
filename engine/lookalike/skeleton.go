package lookalike

// A skeleton maps every character that can pass for another to one
// canonical Latin form, in the spirit of Unicode TS #39's confusables, so
// that two strings that look the same have equal skeletons. It is
// deliberately small: the characters that fit an email address and appear
// in real lookalike attacks and typing mistakes, not the whole table.

// confusable maps single runes (already lower-cased) to the Latin letter
// they pass for.
var confusable = map[rune]rune{
	// Digits and ASCII punctuation read as letters.
	'0': 'o', '1': 'l', 'i': 'l', '|': 'l', '!': 'l',
	// Latin letters without a dot or with a different shape.
	'ı': 'l', 'ɩ': 'l', 'ǀ': 'l', 'ɡ': 'g', 'ɑ': 'a', 'ʟ': 'l', 'ο': 'o',
	// Cyrillic.
	'а': 'a', 'в': 'b', 'г': 'r', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm',
	'н': 'h', 'о': 'o', 'п': 'n', 'р': 'p', 'с': 'c', 'т': 't', 'у': 'y',
	'х': 'x', 'ь': 'b', 'і': 'l', 'ї': 'l', 'ј': 'j', 'ѕ': 's', 'ԁ': 'd',
	'һ': 'h', 'ӏ': 'l', 'ԛ': 'q', 'ԝ': 'w', 'ү': 'y', 'ѵ': 'v', 'ɯ': 'w',
	// Greek.
	'α': 'a', 'β': 'b', 'γ': 'y', 'ε': 'e', 'η': 'n', 'ι': 'l', 'κ': 'k',
	'ν': 'v', 'ρ': 'p', 'τ': 't', 'υ': 'u', 'χ': 'x', 'ϲ': 'c', 'ϳ': 'j',
	'ω': 'w',
	// Armenian.
	'օ': 'o', 'ս': 'u', 'հ': 'h', 'ո': 'n', 'ց': 'g', 'զ': 'q',
	// Letter-like symbols.
	'ⅰ': 'l', 'ⅼ': 'l', 'ⅽ': 'c', 'ⅾ': 'd', 'ⅿ': 'm', 'ⅴ': 'v', 'ⅹ': 'x',
}

// skeletonRune maps one rune. ASCII takes a switch, not a map lookup: it is
// the hot path of every build and lookup.
func skeletonRune(r rune) rune {
	if r < 0x80 {
		switch r {
		case '0':
			return 'o'
		case '1', 'i', '|', '!':
			return 'l'
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	if r >= 0xFF01 && r <= 0xFF5E { // fullwidth ASCII
		return skeletonRune(r - 0xFEE0)
	}
	if c, ok := confusable[r]; ok {
		return c
	}
	return r
}

// appendSkeleton appends the skeleton of s to dst. After the single-rune
// map it folds the multi-letter lookalikes rn→m, vv→w and cl→d, left to
// right, so "rnary", "мary" and "mary" share one skeleton.
func appendSkeleton(dst []rune, s string) []rune {
	start := len(dst)
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			for _, r := range s[i:] {
				dst = append(dst, skeletonRune(r))
			}
			break
		}
		dst = append(dst, skeletonRune(rune(s[i])))
	}
	out := dst[start:]
	w := 0
	for i := 0; i < len(out); i++ {
		r := out[i]
		if i+1 < len(out) {
			switch next := out[i+1]; {
			case r == 'r' && next == 'n':
				r, i = 'm', i+1
			case r == 'v' && next == 'v':
				r, i = 'w', i+1
			case r == 'c' && next == 'l':
				r, i = 'd', i+1
			}
		}
		out[w] = r
		w++
	}
	return dst[:start+w]
}
