package detect_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/engine/detect"

	"github.com/sendguard/sendguard/internal/cputime"
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
	cpu := cputime.Process()
	for b.Loop() {
		d.Identifiers(text)
	}
	cputime.Report(b, cpu, int64(len(text)))
}

func BenchmarkIdentifiers1MB(b *testing.B) {
	d := newDetector(b)
	text := repeatTo(letter(b), 1<<20)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	cpu := cputime.Process()
	for b.Loop() {
		d.Identifiers(text)
	}
	cputime.Report(b, cpu, int64(len(text)))
}

// BenchmarkIdentifiersEnron1MB scans real mail (headers, forwarded chains,
// tables of figures): many more digits than a letter.
func BenchmarkIdentifiersEnron1MB(b *testing.B) {
	d := newDetector(b)
	files, err := filepath.Glob(filepath.Join(corpora(b), "mail", "enron", "*.eml"))
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
	cpu := cputime.Process()
	for b.Loop() {
		d.Identifiers(text)
	}
	cputime.Report(b, cpu, int64(len(text)))
}

func BenchmarkSpecialCategories2KB(b *testing.B) {
	d := newDetector(b)
	text := letter(b)
	require.NotEmpty(b, d.SpecialCategories(text))
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	cpu := cputime.Process()
	for b.Loop() {
		d.SpecialCategories(text)
	}
	cputime.Report(b, cpu, int64(len(text)))
}

func BenchmarkSpecialCategories1MB(b *testing.B) {
	d := newDetector(b)
	text := repeatTo(letter(b), 1<<20)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	cpu := cputime.Process()
	for b.Loop() {
		d.SpecialCategories(text)
	}
	cputime.Report(b, cpu, int64(len(text)))
}

// BenchmarkIdentifiersDates1MB is ward notes with a bare date and an
// extension number on every line: every date costs a look for DOB context.
func BenchmarkIdentifiersDates1MB(b *testing.B) {
	d := newDetector(b)
	text := repeatTo("The patient was reviewed on the ward round; observations stable, plan to continue current treatment and review on 14/03/2026. Call ext 4512 with questions.\n", 1<<20)
	require.Empty(b, d.Identifiers(text))
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	cpu := cputime.Process()
	for b.Loop() {
		d.Identifiers(text)
	}
	cputime.Report(b, cpu, int64(len(text)))
}

// defaultPolicyDetector compiles the lexicons of the engine's embedded
// default policy: hundreds of terms, the load the engine really puts on the
// term sets.
func defaultPolicyDetector(b *testing.B) *detect.Detector {
	b.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "policy", "default.json"))
	require.NoError(b, err)
	var p struct {
		Lexicons struct {
			SpecialCategory   map[string][]string `json:"specialCategory"`
			IdentifierContext []string            `json:"identifierContext"`
			PhoneContext      []string            `json:"phoneContext"`
			Marketing         []string            `json:"marketing"`
			OptOut            []string            `json:"optOut"`
		} `json:"lexicons"`
	}
	require.NoError(b, json.Unmarshal(raw, &p))
	d, err := detect.Compile(detect.Config{
		IdentifierContext: p.Lexicons.IdentifierContext, PhoneContext: p.Lexicons.PhoneContext,
		SpecialCategory: p.Lexicons.SpecialCategory, Marketing: p.Lexicons.Marketing, OptOut: p.Lexicons.OptOut,
	})
	require.NoError(b, err)
	return d
}

func BenchmarkSpecialCategoriesDefaultPolicy2KB(b *testing.B) {
	d := defaultPolicyDetector(b)
	text := letter(b)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	cpu := cputime.Process()
	for b.Loop() {
		d.SpecialCategories(text)
	}
	cputime.Report(b, cpu, int64(len(text)))
}

func BenchmarkIdentifiersDefaultPolicy2KB(b *testing.B) {
	d := defaultPolicyDetector(b)
	text := letter(b)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	cpu := cputime.Process()
	for b.Loop() {
		d.Identifiers(text)
	}
	cputime.Report(b, cpu, int64(len(text)))
}

// BenchmarkTermsDefaultPolicy2KB is the one-pass scan for all three lists,
// against BenchmarkSpecialCategoriesDefaultPolicy2KB for one.
func BenchmarkTermsDefaultPolicy2KB(b *testing.B) {
	d := defaultPolicyDetector(b)
	text := letter(b)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	cpu := cputime.Process()
	for b.Loop() {
		d.Terms(text)
	}
	cputime.Report(b, cpu, int64(len(text)))
}
