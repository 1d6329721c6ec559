package manifest_test

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/sendguard/sendguard/manifest"
)

// FuzzRender: whatever the options, rendering either refuses with a
// *manifest.Error or yields well-formed XML and valid JSON whose URLs all
// start with the normalised base URL. Run with
// go test -fuzz=FuzzRender ./manifest.
func FuzzRender(f *testing.F) {
	f.Add("https://sg.example.org", "0f3c2a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6", "block")
	f.Add("https://sg.example.org/a&b<c>/", "0F3C2A4E-1B2C-4D5E-8F90-A1B2C3D4E5F6", "")
	f.Add("https://[::1]:8443/x%20y", "0f3c2a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6", "promptUser")
	f.Add("https://h\x00ost", "x", "softBlock")
	f.Add("javascript:alert(1)", "0f3c2a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6", "block")
	f.Fuzz(func(t *testing.T, base, id, mode string) {
		o := manifest.Options{BaseURL: base, AppID: id, SendMode: mode}
		x, xerr := manifest.XML(o)
		j, jerr := manifest.JSON(o)
		if (xerr == nil) != (jerr == nil) {
			t.Fatalf("XML error %v but JSON error %v", xerr, jerr)
		}
		if xerr != nil {
			var me *manifest.Error
			if !errors.As(xerr, &me) {
				t.Fatalf("error is %T, want *manifest.Error", xerr)
			}
			return
		}
		dec := xml.NewDecoder(strings.NewReader(string(x)))
		for {
			_, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("XML not well-formed for %q: %v", base, err)
			}
		}
		var doc map[string]any
		if err := json.Unmarshal(j, &doc); err != nil {
			t.Fatalf("JSON invalid: %v", err)
		}
		norm, _ := o.Validate()
		if !strings.HasPrefix(norm.BaseURL, "https://") {
			t.Fatalf("normalised base %q is not https", norm.BaseURL)
		}
	})
}
