package textextract_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/engine/textextract"

	"github.com/sendguard/sendguard/internal/cputime"
)

// htmlLetter is the detect package's 2 KB clinical letter as Outlook-style
// HTML: a head with a style sheet, paragraphs, spans, entities.
func htmlLetter(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("../detect/testdata/letter.txt")
	require.NoError(t, err)
	var sb strings.Builder
	sb.WriteString(`<html><head><meta charset="utf-8"><style>p.MsoNormal{margin:0cm;font-size:11pt;font-family:"Calibri",sans-serif}</style></head><body lang="EN-GB">`)
	for _, para := range strings.Split(string(b), "\n\n") {
		sb.WriteString(`<p class="MsoNormal"><span style="font-size:11.0pt">`)
		para = strings.ReplaceAll(para, "&", "&amp;")
		para = strings.ReplaceAll(para, "\n", "<br>\n")
		para = strings.ReplaceAll(para, "  ", "&nbsp; ")
		sb.WriteString(para)
		sb.WriteString("<o:p></o:p></span></p>\n")
	}
	sb.WriteString("</body></html>")
	return sb.String()
}

func BenchmarkHTML2KB(b *testing.B) {
	in := htmlLetter(b)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	cpu := cputime.Process()
	for b.Loop() {
		textextract.HTML(in)
	}
	cputime.Report(b, cpu, int64(len(in)))
}

func BenchmarkHTML1MB(b *testing.B) {
	one := htmlLetter(b)
	in := strings.Repeat(one, (1<<20)/len(one)+1)[:1<<20]
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	cpu := cputime.Process()
	for b.Loop() {
		textextract.HTML(in)
	}
	cputime.Report(b, cpu, int64(len(in)))
}

func BenchmarkPlain1MB(b *testing.B) {
	in := strings.Repeat("Plain text – with a dash\r\n", (1<<20)/27+1)[:1<<20]
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	cpu := cputime.Process()
	for b.Loop() {
		textextract.Plain(in)
	}
	cputime.Report(b, cpu, int64(len(in)))
}
