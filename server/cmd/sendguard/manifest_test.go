package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const manifestAppID = "0f3c2a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6"

func TestManifestVerb(t *testing.T) {
	dir := t.TempDir()
	blocker := writeFile(t, filepath.Join(dir, "file"), "not a directory")
	tests := map[string]struct {
		args   []string
		want   int
		stdout string
		stderr string
	}{
		"xml to stdout": {
			args: []string{"manifest", "--base-url", "https://sg.example.org", "--app-id", manifestAppID}, want: 0,
			stdout: `<LaunchEvent Type="OnMessageSend" FunctionName="onMessageSendHandler" SendMode="SoftBlock"/>`,
		},
		"send mode": {
			args: []string{"manifest", "--base-url", "https://sg.example.org", "--app-id", manifestAppID, "--send-mode", "block"}, want: 0,
			stdout: `SendMode="Block"`,
		},
		"every problem at once": {
			args: []string{"manifest", "--base-url", "http://sg.example.org", "--app-id", "x", "--send-mode", "never"}, want: exitUsage,
			stderr: "base URL must use https; app ID must be a GUID",
		},
		"no flags": {
			args: []string{"manifest"}, want: exitUsage, stderr: "base URL is required",
		},
		"stray argument": {
			args: []string{"manifest", "--base-url", "https://sg.example.org", "--app-id", manifestAppID, "out"}, want: exitUsage,
			stderr: `unexpected argument "out"`,
		},
		"unwritable out": {
			args: []string{"manifest", "--base-url", "https://sg.example.org", "--app-id", manifestAppID, "--out", filepath.Join(blocker, "sub")}, want: exitUsage,
			stderr: "cannot create " + filepath.Join(blocker, "sub"),
		},
		"help": {
			args: []string{"manifest", "-h"}, want: 0, stderr: "usage: sendguard manifest --base-url https://host --app-id GUID",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := sendguard(t, nil, tc.args...)
			assert.Equal(t, tc.want, code, stderr)
			assert.Contains(t, stdout, tc.stdout)
			assert.Contains(t, stderr, tc.stderr)
			if tc.want != 0 {
				assert.Empty(t, stdout)
			}
		})
	}
}

func TestManifestVerbOut(t *testing.T) {
	out := filepath.Join(t.TempDir(), "package")
	code, stdout, stderr := sendguard(t, nil, "manifest", "--base-url", "https://sg.example.org/", "--app-id", manifestAppID, "--out", out)
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stdout)
	for _, name := range []string{"manifest.xml", "manifest.json", "color.png", "outline.png"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		require.NoError(t, err, name)
		assert.NotEmpty(t, b, name)
		assert.Contains(t, stderr, "wrote "+filepath.Join(out, name))
	}
	b, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	require.NoError(t, err)
	var m struct {
		ID    string
		Icons struct{ Color, Outline string }
	}
	require.NoError(t, json.Unmarshal(b, &m))
	assert.Equal(t, manifestAppID, m.ID)
	assert.Equal(t, "color.png", m.Icons.Color)
	xml, err := os.ReadFile(filepath.Join(out, "manifest.xml"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(xml), "<?xml"))
}
