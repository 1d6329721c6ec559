package address

import (
	"math"
	"strings"
	"unicode/utf8"
)

// Bootstring parameters for Punycode (RFC 3492 section 5).
const (
	pcBase        = 36
	pcTMin        = 1
	pcTMax        = 26
	pcSkew        = 38
	pcDamp        = 700
	pcInitialBias = 72
	pcInitialN    = 128
	pcMaxInt      = math.MaxInt32 // RFC 3492 assumes 32-bit arithmetic; overflow is an error, not a wrap
)

// adapt is RFC 3492 section 6.1.
func adapt(delta, numPoints int, firstTime bool) int {
	if firstTime {
		delta /= pcDamp
	} else {
		delta /= 2
	}
	delta += delta / numPoints
	k := 0
	for delta > ((pcBase-pcTMin)*pcTMax)/2 {
		delta /= pcBase - pcTMin
		k += pcBase
	}
	return k + (pcBase-pcTMin+1)*delta/(delta+pcSkew)
}

func threshold(k, bias int) int {
	t := k - bias
	if t < pcTMin {
		return pcTMin
	}
	if t > pcTMax {
		return pcTMax
	}
	return t
}

func encodeDigit(d int) byte {
	if d < 26 {
		return byte('a' + d)
	}
	return byte('0' + d - 26)
}

func decodeDigit(c byte) (int, bool) {
	switch {
	case c >= 'a' && c <= 'z':
		return int(c - 'a'), true
	case c >= 'A' && c <= 'Z':
		return int(c - 'A'), true
	case c >= '0' && c <= '9':
		return int(c-'0') + 26, true
	}
	return 0, false
}

// punyEncode encodes one label's code points (RFC 3492 section 6.3),
// without the "xn--" prefix. It fails only on arithmetic overflow.
func punyEncode(input []rune) (string, bool) {
	var out strings.Builder
	for _, r := range input {
		if r < 0x80 {
			out.WriteByte(byte(r))
		}
	}
	b := out.Len()
	h := b
	if b > 0 {
		out.WriteByte('-')
	}
	n, delta, bias := pcInitialN, 0, pcInitialBias
	for h < len(input) {
		m := math.MaxInt
		for _, r := range input {
			if int(r) >= n && int(r) < m {
				m = int(r)
			}
		}
		if m-n > (pcMaxInt-delta)/(h+1) {
			return "", false
		}
		delta += (m - n) * (h + 1)
		n = m
		for _, r := range input {
			c := int(r)
			if c < n {
				delta++
				if delta > pcMaxInt {
					return "", false
				}
			}
			if c != n {
				continue
			}
			q := delta
			for k := pcBase; ; k += pcBase {
				t := threshold(k, bias)
				if q < t {
					break
				}
				out.WriteByte(encodeDigit(t + (q-t)%(pcBase-t)))
				q = (q - t) / (pcBase - t)
			}
			out.WriteByte(encodeDigit(q))
			bias = adapt(delta, h+1, h == b)
			delta = 0
			h++
		}
		delta++
		n++
	}
	return out.String(), true
}

// punyDecode decodes one label (RFC 3492 section 6.2), without the "xn--"
// prefix. It fails on bad digits, overflow, surrogates and code points
// beyond Unicode.
func punyDecode(s string) ([]rune, bool) {
	var output []rune
	pos := 0
	if b := strings.LastIndexByte(s, '-'); b > 0 {
		for i := 0; i < b; i++ {
			if s[i] >= 0x80 {
				return nil, false
			}
			output = append(output, rune(s[i]))
		}
		pos = b + 1
	}
	n, i, bias := pcInitialN, 0, pcInitialBias
	for pos < len(s) {
		oldi, w := i, 1
		for k := pcBase; ; k += pcBase {
			if pos == len(s) {
				return nil, false
			}
			digit, ok := decodeDigit(s[pos])
			pos++
			if !ok || digit > (pcMaxInt-i)/w {
				return nil, false
			}
			i += digit * w
			t := threshold(k, bias)
			if digit < t {
				break
			}
			if w > pcMaxInt/(pcBase-t) {
				return nil, false
			}
			w *= pcBase - t
		}
		x := len(output) + 1
		bias = adapt(i-oldi, x, oldi == 0)
		if i/x > pcMaxInt-n {
			return nil, false
		}
		n += i / x
		i %= x
		if n > utf8.MaxRune || (n >= 0xD800 && n <= 0xDFFF) {
			return nil, false
		}
		output = append(output, 0)
		copy(output[i+1:], output[i:])
		output[i] = rune(n)
		i++
	}
	return output, true
}
