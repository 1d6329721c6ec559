package addin_test

import (
	"encoding/json"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/addin"
)

func TestAllowedJSON(t *testing.T) {
	for _, tc := range []struct{ name, base, want string }{
		{"origin", "https://sg.example", "https://sg.example/addin/launchevent.js"},
		{"trailing slash", "https://sg.example/", "https://sg.example/addin/launchevent.js"},
		{"path prefix", "https://sg.example/t1", "https://sg.example/t1/addin/launchevent.js"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var doc struct {
				Allowed []string `json:"allowed"`
			}
			require.NoError(t, json.Unmarshal(addin.AllowedJSON(tc.base), &doc))
			assert.Equal(t, []string{tc.want}, doc.Allowed)
		})
	}
}

func TestFilesServesPagesAndHidesDotFiles(t *testing.T) {
	files := addin.Files()
	for _, name := range []string{"commands.html", "taskpane.html", "taskpane.css", "help.html", "assets/icon-16.png", "assets/icon-32.png", "assets/icon-80.png", "assets/color.png", "assets/outline.png"} {
		t.Run(name, func(t *testing.T) {
			b, err := fs.ReadFile(files, name)
			require.NoError(t, err)
			assert.NotEmpty(t, b)
		})
	}
	_, err := fs.Stat(files, ".keep")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	// Test pages never ship: the end-to-end tests bring their own Office.
	_, err = fs.Stat(files, "test")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	// WalkDir over the union sees each file once.
	seen := map[string]int{}
	require.NoError(t, fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		seen[p]++
		return nil
	}))
	for p, n := range seen {
		assert.Equal(t, 1, n, p)
	}
}
