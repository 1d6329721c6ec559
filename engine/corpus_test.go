package engine_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/engine/checkjson"
)

var update = flag.Bool("update", false, "rewrite testdata/cases/<name>.verdict.json from the engine's output")

// loadedCase is a case file as every runner reads it: the request stays raw
// JSON so that it goes through checkjson exactly as it does on the wire.
type loadedCase struct {
	Description      string          `json:"description"`
	FalsePositiveFor string          `json:"falsePositiveFor"`
	Policy           json.RawMessage `json:"policy"`
	Request          json.RawMessage `json:"request"`
	Expect           caseExpect      `json:"expect"`
}

func loadCorpus(t testing.TB) map[string]loadedCase {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "cases", "*.json"))
	require.NoError(t, err)
	out := map[string]loadedCase{}
	for _, p := range paths {
		if strings.HasSuffix(p, ".verdict.json") {
			continue
		}
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		var c loadedCase
		require.NoError(t, json.Unmarshal(b, &c), p)
		out[strings.TrimSuffix(filepath.Base(p), ".json")] = c
	}
	return out
}

// engineFor compiles the case's policy, or the default.
func engineFor(t testing.TB, raw json.RawMessage) *engine.Engine {
	t.Helper()
	p := engine.DefaultPolicy()
	if len(raw) > 0 {
		var err error
		p, err = engine.ParsePolicy(raw)
		require.NoError(t, err)
	}
	e, err := engine.New(p)
	require.NoError(t, err)
	return e
}

// TestCorpus runs every case natively and compares the verdict's bytes with
// the golden file, and, independently of the golden file, the case's
// expected action, classification and rules: a regenerated golden file
// cannot bless a wrong verdict.
func TestCorpus(t *testing.T) {
	cases := loadCorpus(t)
	require.GreaterOrEqual(t, len(cases), 60, "the corpus needs at least 60 cases")
	for _, name := range sortedNames(cases) {
		c := cases[name]
		t.Run(name, func(t *testing.T) {
			e := engineFor(t, c.Policy)
			got, aerr := checkjson.Check(e, c.Request)
			require.Nil(t, aerr)

			var v engine.Verdict
			require.NoError(t, json.Unmarshal(got, &v))
			rules := []string{}
			for _, f := range v.Findings {
				rules = append(rules, f.Rule)
			}
			assert.Equal(t, c.Expect, caseExpect{v.Action, v.Classification, rules}, "expect block of %s (-want +got)", name)
			if c.FalsePositiveFor != "" {
				assert.NotContains(t, rules, c.FalsePositiveFor)
			}
			assert.NotContains(t, string(got), "9434765919", "evidence must be masked")
			assert.NotContains(t, string(got), "943 476 5919", "evidence must be masked")

			golden := filepath.Join("testdata", "cases", name+".verdict.json")
			if *update {
				require.NoError(t, os.WriteFile(golden, got, 0o644))
				return
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run: go test ./engine -run TestCorpus -update")
			if !bytes.Equal(want, got) {
				t.Errorf("verdict differs from %s at byte %d (-want +got):\n-%s\n+%s\nIf the change is intended: go test ./engine -run TestCorpus -update, then review the diff.",
					golden, firstDiff(want, got), around(want, firstDiff(want, got)), around(got, firstDiff(want, got)))
			}
		})
	}
}

// TestCorpusCoversEveryRule: each rule has at least one case where it fires
// and one named false positive where it must not.
func TestCorpusCoversEveryRule(t *testing.T) {
	cases := loadCorpus(t)
	fires, silent := map[string]int{}, map[string]int{}
	for _, c := range cases {
		for _, r := range c.Expect.Rules {
			fires[r]++
		}
		if c.FalsePositiveFor != "" {
			silent[c.FalsePositiveFor]++
		}
	}
	for _, id := range engine.RuleIDs() {
		assert.Positive(t, fires[id], "no true-positive case for %s", id)
		assert.Positive(t, silent[id], "no false-positive case for %s", id)
	}
}

// TestCorpusDeterministic: the same request twice gives the same bytes
// (map iteration, sorting and caching must not leak into verdicts).
func TestCorpusDeterministic(t *testing.T) {
	for name, c := range loadCorpus(t) {
		e := engineFor(t, c.Policy)
		a, _ := checkjson.Check(e, c.Request)
		b, _ := checkjson.Check(e, c.Request)
		require.True(t, bytes.Equal(a, b), name)
	}
}

func firstDiff(a, b []byte) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// around shows the bytes near a difference, not the whole verdict.
func around(b []byte, i int) string {
	lo, hi := max(0, i-60), min(len(b), i+60)
	return "…" + string(b[lo:hi]) + "…"
}
