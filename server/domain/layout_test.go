package domain_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/sendguard/sendguard"

// TestLayout keeps the standard package layout honest: the domain depends
// on nothing but the engine, adapters do not reach into each other, and
// only app wires them together.
func TestLayout(t *testing.T) {
	forbidden := map[string][]string{
		"server/domain":  {module + "/server/", "github.com/gin-gonic", "github.com/jackc", "modernc.org"},
		"server/metrics": {module + "/", "github.com/"},
		"server/engines": {module + "/server/store", module + "/server/http", "github.com/gin-gonic"},
		"server/store":   {module + "/server/http", module + "/server/app", module + "/server/auth", "github.com/gin-gonic"},
		"server/auth":    {module + "/server/http", module + "/server/app", module + "/server/store", "github.com/gin-gonic"},
		"server/http":    {module + "/server/store", module + "/server/app", module + "/server/auth"},
	}
	for pkg, bad := range forbidden {
		t.Run(pkg, func(t *testing.T) {
			cmd := exec.Command("go", "list", "-json=ImportPath,Deps", "./"+pkg)
			cmd.Dir = "../.."
			out, err := cmd.Output()
			require.NoError(t, err)
			var p struct{ Deps []string }
			require.NoError(t, json.Unmarshal(out, &p))
			for _, d := range p.Deps {
				if pkg != "server/metrics" && (d == module+"/server/domain" || strings.HasPrefix(d, module+"/engine")) {
					continue // the domain and the engine's contracts are for everyone
				}
				for _, b := range bad {
					if strings.HasPrefix(d, b) {
						assert.Fail(t, pkg+" must not depend on "+d)
					}
				}
			}
		})
	}
}
