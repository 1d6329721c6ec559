package engine_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/sendguard/sendguard"

type goPackage struct {
	ImportPath string
	Standard   bool
	Imports    []string
	Deps       []string
}

// listPackages runs `go list -json` with the given environment additions.
func listPackages(t *testing.T, env []string, patterns ...string) []goPackage {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-e", "-json=ImportPath,Standard,Imports,Deps"}, patterns...)...)
	cmd.Dir = ".."
	cmd.Env = append(cmd.Environ(), env...)
	out, err := cmd.Output()
	require.NoError(t, err, "go list %v", patterns)
	var pkgs []goPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p goPackage
		require.NoError(t, dec.Decode(&p))
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// isStd reports whether an import path is in the standard library: its
// first element has no dot.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// TestDependencyDirection enforces the architecture: engine imports only
// the standard library (it is compiled to WebAssembly), wasm imports only
// engine and syscall/js or syumai/workers, and nothing imports server.
func TestDependencyDirection(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module")
	}
	t.Run("engine is standard library only", func(t *testing.T) {
		for _, p := range listPackages(t, nil, "./engine/...") {
			for _, d := range p.Deps {
				if isStd(d) || strings.HasPrefix(d, module+"/engine") {
					continue
				}
				t.Errorf("%s depends on %s", p.ImportPath, d)
			}
		}
	})
	t.Run("wasm imports only engine and the Worker runtime", func(t *testing.T) {
		for _, p := range listPackages(t, []string{"GOOS=js", "GOARCH=wasm"}, "./wasm/...") {
			for _, d := range p.Deps {
				switch {
				case isStd(d), strings.HasPrefix(d, module+"/engine"), strings.HasPrefix(d, module+"/wasm"),
					strings.HasPrefix(d, "github.com/syumai/workers"):
					continue
				}
				t.Errorf("%s depends on %s", p.ImportPath, d)
			}
		}
	})
	t.Run("nothing imports server", func(t *testing.T) {
		for _, p := range listPackages(t, nil, "./...") {
			if strings.HasPrefix(p.ImportPath, module+"/server") {
				continue
			}
			for _, d := range p.Deps {
				if strings.HasPrefix(d, module+"/server") {
					t.Errorf("%s depends on %s", p.ImportPath, d)
				}
			}
		}
	})
}
