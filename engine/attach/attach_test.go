package attach_test

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sendguard/sendguard/engine/attach"
)

type member struct {
	name, body string
	flags      uint16
}

func makeZip(t testing.TB, members ...member) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, m := range members {
		method := zip.Deflate
		if m.flags&1 != 0 {
			method = zip.Store
		}
		f, err := w.CreateHeader(&zip.FileHeader{Name: m.name, Method: method, Flags: m.flags})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = f.Write([]byte(m.body))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func oleWith(names ...string) []byte {
	b := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...)
	for _, n := range names {
		for i := 0; i < len(n); i++ {
			b = append(b, n[i], 0)
		}
		b = append(b, make([]byte, 128-2*len(n))...)
	}
	return b
}

func TestInspect(t *testing.T) {
	docx := makeZip(t,
		member{name: "[Content_Types].xml", body: "<Types/>"},
		member{name: "word/document.xml", body: `<w:document><w:body><w:p><w:r><w:t>NHS number 943</w:t></w:r><w:r><w:t xml:space="preserve"> 476 </w:t></w:r><w:r><w:t>5919</w:t></w:r></w:p><w:p><w:r><w:t>Mr &amp; Mrs</w:t></w:r></w:p></w:body></w:document>`},
	)
	xlsx := makeZip(t,
		member{name: "[Content_Types].xml", body: "<Types/>"},
		member{name: "xl/sharedStrings.xml", body: `<sst><si><t>nhs_number</t></si><si><t>clinic</t></si></sst>`},
		member{name: "xl/worksheets/sheet1.xml", body: `<worksheet><sheetData><row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row><row><c><v>9434765919</v></c><c t="inlineStr"><is><t>diabetes</t></is></c></row></sheetData></worksheet>`},
	)
	tests := map[string]struct {
		name, contentType string
		data              []byte
		format            string
		encrypted         bool
		text              string
	}{
		"plain zip lists its members and reads text members": {"a.zip", "application/zip",
			makeZip(t, member{name: "discharge summary.txt", body: "NHS 9434765919"}), "zip", false, "discharge summary.txt\nNHS 9434765919\n"},
		"zip with the encryption flag": {"a.zip", "application/zip",
			makeZip(t, member{name: "a.txt", body: "x"}, member{name: "b.txt", body: "secret", flags: 1}), "zip", true, ""},
		"truncated zip: local header flag":              {"a.zip", "", []byte("PK\x03\x04\x14\x00\x01\x00\x00\x00"), "zip", true, ""},
		"docx: runs join, paragraphs separate":          {"notes.docx", "", docx, "ooxml", false, "NHS number 943 476 5919 Mr & Mrs \n"},
		"xlsx: shared strings and cell values":          {"export.xlsx", "", xlsx, "ooxml", false, "nhs_number clinic \n0  1   9434765919  diabetes   \n"},
		"pdf without encryption":                        {"a.pdf", "", []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF"), "pdf", false, ""},
		"pdf with /Encrypt reference":                   {"a.pdf", "", []byte("%PDF-1.4\ntrailer\n<< /Root 1 0 R /Encrypt 5 0 R >>\n%%EOF"), "pdf", true, ""},
		"pdf with inline /Encrypt dictionary":           {"a.pdf", "", []byte("%PDF-1.7\n<</Type/XRef/Encrypt<</Filter/Standard>>>>"), "pdf", true, ""},
		"pdf: /EncryptMetadata alone is not encryption": {"a.pdf", "", []byte("%PDF-1.4\n<< /EncryptMetadata false >>\n(/Encrypt in text) Tj"), "pdf", false, ""},
		"encrypted ooxml in OLE2":                       {"a.docx", "", oleWith("EncryptionInfo", "EncryptedPackage"), "ole2", true, ""},
		"legacy .doc in OLE2 is not encrypted":          {"a.doc", "", oleWith("WordDocument", "1Table"), "ole2", false, ""},
		"renamed: a .zip that is text":                  {"a.zip", "", []byte("hello"), "unknown", false, ""},
		"csv by extension":                              {"a.csv", "application/octet-stream", []byte("a,b\n1,2\n"), "text", false, "a,b\n1,2\n"},
		"html by content type":                          {"a", "text/html; charset=utf-8", []byte("<p>x</p>"), "html", false, "<p>x</p>"},
		"binary image":                                  {"a.png", "image/png", []byte("\x89PNG\r\n"), "unknown", false, ""},
		"empty":                                         {"a.pdf", "", nil, "unknown", false, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := attach.Inspect(tc.name, tc.contentType, tc.data, 1<<20)
			assert.Equal(t, attach.Info{Format: tc.format, Encrypted: tc.encrypted, Text: tc.text}, got, "(-want +got)")
			assert.Equal(t, tc.encrypted, attach.Encrypted(tc.data))
		})
	}
}

func TestInspectCapsText(t *testing.T) {
	bomb := makeZip(t, member{name: "big.txt", body: strings.Repeat("0", 10<<20)})
	got := attach.Inspect("a.zip", "", bomb, 4096)
	assert.LessOrEqual(t, len(got.Text), 4096+16)
	got = attach.Inspect("a.txt", "text/plain", []byte(strings.Repeat("x", 9000)), 100)
	assert.Len(t, got.Text, 100)
}

func FuzzInspect(f *testing.F) {
	f.Add("a.zip", []byte("PK\x03\x04\x14\x00\x01\x00"))
	f.Add("a.pdf", []byte("%PDF-1.4 /Encrypt 1 0 R"))
	f.Add("a.docx", oleWith("EncryptionInfo", "EncryptedPackage"))
	f.Add("a.docx", makeZip(f, member{name: "[Content_Types].xml", body: "<x/>"}, member{name: "word/document.xml", body: "<w:p><w:t>a</w:t></w:p>"}))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		info := attach.Inspect(name, "", data, 1<<16)
		if len(info.Text) > 1<<16+1<<10 {
			t.Fatalf("text of %d bytes exceeds the cap", len(info.Text))
		}
	})
}
