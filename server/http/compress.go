package http

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// compressible are the add-in's file types worth compressing. The engine
// module is megabytes of WebAssembly that Outlook must fetch inside its
// five-second budget on a cold start, where brotli saves about 80%.
var compressible = map[string]bool{
	".wasm": true, ".js": true, ".mjs": true, ".html": true, ".css": true,
	".json": true, ".svg": true, ".xml": true, ".txt": true, ".map": true,
}

// compressedFiles compresses each embedded file once per encoding and
// keeps the result: the files never change while the process runs.
type compressedFiles struct {
	fsys  fs.FS
	cache sync.Map // "br:name" / "gzip:name" -> []byte
	mu    sync.Mutex
}

// pickEncoding chooses br or gzip from Accept-Encoding, "" for neither.
// q-values are honoured only as far as q=0 meaning "not this one".
func pickEncoding(accept string) string {
	var br, gz bool
	for _, part := range strings.Split(accept, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.ReplaceAll(strings.TrimSpace(params), " ", "") == "q=0" {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "br":
			br = true
		case "gzip":
			gz = true
		}
	}
	switch {
	case br:
		return "br"
	case gz:
		return "gzip"
	}
	return ""
}

// get returns the file compressed with enc, or nil when it should be
// served as is (not compressible, or compression does not pay).
func (c *compressedFiles) get(name, enc string) []byte {
	if enc == "" || !compressible[path.Ext(name)] {
		return nil
	}
	key := enc + ":" + name
	if v, ok := c.cache.Load(key); ok {
		return v.([]byte)
	}
	// One compression at a time: a cold start's burst of requests for the
	// same module should not compress it once per request.
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.cache.Load(key); ok {
		return v.([]byte)
	}
	raw, err := fs.ReadFile(c.fsys, name)
	if err != nil {
		return nil
	}
	var buf bytes.Buffer
	switch enc {
	case "br":
		w := brotli.NewWriterLevel(&buf, 9)
		_, _ = w.Write(raw)
		_ = w.Close()
	case "gzip":
		w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = w.Write(raw)
		_ = w.Close()
	}
	out := buf.Bytes()
	if len(out) >= len(raw) {
		out = []byte{} // not worth it; remember that
	}
	c.cache.Store(key, out)
	return out
}
