package detect_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// letter is a realistic 2 KB clinical letter with a few identifiers (NHS
// test-range number, DOB, postcode, phone numbers).
func letter(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "letter.txt"))
	require.NoError(t, err)
	return string(b)
}

// repeatTo repeats s until it is at least n bytes long.
func repeatTo(s string, n int) string {
	return strings.Repeat(s, n/len(s)+1)[:n]
}

func BenchmarkIdentifiers2KB(b *testing.B) {
	d := newDetector(b)
	text := letter(b)
	require.Len(b, d.Identifiers(text), 3) // DOB, NHS (test range), postcode
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		d.Identifiers(text)
	}
}

func BenchmarkIdentifiers1MB(b *testing.B) {
	d := newDetector(b)
	text := repeatTo(letter(b), 1<<20)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		d.Identifiers(text)
	}
}

// BenchmarkIdentifiersEnron1MB scans real mail (headers, forwarded chains,
// tables of figures): many more digits than a letter.
func BenchmarkIdentifiersEnron1MB(b *testing.B) {
	d := newDetector(b)
	files, err := filepath.Glob(filepath.Join(corpora, "mail", "enron", "*.eml"))
	require.NoError(b, err)
	require.NotEmpty(b, files, "the shared corpora are required")
	var sb strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(b, err)
		sb.Write(data)
		if sb.Len() >= 1<<20 {
			break
		}
	}
	text := repeatTo(sb.String(), 1<<20)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		d.Identifiers(text)
	}
}

func BenchmarkSpecialCategories2KB(b *testing.B) {
	d := newDetector(b)
	text := letter(b)
	require.NotEmpty(b, d.SpecialCategories(text))
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		d.SpecialCategories(text)
	}
}

func BenchmarkSpecialCategories1MB(b *testing.B) {
	d := newDetector(b)
	text := repeatTo(letter(b), 1<<20)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		d.SpecialCategories(text)
	}
}
