// Package attach tells the engine what an attachment really is: whether it
// is encrypted (ZIP encryption flag, PDF /Encrypt, encrypted OOXML in an
// OLE2 container) and what text it carries for the detectors (plain text,
// CSV, HTML, and the XML text of Office Open XML and OpenDocument files).
//
// It looks at magic bytes and container structure, never at the file name
// alone, because a renamed file is the usual way an unencrypted record
// passes for an encrypted one. It is part of the engine, which is compiled
// to WebAssembly, so it imports only the standard library and nothing that
// is large: no PDF or image decoders.
package attach

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"io"
	"path"
	"strings"
)

// Formats reported in Info.Format.
const (
	FormatUnknown = "unknown"
	FormatText    = "text"
	FormatHTML    = "html"
	FormatZIP     = "zip"
	FormatOOXML   = "ooxml"
	FormatODF     = "odf"
	FormatPDF     = "pdf"
	FormatOLE2    = "ole2"
)

// Info is what Inspect learnt about one attachment.
type Info struct {
	// Format is one of the Format constants, from the content's magic bytes.
	Format string
	// Encrypted reports real encryption: a ZIP entry with the encryption
	// flag, a PDF with an /Encrypt dictionary, or an OLE2 container holding
	// EncryptionInfo and EncryptedPackage streams (encrypted .docx/.xlsx).
	Encrypted bool
	// Text is the text the detectors should scan (at most the caller's
	// limit); HTML when Format is FormatHTML, plain text otherwise.
	Text string
}

var (
	magicZIP  = []byte("PK\x03\x04")
	magicPDF  = []byte("%PDF-")
	magicOLE2 = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	// Stream names in an OLE2 directory are UTF-16LE.
	oleEncryptedPackage = utf16le("EncryptedPackage")
	oleEncryptionInfo   = utf16le("EncryptionInfo")
)

// textExtensions are files whose bytes are text the detectors can read.
var textExtensions = map[string]bool{
	".txt": true, ".csv": true, ".tsv": true, ".xml": true, ".json": true,
	".hl7": true, ".rtf": true, ".eml": true, ".log": true, ".md": true,
}

// Inspect examines one attachment. name and contentType are hints for text
// files only; binary formats are recognised by their content. maxText caps
// the extracted text and the bytes decompressed from containers, so a zip
// bomb costs at most maxText.
func Inspect(name, contentType string, data []byte, maxText int64) Info {
	if maxText <= 0 || len(data) == 0 {
		return Info{Format: FormatUnknown, Encrypted: isEncrypted(data)}
	}
	switch {
	case bytes.HasPrefix(data, magicZIP) || bytes.HasPrefix(data, []byte("PK\x05\x06")):
		return inspectZIP(data, maxText)
	case bytes.HasPrefix(data, magicPDF):
		return Info{Format: FormatPDF, Encrypted: pdfEncrypted(data)}
	case bytes.HasPrefix(data, magicOLE2):
		return Info{Format: FormatOLE2, Encrypted: oleEncrypted(data)}
	}
	ext := strings.ToLower(path.Ext(name))
	ct := strings.ToLower(contentType)
	capped := data
	if int64(len(capped)) > maxText {
		capped = capped[:maxText]
	}
	switch {
	case ext == ".htm" || ext == ".html" || strings.HasPrefix(ct, "text/html"):
		return Info{Format: FormatHTML, Text: string(capped)}
	case textExtensions[ext] || strings.HasPrefix(ct, "text/") || ct == "application/json" || ct == "application/xml":
		return Info{Format: FormatText, Text: string(capped)}
	}
	return Info{Format: FormatUnknown}
}

// isEncrypted answers the encryption question alone, for callers that do
// not want text.
func isEncrypted(data []byte) bool {
	switch {
	case bytes.HasPrefix(data, magicZIP):
		return zipEncrypted(data)
	case bytes.HasPrefix(data, magicPDF):
		return pdfEncrypted(data)
	case bytes.HasPrefix(data, magicOLE2):
		return oleEncrypted(data)
	}
	return false
}

// Encrypted reports whether data is really encrypted (see Info.Encrypted).
func Encrypted(data []byte) bool { return isEncrypted(data) }

// zipEncrypted reads the general-purpose flag (bit 0: encrypted) of every
// entry: from the central directory when the archive parses, and from the
// local file headers when it does not (a truncated upload still has them).
func zipEncrypted(data []byte) bool {
	if entries, ok := zipEntries(data); ok {
		for _, e := range entries {
			if e.flags&1 != 0 {
				return true
			}
		}
		return false
	}
	for off := 0; ; {
		i := bytes.Index(data[off:], magicZIP)
		if i < 0 || off+i+8 > len(data) {
			return false
		}
		p := off + i
		if data[p+6]&1 != 0 {
			return true
		}
		off = p + 4
	}
}

// zipEntry is one central-directory record. archive/zip would do, but it
// costs over 100 KB of the WebAssembly module (time, io/fs); this reader
// needs only what Inspect uses: names, flags, and stored or deflated data.
type zipEntry struct {
	name        string
	flags       uint16
	method      uint16
	compSize    uint32
	localHeader uint32
}

// zipEntries parses the central directory. ZIP64 archives (over 4 GB or
// 65,535 entries) are not attachments anyone mails; they report !ok.
func zipEntries(data []byte) ([]zipEntry, bool) {
	const eocdLen = 22
	if len(data) < eocdLen {
		return nil, false
	}
	// The end record sits in the last 22 bytes plus an optional comment of
	// up to 65,535 bytes.
	start := max(0, len(data)-eocdLen-65535)
	i := bytes.LastIndex(data[start:], []byte("PK\x05\x06"))
	if i < 0 {
		return nil, false
	}
	eocd := data[start+i:]
	if len(eocd) < eocdLen {
		return nil, false
	}
	count := int(binary.LittleEndian.Uint16(eocd[10:]))
	size := int64(binary.LittleEndian.Uint32(eocd[12:]))
	off := int64(binary.LittleEndian.Uint32(eocd[16:]))
	if off+size > int64(len(data)) {
		return nil, false
	}
	cd := data[off : off+size]
	entries := make([]zipEntry, 0, min(count, 1024))
	for n := 0; n < count; n++ {
		if len(cd) < 46 || !bytes.HasPrefix(cd, []byte("PK\x01\x02")) {
			return nil, false
		}
		nameLen := int(binary.LittleEndian.Uint16(cd[28:]))
		extraLen := int(binary.LittleEndian.Uint16(cd[30:]))
		commentLen := int(binary.LittleEndian.Uint16(cd[32:]))
		total := 46 + nameLen + extraLen + commentLen
		if len(cd) < total {
			return nil, false
		}
		entries = append(entries, zipEntry{
			name:        string(cd[46 : 46+nameLen]),
			flags:       binary.LittleEndian.Uint16(cd[8:]),
			method:      binary.LittleEndian.Uint16(cd[10:]),
			compSize:    binary.LittleEndian.Uint32(cd[20:]),
			localHeader: binary.LittleEndian.Uint32(cd[42:]),
		})
		cd = cd[total:]
	}
	return entries, true
}

// open returns a reader over an entry's uncompressed content, or nil for an
// encrypted entry, an unknown method or a header that points outside data.
func (e zipEntry) open(data []byte) io.Reader {
	if e.flags&1 != 0 {
		return nil
	}
	h := int64(e.localHeader)
	if h+30 > int64(len(data)) || !bytes.HasPrefix(data[h:], magicZIP) {
		return nil
	}
	begin := h + 30 + int64(binary.LittleEndian.Uint16(data[h+26:])) + int64(binary.LittleEndian.Uint16(data[h+28:]))
	end := begin + int64(e.compSize)
	if end > int64(len(data)) {
		return nil
	}
	raw := bytes.NewReader(data[begin:end])
	switch e.method {
	case 0:
		return raw
	case 8:
		return flate.NewReader(raw)
	}
	return nil
}

func inspectZIP(data []byte, maxText int64) Info {
	info := Info{Format: FormatZIP, Encrypted: zipEncrypted(data)}
	entries, ok := zipEntries(data)
	if !ok || info.Encrypted {
		return info
	}
	for _, f := range entries {
		switch {
		case f.name == "[Content_Types].xml":
			info.Format = FormatOOXML
		case f.name == "mimetype" && info.Format == FormatZIP:
			info.Format = FormatODF
		}
	}
	var b strings.Builder
	budget := maxText
	var members []zipEntry
	for _, f := range entries {
		if budget <= 0 {
			break
		}
		if info.Format == FormatZIP {
			// A plain archive: its member names are text too (a file called
			// "discharge summary.pdf" inside "scan.zip").
			b.WriteString(f.name)
			b.WriteByte('\n')
			budget -= int64(len(f.name) + 1)
		}
		if xmlMember(info.Format, f.name) || info.Format == FormatZIP && textExtensions[strings.ToLower(path.Ext(f.name))] {
			members = append(members, f)
		}
	}
	for _, f := range members {
		if budget <= 0 {
			break
		}
		r := f.open(data)
		if r == nil {
			continue
		}
		raw, _ := io.ReadAll(io.LimitReader(r, budget))
		budget -= int64(len(raw))
		if info.Format == FormatZIP {
			b.Write(raw)
		} else {
			XMLText(&b, raw)
		}
		b.WriteByte('\n')
	}
	info.Text = b.String()
	return info
}

// xmlMember says which parts of an Office document hold its text.
func xmlMember(format, name string) bool {
	switch format {
	case FormatOOXML:
		if !strings.HasSuffix(name, ".xml") {
			return false
		}
		return strings.HasPrefix(name, "word/document") || strings.HasPrefix(name, "word/header") ||
			strings.HasPrefix(name, "word/footer") || name == "xl/sharedStrings.xml" ||
			strings.HasPrefix(name, "xl/worksheets/sheet") || strings.HasPrefix(name, "ppt/slides/slide")
	case FormatODF:
		return name == "content.xml"
	}
	return false
}

// blockEnds are XML elements whose end separates words: paragraphs, cells,
// table rows, line breaks and tabs. Every other tag joins its neighbours,
// because Word splits one typed number across several runs (<w:t>).
var blockEnds = map[string]bool{
	"w:p": true, "w:tab": true, "w:br": true, "w:tc": true, "a:p": true, "a:br": true,
	"si": true, "c": true, "row": true, "v": true, "is": true,
	"text:p": true, "text:h": true, "text:tab": true, "text:line-break": true, "table:table-cell": true,
}

var xmlEntities = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'", "&amp;", "&")

// XMLText appends the character data of an XML document to b, with a space
// where a paragraph, cell or break ends.
func XMLText(b *strings.Builder, doc []byte) {
	for len(doc) > 0 {
		lt := bytes.IndexByte(doc, '<')
		if lt < 0 {
			b.WriteString(xmlEntities.Replace(string(doc)))
			return
		}
		if lt > 0 {
			b.WriteString(xmlEntities.Replace(string(doc[:lt])))
		}
		gt := bytes.IndexByte(doc[lt:], '>')
		if gt < 0 {
			return
		}
		tag := doc[lt+1 : lt+gt]
		doc = doc[lt+gt+1:]
		selfClosing := bytes.HasSuffix(tag, []byte("/"))
		closing := bytes.HasPrefix(tag, []byte("/"))
		if !closing && !selfClosing {
			continue
		}
		name := bytes.TrimSuffix(bytes.TrimPrefix(tag, []byte("/")), []byte("/"))
		if i := bytes.IndexAny(name, " \t\r\n"); i >= 0 {
			name = name[:i]
		}
		if blockEnds[string(name)] {
			b.WriteByte(' ')
		}
	}
}

// pdfEncrypted looks for the /Encrypt entry of a trailer or cross-reference
// stream dictionary: "/Encrypt" followed by an indirect reference (12 0 R)
// or an inline dictionary. /EncryptMetadata and the like do not count.
func pdfEncrypted(data []byte) bool {
	key := []byte("/Encrypt")
	for off := 0; off < len(data); {
		i := bytes.Index(data[off:], key)
		if i < 0 {
			return false
		}
		p := off + i + len(key)
		off = p
		rest := data[p:]
		if len(rest) > 0 && isPDFNameChar(rest[0]) {
			continue
		}
		rest = bytes.TrimLeft(rest, " \t\r\n\f\x00")
		if bytes.HasPrefix(rest, []byte("<<")) {
			return true
		}
		if isIndirectRef(rest) {
			return true
		}
	}
	return false
}

func isPDFNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
}

// isIndirectRef matches "digits ws digits ws R".
func isIndirectRef(b []byte) bool {
	i := 0
	digits := func() bool {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > start
	}
	spaces := func() bool {
		start := i
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
			i++
		}
		return i > start
	}
	return digits() && spaces() && digits() && spaces() && i < len(b) && b[i] == 'R'
}

// oleEncrypted reports an encrypted Office Open XML file: Office wraps the
// encrypted package in an OLE2 compound file whose directory names the
// EncryptionInfo and EncryptedPackage streams. An ordinary legacy .doc is
// OLE2 too, but has neither stream.
func oleEncrypted(data []byte) bool {
	return bytes.Contains(data, oleEncryptedPackage) && bytes.Contains(data, oleEncryptionInfo)
}

func utf16le(s string) []byte {
	b := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		b = append(b, s[i], 0)
	}
	return b
}
