package mimemsg

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/jhillyerd/enmime"
	"golang.org/x/text/encoding/htmlindex"
)

// The first tier reads well-formed mail with the standard library's
// net/textproto and mime/multipart. enmime's boundary reader copies a
// multipart body byte by byte through every level of nesting, which made a
// 2 KB multipart/alternative message with a PDF cost over 100 µs; the
// standard reader scans for the boundary in bulk. Anything the standard
// library rejects (a malformed header, a missing boundary, an undecodable
// encoded word) goes to enmime, which knows how to repair it.

// maxStdDepth bounds multipart nesting in this tier; deeper mail is
// enmime's business.
const maxStdDepth = 16

// stdTree builds an enmime part tree with raw content, or reports false.
func stdTree(b []byte) (*enmime.Part, bool) {
	r := bytes.NewReader(b)
	br := bufio.NewReaderSize(r, 4096)
	h, err := textproto.NewReader(br).ReadMIMEHeader()
	if err != nil || len(h) == 0 {
		return nil, false
	}
	// The body is the rest of b: slice it rather than copy it.
	body := b[len(b)-r.Len()-br.Buffered():]
	root := &enmime.Part{PartID: "0", Header: h}
	if !stdPart(root, body, 0) {
		return nil, false
	}
	return root, true
}

// uniformLineEnds reports whether b ends every line the same way, LF or
// CRLF, with no stray CR. The two parsers split mixed line ends around
// boundaries differently; enmime's way is the reference.
func uniformLineEnds(b []byte) bool {
	cr := bytes.Count(b, []byte{'\r'})
	return cr == 0 || (cr == bytes.Count(b, []byte("\r\n")) && cr == bytes.Count(b, []byte{'\n'}))
}

// cleanDelimiters reports whether every occurrence of "--boundary" starts
// a line that is exactly a delimiter or the close delimiter (white space
// may follow), and the close delimiter is there.
func cleanDelimiters(content []byte, boundary string) bool {
	dash := []byte("--" + boundary)
	closed := false
	for rest, off := content, 0; ; {
		i := bytes.Index(rest, dash)
		if i < 0 {
			return closed
		}
		at := off + i
		if at > 0 && content[at-1] != '\n' {
			return false
		}
		line := content[at+len(dash):]
		if end := bytes.IndexByte(line, '\n'); end >= 0 {
			line = line[:end]
		}
		if bytes.HasPrefix(line, []byte("--")) {
			line = line[2:]
			closed = true
		}
		if len(bytes.Trim(line, " \t\r")) != 0 {
			return false
		}
		off = at + len(dash)
		rest = content[off:]
	}
}

// stdPart fills in p from its header and content, recursing into
// multiparts.
func stdPart(p *enmime.Part, content []byte, depth int) bool {
	ctype := p.Header.Get("Content-Type")
	mtype, params := "", map[string]string{}
	if ctype != "" {
		var err error
		// Go's parser accepts a bare token (it also reads
		// Content-Disposition); a type needs its slash.
		if mtype, params, err = mime.ParseMediaType(ctype); err != nil || !strings.Contains(mtype, "/") {
			return false
		}
	} else if p.PartID == "0" {
		// RFC 2045: a message without a type is US-ASCII text.
		mtype = "text/plain"
	} else {
		// A part without a type: enmime reads it and warns about it.
		return false
	}
	p.ContentType = mtype
	p.ContentTypeParams = params
	p.Charset = params["charset"]
	if cd := p.Header.Get("Content-Disposition"); cd != "" {
		disp, dparams, err := mime.ParseMediaType(cd)
		if err != nil {
			return false
		}
		p.Disposition = disp
		if p.FileName = dparams["filename"]; p.FileName == "" {
			p.FileName = params["name"]
		}
	} else {
		p.FileName = params["name"]
	}
	if p.FileName == "" {
		p.FileName = params["file"]
	}
	if p.FileName != "" {
		name, ok := decodeWords(p.FileName)
		if !ok {
			return false
		}
		p.FileName = name
	}
	p.ContentID = strings.Trim(strings.TrimSpace(p.Header.Get("Content-ID")), "<>")
	if !strings.HasPrefix(mtype, "multipart/") {
		p.Content = content
		return true
	}
	boundary := params["boundary"]
	if boundary == "" || depth >= maxStdDepth {
		return false
	}
	// Leave to enmime, whose reading is the reference, the multiparts
	// where the two differ: a missing close delimiter (mime/multipart ends
	// quietly, enmime keeps the rest and warns), a boundary string in the
	// middle of a line,
	// mixed line ends around boundaries, or a delimiter line with more
	// than white space after the boundary.
	if !cleanDelimiters(content, boundary) || !uniformLineEnds(content) {
		return false
	}
	mr := multipart.NewReader(bytes.NewReader(content), boundary)
	for i := 1; ; i++ {
		part, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return false
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return false
		}
		child := &enmime.Part{PartID: strconv.Itoa(i), Header: part.Header}
		if p.PartID != "0" {
			child.PartID = p.PartID + "." + strconv.Itoa(i)
		}
		if !stdPart(child, data, depth+1) {
			return false
		}
		p.AddChild(child)
	}
	if p.FirstChild == nil {
		// No parts at all: enmime reports what is odd about it.
		return false
	}
	return true
}

// stdHeaders decodes RFC 2047 encoded words in the standard tier.
type stdHeaders textproto.MIMEHeader

func (h stdHeaders) decoded(name string) ([]string, bool) {
	raw := headerValues(textproto.MIMEHeader(h), name)
	out := make([]string, 0, len(raw))
	for _, v := range raw {
		d, ok := decodeWords(v)
		if !ok {
			return nil, false
		}
		out = append(out, d)
	}
	return out, true
}

var wordDecoder = &mime.WordDecoder{
	CharsetReader: func(charset string, input io.Reader) (io.Reader, error) {
		enc, err := htmlindex.Get(charset)
		if err != nil {
			return nil, err
		}
		return enc.NewDecoder().Reader(input), nil
	},
}

// decodeWords decodes RFC 2047 encoded words; ok is false when one does not
// decode, for enmime's more forgiving decoder to try.
func decodeWords(s string) (string, bool) {
	if !strings.Contains(s, "=?") {
		return s, true
	}
	d, err := wordDecoder.DecodeHeader(s)
	if err != nil {
		return "", false
	}
	return d, true
}
