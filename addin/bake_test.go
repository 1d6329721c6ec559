package addin

import (
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBakeWritesTheBaseURLIntoTheHandlerScript(t *testing.T) {
	src := fstest.MapFS{
		HandlerScript:   {Data: []byte(`var b="` + BaseURLPlaceholder + `";`)},
		"commands.html": {Data: []byte("<html></html>")},
	}
	for _, tc := range []struct{ name, base, want string }{
		{"origin", "https://sg.example/", `var b="https://sg.example";`},
		{"path prefix", "https://sg.example/t1", `var b="https://sg.example/t1";`},
		{"quotes and separators are escaped", "https://sg.example/a\"b\u2028", `var b="https://sg.example/a\"b\u2028";`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := bake(src, tc.base)
			b, err := fs.ReadFile(files, HandlerScript)
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(b))
			st, err := fs.Stat(files, HandlerScript)
			require.NoError(t, err)
			assert.Equal(t, int64(len(b)), st.Size())
			other, err := fs.ReadFile(files, "commands.html")
			require.NoError(t, err)
			assert.Equal(t, "<html></html>", string(other))
			ents, err := fs.ReadDir(files, ".")
			require.NoError(t, err)
			assert.Len(t, ents, 2)
		})
	}
}
