// Package addin holds Sendguard's Outlook add-in: the static pages, the
// bundled scripts that `make addin` writes to dist/, and the WebAssembly
// engine copied under dist/engine/. The server serves Files() under /addin/.
// It imports only the standard library; nothing here may depend on server.
package addin

import (
	"bytes"
	"embed"
	"encoding/json"
	"io"
	"io/fs"
	"sort"
	"strings"
	"time"
)

// web holds the hand-written pages, styles and icons. dist holds what the
// build writes; all: keeps dist/.keep so an unbuilt tree still compiles.
//
//go:embed web
var web embed.FS

//go:embed all:dist
var dist embed.FS

// HandlerScript is the path, relative to the add-in's base, of the bundled
// event handler that classic Outlook on Windows runs in its JavaScript-only
// runtime (the manifest's JavaScript override).
const HandlerScript = "launchevent.js"

// Files returns the add-in's servable files: the built bundles in dist/
// layered over the static sources in web/. Hidden files (.keep) are left out.
func Files() fs.FS {
	w, _ := fs.Sub(web, "web")
	d, _ := fs.Sub(dist, "dist")
	return layered{top: d, bottom: w}
}

// BaseURLPlaceholder is the string in the built handler script that
// FilesFor replaces with the server's public base URL. Classic Outlook's
// JavaScript-only runtime has no page location, and before Mailbox 1.14 no
// Office.context.urls either, so the script cannot otherwise find its server.
const BaseURLPlaceholder = "__SENDGUARD_BASE_URL__"

// FilesFor is Files with the handler script told its server's public base
// URL (the same base the manifest and AllowedJSON are rendered for). Serve
// this rather than Files when the base URL is known.
func FilesFor(baseURL string) fs.FS {
	return bake(Files(), baseURL)
}

// bake wraps fsys so that opening HandlerScript yields it with the base
// URL in place of BaseURLPlaceholder.
func bake(fsys fs.FS, baseURL string) fs.FS {
	return baked{FS: fsys, base: strings.TrimRight(baseURL, "/")}
}

// baked substitutes the base URL into the handler script on open.
type baked struct {
	fs.FS
	base string
}

func (b baked) Open(name string) (fs.File, error) {
	f, err := b.FS.Open(name)
	if err != nil || name != HandlerScript {
		return f, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	src, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	// JSON string escaping keeps a hostile base URL from breaking out of
	// the script's string literal; the placeholder sits inside quotes.
	q, _ := json.Marshal(b.base)
	out := bytes.ReplaceAll(src, []byte(BaseURLPlaceholder), q[1:len(q)-1])
	return &memFile{name: st.Name(), mod: st.ModTime(), r: bytes.NewReader(out), size: int64(len(out))}, nil
}

func (b baked) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(b.FS, name) }

// memFile is an opened in-memory file.
type memFile struct {
	name string
	mod  time.Time
	size int64
	r    *bytes.Reader
}

func (m *memFile) Stat() (fs.FileInfo, error) { return m, nil }
func (m *memFile) Read(p []byte) (int, error) { return m.r.Read(p) }
func (m *memFile) Seek(off int64, whence int) (int64, error) {
	return m.r.Seek(off, whence)
}
func (m *memFile) Close() error       { return nil }
func (m *memFile) Name() string       { return m.name }
func (m *memFile) Size() int64        { return m.size }
func (m *memFile) Mode() fs.FileMode  { return 0o444 }
func (m *memFile) ModTime() time.Time { return m.mod }
func (m *memFile) IsDir() bool        { return false }
func (m *memFile) Sys() any           { return nil }

// Built reports whether `make addin` has run: the handler bundle exists.
func Built() bool {
	_, err := fs.Stat(Files(), HandlerScript)
	return err == nil
}

// AllowedJSON renders /.well-known/microsoft-officeaddins-allowed.json for
// baseURL (the public origin plus any path prefix the server is mounted
// under, without the /addin suffix). Classic Outlook on Windows reads this
// file at the origin before it lets the JavaScript-only runtime of an event
// handler make CORS requests or get SSO tokens, so it must list the exact
// script URL the manifest names.
func AllowedJSON(baseURL string) []byte {
	doc := struct {
		Allowed []string `json:"allowed"`
	}{Allowed: []string{ScriptURL(baseURL)}}
	b, _ := json.MarshalIndent(doc, "", "  ")
	return append(b, '\n')
}

// ScriptURL is the absolute URL of the handler script under baseURL. The
// manifest renderer and AllowedJSON share it so the two cannot drift.
func ScriptURL(baseURL string) string {
	return strings.TrimRight(baseURL, "/") + "/addin/" + HandlerScript
}

// layered is a read-only union of two file systems: top wins on conflicts.
type layered struct{ top, bottom fs.FS }

func (l layered) Open(name string) (fs.File, error) {
	if hidden(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if st, err := fs.Stat(l.top, name); err == nil && !st.IsDir() {
		return l.top.Open(name)
	}
	if f, err := l.bottom.Open(name); err == nil {
		return f, nil
	}
	return l.top.Open(name)
}

// ReadDir merges both layers so fs.WalkDir and http.FS directory listings
// see every file once.
func (l layered) ReadDir(name string) ([]fs.DirEntry, error) {
	seen := map[string]fs.DirEntry{}
	var firstErr error
	found := false
	for _, f := range []fs.FS{l.bottom, l.top} {
		ents, err := fs.ReadDir(f, name)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		found = true
		for _, e := range ents {
			if !hidden(e.Name()) {
				seen[e.Name()] = e
			}
		}
	}
	if !found {
		return nil, firstErr
	}
	out := make([]fs.DirEntry, 0, len(seen))
	for _, e := range seen {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

// hidden reports whether any element of name starts with a dot.
func hidden(name string) bool {
	for _, part := range strings.Split(name, "/") {
		if strings.HasPrefix(part, ".") && part != "." {
			return true
		}
	}
	return false
}

var _ fs.ReadDirFS = layered{}
