package detect_test

import (
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/engine/detect"
)

// corpora finds the project's shared third-party test data: ../shared/corpora
// from the repository root, or SENDGUARD_CORPORA when set. Missing data
// fails the test: CI must run it.
func corpora(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("SENDGUARD_CORPORA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "corpora")
	}
	if _, err := os.Stat(filepath.Join(dir, "vectors")); err != nil {
		tb.Fatalf("third-party corpora missing: want %s/vectors (../shared/corpora from the repository root, or set SENDGUARD_CORPORA): %v", dir, err)
	}
	return dir
}

// readTSV reads a tab-separated file with a header row into maps keyed by
// column name. Quotes are not special in these files.
func readTSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err, "the shared corpora are required: %s", path)
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = '\t'
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	header, err := r.Read()
	require.NoError(t, err, path)
	var rows []map[string]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		require.NoError(t, err, path)
		row := map[string]string{}
		for i, h := range header {
			if i < len(rec) {
				row[h] = rec[i]
			}
		}
		rows = append(rows, row)
	}
	require.NotEmpty(t, rows, path)
	return rows
}

func stripSeparators(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '\t':
			return -1
		}
		return r
	}, s)
}

// TestNHSVectors checks every published NHS vector against the modulus-11
// rule: the expected_valid column, except for the rows listed in
// nhs_vectors_disagreements.tsv, where the source disagrees with the rule
// and the rule wins.
func TestNHSVectors(t *testing.T) {
	dir := corpora(t)
	vectors := readTSV(t, filepath.Join(dir, "vectors", "nhs_vectors.tsv"))
	disagreements := readTSV(t, filepath.Join(dir, "vectors", "nhs_vectors_disagreements.tsv"))
	type key struct{ input, source string }
	rule := map[key]bool{}
	for _, row := range disagreements {
		rule[key{row["input_text"], row["source"]}] = row["modulus11_on_string_after_stripping_spaces_dashes"] == "true"
	}
	d := newDetector(t)
	used := map[key]bool{}
	for i, row := range vectors {
		input := row["input_text"]
		want := row["expected_valid"] == "true"
		k := key{input, row["source"]}
		if w, ok := rule[k]; ok {
			want = w
			used[k] = true
		}
		digits := stripSeparators(input)
		assert.Equal(t, want, detect.ValidNHS(digits), "row %d: %q (%s)", i+2, input, row["source"])

		// The scanner finds the same numbers in running text, except
		// those made of one repeated digit, which it ignores on purpose.
		text := "NHS number: " + input + "."
		found := false
		for _, h := range d.Identifiers(text) {
			switch h.Kind {
			case detect.KindNHS, detect.KindCHI, detect.KindHC:
				found = true
				assert.Equal(t, digits, h.Value, "row %d", i+2)
				assert.Equal(t, detect.High, h.Confidence, "row %d", i+2)
			}
		}
		repeated := len(digits) > 0 && strings.Count(digits, digits[:1]) == len(digits)
		assert.Equal(t, want && !repeated, found, "row %d: Identifiers(%q)", i+2, text)
	}
	for k := range rule {
		assert.True(t, used[k], "disagreement %q (%s) matches no row of nhs_vectors.tsv", k.input, k.source)
	}
}
