// Package addin holds Sendguard's Outlook add-in: the static pages, the
// bundled scripts that `make addin` writes to dist/, and the WebAssembly
// engine copied under dist/engine/. The server serves Files() under /addin/.
// It imports only the standard library; nothing here may depend on server.
package addin

import (
	"embed"
	"encoding/json"
	"io/fs"
	"sort"
	"strings"
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
