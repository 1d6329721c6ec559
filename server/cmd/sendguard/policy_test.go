package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/engine"
)

func TestPolicyVerb(t *testing.T) {
	dir := t.TempDir()
	_, def, _ := sendguard(t, nil, "policy", "default")
	valid := writeFile(t, filepath.Join(dir, "valid.json"), strings.Replace(def, `"id": "default"`, `"id": "riverside"`, 1))
	invalid := writeFile(t, filepath.Join(dir, "invalid.json"), `{"id": ""}`)
	malformed := writeFile(t, filepath.Join(dir, "malformed.json"), `{"id": "x",`)
	unknown := writeFile(t, filepath.Join(dir, "unknown.json"), `{"id": "x", "colour": "red"}`)
	tests := map[string]struct {
		args   []string
		want   int
		stdout string
		stderr string
	}{
		"valid policy": {
			args: []string{"policy", "validate", valid}, want: 0, stdout: "ok: riverside version ",
		},
		"invalid field is named with the file": {
			args: []string{"policy", "validate", invalid}, want: exitUsage, stderr: invalid + ": id: ",
		},
		"malformed JSON": {
			args: []string{"policy", "validate", malformed}, want: exitUsage, stderr: malformed + ": ",
		},
		"unknown field": {
			args: []string{"policy", "validate", unknown}, want: exitUsage, stderr: "colour",
		},
		"missing file": {
			args: []string{"policy", "validate", filepath.Join(dir, "nope.json")}, want: exitUsage, stderr: "nope.json: no such file or directory",
		},
		"validate without a file": {
			args: []string{"policy", "validate"}, want: exitUsage, stderr: "usage:",
		},
		"no subcommand": {
			args: []string{"policy"}, want: exitUsage, stderr: "usage:",
		},
		"unknown subcommand": {
			args: []string{"policy", "frobnicate"}, want: exitUsage, stderr: `unknown subcommand "frobnicate"`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := sendguard(t, nil, tc.args...)
			assert.Equal(t, tc.want, code, "stdout %q stderr %q", stdout, stderr)
			assert.True(t, strings.HasPrefix(stdout, tc.stdout), "stdout %q", stdout)
			assert.Contains(t, stderr, tc.stderr)
			if tc.want != 0 {
				assert.Empty(t, stdout)
			}
		})
	}
}

// TestPolicyDefaultRoundTrips: what `policy default` prints is a policy
// that `policy validate` and --policy accept, equal to the built-in one.
func TestPolicyDefaultRoundTrips(t *testing.T) {
	code, stdout, stderr := sendguard(t, nil, "policy", "default")
	require.Equal(t, 0, code, stderr)
	p, err := engine.ParsePolicy([]byte(stdout))
	require.NoError(t, err)
	assert.Equal(t, engine.DefaultPolicy(), p)

	path := writeFile(t, filepath.Join(t.TempDir(), "default.json"), stdout)
	code, out, stderr := sendguard(t, nil, "policy", "validate", path)
	assert.Equal(t, 0, code, stderr)
	assert.True(t, strings.HasPrefix(out, "ok: "+p.ID+" version "), out)
	code, _, stderr = sendguard(t, nil, "check", "--policy", path, sample("internal-rota.eml"))
	assert.Equal(t, exitAllow, code, stderr)
}
