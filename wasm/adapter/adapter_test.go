package adapter_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/engine/checkjson"
	"github.com/sendguard/sendguard/wasm/adapter"

	"github.com/sendguard/sendguard/internal/cputime"
)

// These tests run natively (go test ./...) and compiled to WebAssembly
// (make test-wasm: GOOS=js GOARCH=wasm go test ./wasm/adapter/...), so the
// adapter's contract is checked on the target it ships to.

const casesDir = "../../engine/testdata/cases"

func newModule(t testing.TB) *adapter.Module {
	t.Helper()
	m, err := adapter.New()
	require.NoError(t, err)
	return m
}

// errorOf parses an error envelope, failing the test when s is not one.
func errorOf(t *testing.T, s string) (code, message string) {
	t.Helper()
	var env struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal([]byte(s), &env), s)
	require.NotNil(t, env.Error, "not an error envelope: %s", s)
	return env.Error.Code, env.Error.Message
}

func TestCheckBadInput(t *testing.T) {
	m := newModule(t)
	tests := map[string]string{
		"empty":                  "",
		"whitespace":             " \n\t",
		"not JSON":               "{nope",
		"truncated":              `{"message":{"subject":"`,
		"array":                  `[]`,
		"wrong type":             `{"message":{"toRecipients":"x@y.z"}}`,
		"trailing data":          `{"message":{}} {}`,
		"deep nesting":           strings.Repeat("[", 20000),
		"base64 that is not":     `{"message":{"attachments":[{"name":"a.pdf","contentBytes":"!!!"}]}}`,
		"number where object is": `{"message":1}`,
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			code, msg := errorOf(t, m.Check(in))
			assert.Equal(t, "invalid", code)
			assert.NotEmpty(t, msg)
		})
	}
}

func TestErrorsNeverEchoInput(t *testing.T) {
	m := newModule(t)
	_, msg := errorOf(t, m.Check(`{"message":{"subject":"943 476 5919","toRecipients":"patient@example.com"}}`))
	assert.NotContains(t, msg, "5919")
	assert.NotContains(t, msg, "patient@example.com")
}

// TestCheckMatchesGoldenVerdicts replays the conformance corpus through the
// adapter: under GOOS=js this is parity at the Go level, and the node
// parity test covers the JavaScript boundary on top.
func TestCheckMatchesGoldenVerdicts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(casesDir, "*.json"))
	require.NoError(t, err)
	m := newModule(t)
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".verdict.json") {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		n++
		t.Run(name, func(t *testing.T) {
			var c struct {
				Request json.RawMessage `json:"request"`
				Policy  json.RawMessage `json:"policy"`
			}
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(data, &c))
			want, err := os.ReadFile(strings.TrimSuffix(f, ".json") + ".verdict.json")
			require.NoError(t, err)
			if len(c.Policy) > 0 {
				require.Equal(t, "", m.SetPolicy(string(c.Policy)))
				defer func() { require.Equal(t, "", m.SetPolicy("")) }()
			}
			assert.Equal(t, string(want), m.Check(string(c.Request)))
		})
	}
	require.Positive(t, n, "no cases in %s", casesDir)
}

func TestSetPolicy(t *testing.T) {
	def := engine.DefaultPolicy()
	tenant := def
	tenant.ID = "tenant-a"
	tenantJSON, err := json.Marshal(tenant)
	require.NoError(t, err)

	tests := map[string]struct {
		policy   string
		wantCode string // "" means accepted
		wantID   string // policy id in force afterwards
		mention  string // the error must name this field
	}{
		"complete tenant policy": {policy: string(tenantJSON), wantID: "tenant-a"},
		"short override":         {policy: `{"id":"tenant-b","auditOnly":true}`, wantID: "tenant-b"},
		"empty restores default": {policy: "", wantID: def.ID},
		"malformed":              {policy: `{"id":`, wantCode: "invalid", wantID: def.ID},
		"unknown field":          {policy: `{"id":"x","colour":"red"}`, wantCode: "invalid", wantID: def.ID, mention: "colour"},
		"empty id":               {policy: `{"id":""}`, wantCode: "invalid", wantID: def.ID, mention: "id"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m := newModule(t)
			got := m.SetPolicy(tc.policy)
			if tc.wantCode == "" {
				assert.Equal(t, "", got)
			} else {
				code, msg := errorOf(t, got)
				assert.Equal(t, tc.wantCode, code)
				assert.Contains(t, msg, tc.mention)
			}
			var v engine.Verdict
			require.NoError(t, json.Unmarshal([]byte(m.Check(`{"message":{}}`)), &v))
			assert.Equal(t, tc.wantID, v.Policy.ID)
		})
	}
}

// FuzzCheck: whatever the input, Check answers valid JSON (a verdict or an
// error envelope) and never panics.
func FuzzCheck(f *testing.F) {
	typical, err := os.ReadFile("../testdata/typical-request.json")
	require.NoError(f, err)
	for _, s := range []string{"", "{}", `{"message":{}}`, string(typical), `{"message":{"body":{"contentType":"html","content":"<p\xff>"}}}`} {
		f.Add(s)
	}
	m := newModule(f)
	f.Fuzz(func(t *testing.T, in string) {
		out := m.Check(in)
		require.True(t, json.Valid([]byte(out)), "invalid JSON out: %q", out)
	})
}

// FuzzSetPolicy: hostile policy documents are rejected with an envelope or
// accepted; either way nothing panics and checks still answer.
func FuzzSetPolicy(f *testing.F) {
	for _, s := range []string{"", "{}", `{"id":"x"}`, `{"id":"x","rules":{"new-recipient":{"severity":"explode"}}}`, `{"thresholds":{"contextWindow":-1}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		m := newModule(t)
		if out := m.SetPolicy(in); out != "" {
			require.True(t, json.Valid([]byte(out)), "invalid JSON out: %q", out)
		}
		require.True(t, json.Valid([]byte(m.Check(`{"message":{}}`))))
	})
}

// BenchmarkCheckTypicalJSON is the native baseline for the WebAssembly
// benchmark (make bench-wasm): the same typical request, JSON in and out,
// as the browser module does it.
func BenchmarkCheckTypicalJSON(b *testing.B) {
	req, err := os.ReadFile("../testdata/typical-request.json")
	require.NoError(b, err)
	eng, err := engine.New(engine.DefaultPolicy())
	require.NoError(b, err)
	b.ReportAllocs()
	start := int64(cputime.Process())
	for b.Loop() {
		if _, aerr := checkjson.Check(eng, req); aerr != nil {
			b.Fatal(aerr)
		}
	}
	if cpu := int64(cputime.Process()) - start; cpu > 0 {
		b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
	}
}

// TestConcurrentSetPolicyAndCheck backs the doc comment's promise: a check
// sees one whole policy or the other, never a mix (run with -race).
func TestConcurrentSetPolicyAndCheck(t *testing.T) {
	m := newModule(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 200; i++ {
			if i%2 == 0 {
				assert.Equal(t, "", m.SetPolicy(`{"id":"tenant-a"}`))
			} else {
				assert.Equal(t, "", m.SetPolicy(""))
			}
		}
	}()
	def := engine.DefaultPolicy().ID
	for i := 0; i < 200; i++ {
		var v engine.Verdict
		require.NoError(t, json.Unmarshal([]byte(m.Check(`{"message":{}}`)), &v))
		assert.Contains(t, []string{"tenant-a", def}, v.Policy.ID)
	}
	<-done
}
