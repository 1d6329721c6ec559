package textextract

import (
	"strings"
	"unicode/utf8"
)

// Byte classes of the main loop: everything else is copied as a run.
const (
	clsText = iota
	clsTag
	clsEntity
	clsSpace
	clsHigh
)

var byteClass = func() (t [256]uint8) {
	t['<'] = clsTag
	t['&'] = clsEntity
	for _, c := range []byte{' ', '\t', '\n', '\r', '\f', '\v'} {
		t[c] = clsSpace
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] = clsHigh
	}
	return t
}()

// HTML converts an HTML body to detection text. Tags are removed; inline
// ones (span, b, i, a, font, ...) without a separator, block-level ones
// (p, div, br, li, tr, h1, ...) as a line break and table cells as a space.
// The content of script, style, title, template, iframe and the like is
// dropped, and so are comments. Entities are decoded (named, decimal, hex);
// zero-width characters and soft hyphens vanish; no-break spaces and runs of
// whitespace become one space; typographic hyphens and dashes become "-".
// Invalid UTF-8 bytes become spaces.
func HTML(s string) string {
	x := extractor{src: s, space: true}
	x.out.Grow(len(s))
	x.run()
	return x.out.String()
}

type extractor struct {
	src string
	out strings.Builder
	// space is true when the output ends in whitespace (or is empty), so
	// whitespace and separators are not repeated.
	space bool
}

func (x *extractor) text(s string) {
	if s != "" {
		x.out.WriteString(s)
		x.space = false
	}
}

func (x *extractor) sep(c byte) {
	if !x.space {
		x.out.WriteByte(c)
		x.space = true
	}
}

func (x *extractor) run() {
	s := x.src
	n := len(s)
	start := 0
	i := 0
	for i < n {
		i = plainRun(s, i, i == start)
		for i < n && byteClass[s[i]] == clsText {
			i++
		}
		if i >= n {
			break
		}
		switch byteClass[s[i]] {
		case clsSpace:
			// A lone space between words is the common case: keep it in
			// the run instead of flushing.
			if s[i] == ' ' && i > start && i+1 < n && byteClass[s[i+1]] != clsSpace {
				i++
				continue
			}
			x.text(s[start:i])
			x.sep(' ')
			i++
		case clsHigh:
			r, size := utf8.DecodeRuneInString(s[i:])
			rep, special := specialRune(r, size)
			if !special {
				i += size
				continue
			}
			x.text(s[start:i])
			x.replacement(rep)
			i += size
		case clsEntity:
			x.text(s[start:i])
			i = x.entity(i)
		case clsTag:
			x.text(s[start:i])
			i = x.tag(i)
		}
		start = i
	}
	x.text(s[start:])
}

// replacement writes what specialRune returned.
func (x *extractor) replacement(rep string) {
	switch rep {
	case "":
	case " ", "\n":
		x.sep(rep[0])
	default:
		x.text(rep)
	}
}

// entity decodes the character reference at i (s[i] == '&') and returns
// where scanning resumes. Anything that is not a reference is text.
func (x *extractor) entity(i int) int {
	s := x.src
	n := len(s)
	j := i + 1
	if j < n && s[j] == '#' {
		j++
		hex := j < n && (s[j] == 'x' || s[j] == 'X')
		if hex {
			j++
		}
		ds := j
		v := 0
		for j < n {
			d := digitValue(s[j], hex)
			if d < 0 {
				break
			}
			if v <= utf8.MaxRune {
				if hex {
					v = v*16 + d
				} else {
					v = v*10 + d
				}
			}
			j++
		}
		if j == ds {
			x.text("&")
			return i + 1
		}
		if j < n && s[j] == ';' {
			j++
		}
		x.rune(codePoint(v))
		return j
	}
	ns := j
	for j < n && j-ns < 32 && (isLetter(s[j]) || s[j] >= '0' && s[j] <= '9') {
		j++
	}
	name := s[ns:j]
	if j < n && s[j] == ';' {
		if r, ok := entities[name]; ok {
			x.rune(r)
			return j + 1
		}
	}
	// Legacy references are recognised without the semicolon, as
	// browsers do ("&nbsp" and "&ampx" both decode).
	for _, l := range legacy {
		if strings.HasPrefix(name, l.name) {
			x.rune(l.r)
			return ns + len(l.name)
		}
	}
	x.text("&")
	return i + 1
}

// rune writes a decoded character, treating whitespace, invisible and
// no-break characters as their literal forms would be.
func (x *extractor) rune(r rune) {
	switch r {
	case ' ', '\t', '\n', '\r', '\f', '\v':
		x.sep(' ')
		return
	}
	if rep, special := specialRune(r, utf8.RuneLen(r)); special {
		x.replacement(rep)
		return
	}
	var b [utf8.UTFMax]byte
	k := utf8.EncodeRune(b[:], r)
	x.out.Write(b[:k])
	x.space = false
}

// codePoint maps a numeric reference to the character browsers show: NUL,
// surrogates and out-of-range values become U+FFFD.
func codePoint(v int) rune {
	if v == 0 || v > utf8.MaxRune || v >= 0xd800 && v <= 0xdfff {
		return utf8.RuneError
	}
	return rune(v)
}

func digitValue(c byte, hex bool) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case hex && c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case hex && c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// tag handles markup at i (s[i] == '<') and returns where scanning resumes.
func (x *extractor) tag(i int) int {
	s := x.src
	n := len(s)
	if i+1 >= n {
		x.text("<")
		return n
	}
	switch c := s[i+1]; {
	case c == '!':
		if strings.HasPrefix(s[i+2:], "--") {
			// "<!-->" and "<!--->" are empty comments to a browser.
			body := i + 4
			switch {
			case strings.HasPrefix(s[body:], ">"):
				return body + 1
			case strings.HasPrefix(s[body:], "->"):
				return body + 2
			}
			if k := strings.Index(s[body:], "-->"); k >= 0 {
				return body + k + 3
			}
			return n
		}
		return skipPast(s, i+2, '>')
	case c == '?':
		return skipPast(s, i+2, '>')
	case c == '/':
		if i+2 < n && isLetter(s[i+2]) {
			e, j := tagName(s, i+2)
			end := tagEnd(s, j)
			x.block(e)
			return end
		}
		if i+2 < n && s[i+2] == '>' {
			return i + 3
		}
		return skipPast(s, i+2, '>')
	case isLetter(c):
		e, j := tagName(s, i+1)
		end := tagEnd(s, j)
		x.block(e)
		if e.skip {
			return skipElement(s, end, e.name)
		}
		return end
	}
	x.text("<")
	return i + 1
}

// skipPast returns the index after the next c at or after j, or len(s).
func skipPast(s string, j int, c byte) int {
	if k := strings.IndexByte(s[j:], c); k >= 0 {
		return j + k + 1
	}
	return len(s)
}

// tagName reads a tag name at j and returns the element it names (the zero
// element, which is inline, for names the extractor does not know) and the
// index after the name. The name is lower-cased into a short buffer, so no
// tag name is ever allocated.
func tagName(s string, j int) (element, int) {
	var buf [16]byte
	k := 0
	for j < len(s) {
		c := s[j]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '/' || c == '>' {
			break
		}
		if k < len(buf) {
			if c >= 'A' && c <= 'Z' {
				c += 32
			}
			buf[k] = c
		}
		k++
		j++
	}
	if k > len(buf) {
		return element{}, j
	}
	return lookupElement(buf[:k]), j
}

// tagEnd finds the end of a tag's attributes. Quotes count only where a
// value starts (after "="), as in browsers, so a stray quote cannot hide
// the rest of the document.
func tagEnd(s string, j int) int {
	n := len(s)
	for j < n {
		switch s[j] {
		case '>':
			return j + 1
		case '=':
			j++
			for j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r' || s[j] == '\f') {
				j++
			}
			if j < n && (s[j] == '"' || s[j] == '\'') {
				q := s[j]
				k := strings.IndexByte(s[j+1:], q)
				if k < 0 {
					return n
				}
				j += k + 2
			}
			continue
		}
		j++
	}
	return n
}

// block writes the separator an element implies.
func (x *extractor) block(e element) {
	if e.sep != 0 {
		x.sep(e.sep)
	}
}

// skipElement skips the content of a raw-text element (script, style, ...)
// from j to its end tag, which is left for the main loop. Templates nest;
// the others end at the first matching end tag, as in browsers.
func skipElement(s string, j int, name string) int {
	depth := 1
	for {
		k := strings.IndexByte(s[j:], '<')
		if k < 0 {
			return len(s)
		}
		j += k
		if hasTagPrefix(s, j+1, name) && name == "template" {
			depth++
		} else if j+1 < len(s) && s[j+1] == '/' && hasTagPrefix(s, j+2, name) {
			depth--
			if depth == 0 {
				return j
			}
		}
		j++
	}
}

// hasTagPrefix reports whether s at j starts with the tag name (in any
// case) followed by something that ends a name.
func hasTagPrefix(s string, j int, name string) bool {
	if j+len(name) > len(s) || !strings.EqualFold(s[j:j+len(name)], name) {
		return false
	}
	if j+len(name) == len(s) {
		return true
	}
	switch s[j+len(name)] {
	case ' ', '\t', '\n', '\r', '\f', '/', '>':
		return true
	}
	return false
}

type element struct {
	name string
	// sep is the separator the element implies: '\n' for blocks, ' ' for
	// table cells, 0 for none.
	sep byte
	// skip drops the element's content.
	skip bool
}

// lookupElement maps a lower-cased tag name to its element. A switch
// rather than a map: tags are the hottest path of HTML bodies, and the
// compiler turns this into a length-then-binary search without hashing.
func lookupElement(b []byte) element {
	switch string(b) {
	case "address", "article", "aside", "blockquote", "body", "br", "caption", "center", "col", "colgroup",
		"dd", "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer",
		"form", "frame", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hgroup", "hr",
		"html", "legend", "li", "main", "menu", "nav", "ol", "optgroup", "option", "p", "pre", "section",
		"summary", "table", "tbody", "tfoot", "thead", "tr", "ul", "textarea", "button", "select", "input":
		return element{sep: '\n'}
	case "td", "th":
		return element{sep: ' '}
	// Invisible content: no separator either, as a browser shows
	// "a<script>...</script>b" as "ab".
	case "script":
		return element{name: "script", skip: true}
	case "style":
		return element{name: "style", skip: true}
	case "title":
		return element{name: "title", skip: true}
	case "template":
		return element{name: "template", skip: true}
	case "noembed":
		return element{name: "noembed", skip: true}
	case "noframes":
		return element{name: "noframes", skip: true}
	case "xmp":
		return element{name: "xmp", skip: true}
	case "iframe":
		return element{name: "iframe", sep: '\n', skip: true}
	}
	return element{}
}
