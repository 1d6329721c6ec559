package mimemsg_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/server/mimemsg"
)

// FuzzTiers is differential: wherever the standard-library tier takes a
// mutated message, enmime must read the same message.
func FuzzTiers(f *testing.F) {
	for _, path := range append(mailFiles(f, "odd-mime"), mailFiles(f, "enron")[:50]...) {
		b, err := os.ReadFile(path)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		std, ok := mimemsg.ParseStdTier(b)
		if !ok {
			return
		}
		enm, err := mimemsg.ParseEnmimeTier(b)
		require.NoError(t, err)
		require.Equal(t, enm.Message, std.Message)
	})
}
