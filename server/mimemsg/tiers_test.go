package mimemsg_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/server/mimemsg"
)

// warningsDiffer lists the files where only the warnings differ, and why.
var warningsDiffer = map[string]string{
	"testdata__low-quality__unk-charset-html-only.eml": "enmime's envelope also tries the HTML's <meta charset> and warns that it is unknown; the text is the same",
}

// TestTiersAgree: wherever the standard-library tier takes a message, it
// must give exactly what enmime gives, so the fast path is only faster.
func TestTiersAgree(t *testing.T) {
	samples, err := filepath.Glob(filepath.Join("..", "cmd", "sendguard", "testdata", "samples", "*.eml"))
	require.NoError(t, err)
	require.NotEmpty(t, samples)
	sets := map[string][]string{
		"enron":    mailFiles(t, "enron"),
		"odd-mime": mailFiles(t, "odd-mime"),
		"samples":  samples,
	}
	for name, files := range sets {
		t.Run(name, func(t *testing.T) {
			taken := 0
			for _, path := range files {
				b, err := os.ReadFile(path)
				require.NoError(t, err)
				std, ok := mimemsg.ParseStdTier(b)
				if !ok {
					continue
				}
				taken++
				enm, err := mimemsg.ParseEnmimeTier(b)
				require.NoError(t, err, path)
				if _, ok := warningsDiffer[filepath.Base(path)]; ok {
					assert.Equal(t, enm.Message, std.Message, filepath.Base(path))
					continue
				}
				assert.Equal(t, enm, std, filepath.Base(path))
			}
			t.Logf("%s: standard tier took %d of %d", name, taken, len(files))
			if name != "odd-mime" {
				assert.Greater(t, taken, len(files)*9/10, "well-formed mail takes the fast tier")
			}
		})
	}
}
