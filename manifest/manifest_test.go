package manifest_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/addin"
	"github.com/sendguard/sendguard/manifest"
)

const (
	testBase  = "https://sendguard.example.nhs.uk/tenant-a"
	testAppID = "0f3c2a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6"
)

func opts(mode string) manifest.Options {
	return manifest.Options{BaseURL: testBase, AppID: testAppID, SendMode: mode}
}

// node is a parsed XML element, enough to walk the manifest generically.
type node struct {
	Name     xml.Name
	Attrs    []xml.Attr
	Text     string
	Children []*node
}

func (n *node) attr(local string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

func (n *node) walk(f func(*node)) {
	f(n)
	for _, c := range n.Children {
		c.walk(f)
	}
}

func parseXML(t *testing.T, b []byte) *node {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, "manifest XML must be well-formed")
		switch tk := tok.(type) {
		case xml.StartElement:
			n := &node{Name: tk.Name, Attrs: tk.Copy().Attr}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			} else {
				require.Nil(t, root, "one root element")
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(tk)
			}
		}
	}
	require.NotNil(t, root)
	return root
}

func TestXMLStructure(t *testing.T) {
	for _, tc := range []struct {
		name, mode, wantXMLMode string
	}{
		{"default is soft block", "", "SoftBlock"},
		{"soft block", manifest.SoftBlock, "SoftBlock"},
		{"block", manifest.Block, "Block"},
		{"prompt user", manifest.PromptUser, "PromptUser"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := manifest.XML(opts(tc.mode))
			require.NoError(t, err)
			root := parseXML(t, b)
			assert.Equal(t, "OfficeApp", root.Name.Local)

			// Every resource id is defined once, at most 32 characters.
			defs := map[string]string{} // id -> element local name (Url, String, Image)
			root.walk(func(n *node) {
				if n.Name.Space != "http://schemas.microsoft.com/office/officeappbasictypes/1.0" {
					return
				}
				switch n.Name.Local {
				case "Url", "String", "Image":
					id, ok := n.attr("id")
					if !ok {
						return
					}
					assert.LessOrEqual(t, len(id), 32, "resource id %q", id)
					_, dup := defs[id]
					assert.False(t, dup, "resource id %q defined twice", id)
					defs[id] = n.Name.Local
				}
			})

			// Every resid resolves, to the right kind of resource.
			var runtimeResid, launchSource string
			residCount := 0
			parents := map[*node]*node{}
			root.walk(func(n *node) {
				for _, c := range n.Children {
					parents[c] = n
				}
			})
			root.walk(func(n *node) {
				resid, ok := n.attr("resid")
				if !ok {
					return
				}
				residCount++
				assert.LessOrEqual(t, len(resid), 32, "resid %q", resid)
				kind, ok := defs[resid]
				if !assert.True(t, ok, "resid %q on <%s> resolves to nothing", resid, n.Name.Local) {
					return
				}
				want := "Url"
				switch n.Name.Local {
				case "Label", "Title", "Description":
					want = "String"
				case "Image":
					want = "Image"
				}
				assert.Equal(t, want, kind, "resid %q on <%s>", resid, n.Name.Local)
				if n.Name.Local == "Runtime" {
					runtimeResid = resid
				}
				if n.Name.Local == "SourceLocation" {
					if p := parents[n]; p != nil && p.Name.Local == "ExtensionPoint" {
						if typ, _ := p.attr("type"); typ == "LaunchEvent" {
							launchSource = resid
						}
					}
				}
			})
			assert.Greater(t, residCount, 10)
			require.NotEmpty(t, runtimeResid, "a Runtime element")
			assert.Equal(t, runtimeResid, launchSource, "the LaunchEvent SourceLocation must name the Runtime's resid")

			// The Runtime has a JavaScript override pointing at the handler script.
			var override string
			var launch []*node
			var permissions string
			var buttonIDs []string
			root.walk(func(n *node) {
				switch n.Name.Local {
				case "Override":
					if typ, _ := n.attr("type"); typ == "javascript" {
						override, _ = n.attr("resid")
					}
				case "LaunchEvent":
					launch = append(launch, n)
				case "Permissions":
					permissions = strings.TrimSpace(n.Text)
				case "Control":
					id, _ := n.attr("id")
					buttonIDs = append(buttonIDs, id)
				}
			})
			require.NotEmpty(t, override)
			urls := urlValues(root)
			assert.Equal(t, addin.ScriptURL(testBase), urls[override])
			assert.Equal(t, "ReadWriteItem", permissions)
			assert.Equal(t, []string{manifest.ReviewButton}, buttonIDs)

			events := map[string]*node{}
			for _, l := range launch {
				typ, _ := l.attr("Type")
				events[typ] = l
			}
			send := events["OnMessageSend"]
			require.NotNil(t, send)
			mode, _ := send.attr("SendMode")
			assert.Equal(t, tc.wantXMLMode, mode)
			fn, _ := send.attr("FunctionName")
			assert.Equal(t, manifest.SendHandler, fn)
			rc := events["OnMessageRecipientsChanged"]
			require.NotNil(t, rc)
			fn, _ = rc.attr("FunctionName")
			assert.Equal(t, manifest.RecipientsHandler, fn)
			_, hasMode := rc.attr("SendMode")
			assert.False(t, hasMode, "only send events take a send mode")

			// Mailbox 1.12 at least, in the VersionOverrides requirements.
			var minVersion string
			root.walk(func(n *node) {
				if n.Name.Local == "Sets" {
					if v, ok := n.attr("DefaultMinVersion"); ok {
						minVersion = v
					}
				}
			})
			assert.Equal(t, "1.12", minVersion)

			// Single sign-on names the Entra app and its API.
			var ssoID, ssoResource string
			root.walk(func(n *node) {
				switch n.Name.Local {
				case "WebApplicationInfo":
					for _, c := range n.Children {
						switch c.Name.Local {
						case "Id":
							ssoID = strings.TrimSpace(c.Text)
						case "Resource":
							ssoResource = strings.TrimSpace(c.Text)
						}
					}
				}
			})
			assert.Equal(t, testAppID, ssoID)
			assert.Equal(t, "api://sendguard.example.nhs.uk/"+testAppID, ssoResource)

			// Every URL anywhere is https and under the base URL.
			all := allURLs(root)
			assert.GreaterOrEqual(t, len(all), 10)
			for _, u := range all {
				assertUnderBase(t, u)
			}
		})
	}
}

// urlValues maps each bt:Url id to its URL.
func urlValues(root *node) map[string]string {
	out := map[string]string{}
	root.walk(func(n *node) {
		if n.Name.Local == "Url" {
			id, _ := n.attr("id")
			out[id], _ = n.attr("DefaultValue")
		}
	})
	return out
}

// allURLs finds every attribute or text that looks like a URL.
func allURLs(root *node) []string {
	var out []string
	root.walk(func(n *node) {
		for _, a := range n.Attrs {
			if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" || a.Name.Space == "http://www.w3.org/2000/xmlns/" {
				continue
			}
			if strings.Contains(a.Value, "://") {
				out = append(out, a.Value)
			}
		}
		// The Entra Application ID URI names the API; nothing loads it.
		if s := strings.TrimSpace(n.Text); strings.Contains(s, "://") && n.Name.Local != "Resource" {
			out = append(out, s)
		}
	})
	return out
}

func assertUnderBase(t *testing.T, raw string) {
	t.Helper()
	u, err := url.Parse(raw)
	if !assert.NoError(t, err, raw) {
		return
	}
	assert.Equal(t, "https", u.Scheme, raw)
	assert.True(t, raw == testBase || strings.HasPrefix(raw, testBase+"/"), "%s is not under %s", raw, testBase)
}

func TestJSONStructure(t *testing.T) {
	for _, tc := range []struct{ name, mode, want string }{
		{"default is soft block", "", "softBlock"},
		{"block", manifest.Block, "block"},
		{"prompt user", manifest.PromptUser, "promptUser"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := manifest.JSON(opts(tc.mode))
			require.NoError(t, err)
			var doc map[string]any
			require.NoError(t, json.Unmarshal(b, &doc))
			for _, k := range []string{"$schema", "manifestVersion", "id", "version", "name", "description", "developer", "icons", "accentColor", "extensions"} {
				assert.Contains(t, doc, k)
			}
			assert.Equal(t, testAppID, doc["id"])
			assert.Equal(t, []any{"sendguard.example.nhs.uk"}, doc["validDomains"])
			assert.Equal(t, map[string]any{"id": testAppID, "resource": "api://sendguard.example.nhs.uk/" + testAppID}, doc["webApplicationInfo"])

			var m struct {
				Extensions []struct {
					Runtimes []struct {
						ID      string
						Code    struct{ Page, Script string }
						Actions []struct{ ID, Type string }
					}
					Ribbons []struct {
						Contexts []string
						Tabs     []struct {
							Groups []struct {
								Controls []struct{ ID, ActionID string }
							}
						}
					}
					AutoRunEvents []struct {
						Events []struct {
							Type, ActionID string
							Options        *struct{ SendMode string }
						}
					}
				}
			}
			require.NoError(t, json.Unmarshal(b, &m))
			require.Len(t, m.Extensions, 1)
			ext := m.Extensions[0]
			actions := map[string]string{}
			var scripts []string
			for _, r := range ext.Runtimes {
				for _, a := range r.Actions {
					actions[a.ID] = a.Type
				}
				if r.Code.Script != "" {
					scripts = append(scripts, r.Code.Script)
				}
			}
			assert.Equal(t, []string{addin.ScriptURL(testBase)}, scripts)
			require.Len(t, ext.AutoRunEvents, 1)
			got := map[string]string{}
			for _, e := range ext.AutoRunEvents[0].Events {
				assert.Equal(t, "executeFunction", actions[e.ActionID], "event %s names a function action", e.Type)
				if e.Options != nil {
					got[e.Type] = e.Options.SendMode
				} else {
					got[e.Type] = ""
				}
			}
			assert.Equal(t, map[string]string{"messageSending": tc.want, "messageRecipientsChanged": ""}, got)
			require.Len(t, ext.Ribbons, 1)
			assert.Equal(t, []string{"mailCompose"}, ext.Ribbons[0].Contexts)
			ctl := ext.Ribbons[0].Tabs[0].Groups[0].Controls[0]
			assert.Equal(t, manifest.ReviewButton, ctl.ID)
			assert.Equal(t, "openPage", actions[ctl.ActionID])

			// Every absolute URL is https under the base URL.
			var walk func(v any)
			n := 0
			walk = func(v any) {
				switch x := v.(type) {
				case map[string]any:
					for k, c := range x {
						if k == "$schema" || k == "resource" {
							continue
						}
						walk(c)
					}
				case []any:
					for _, c := range x {
						walk(c)
					}
				case string:
					if strings.Contains(x, "://") {
						n++
						assertUnderBase(t, x)
					}
				}
			}
			walk(doc)
			assert.Greater(t, n, 8)
		})
	}
}

func TestOptionsValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    manifest.Options
		want []string // substrings of the error, in order
	}{
		{"missing everything", manifest.Options{}, []string{"base URL is required", "app ID must be a GUID"}},
		{"http", manifest.Options{BaseURL: "http://host", AppID: testAppID}, []string{"https"}},
		{"no host", manifest.Options{BaseURL: "https://", AppID: testAppID}, []string{"no host"}},
		{"query", manifest.Options{BaseURL: "https://host/?a=b", AppID: testAppID}, []string{"without user, query or fragment"}},
		{"not a guid", manifest.Options{BaseURL: "https://host", AppID: "sendguard"}, []string{"GUID"}},
		{"guid in braces", manifest.Options{BaseURL: "https://host", AppID: "{" + testAppID + "}"}, []string{"GUID"}},
		{"bad send mode", manifest.Options{BaseURL: "https://host", AppID: testAppID, SendMode: "SoftBlock"}, []string{"send mode must be one of softBlock, block, promptUser"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := manifest.XML(tc.o)
			require.Error(t, err)
			var me *manifest.Error
			require.ErrorAs(t, err, &me)
			msg := err.Error()
			for _, w := range tc.want {
				assert.Contains(t, msg, w)
			}
			_, jerr := manifest.JSON(tc.o)
			assert.Equal(t, err, jerr)
		})
	}
}

func TestBaseURLNormalised(t *testing.T) {
	for _, tc := range []struct{ name, base, want string }{
		{"trailing slash", "https://host.example/", "https://host.example/addin/launchevent.js"},
		{"path prefix", "https://host.example/sg/", "https://host.example/sg/addin/launchevent.js"},
		{"port", "https://host.example:8443", "https://host.example:8443/addin/launchevent.js"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := manifest.XML(manifest.Options{BaseURL: tc.base, AppID: testAppID})
			require.NoError(t, err)
			assert.Contains(t, string(b), `DefaultValue="`+tc.want+`"`)
			assert.NotContains(t, string(b), "//addin")
		})
	}
}

func TestXMLEscapesOptions(t *testing.T) {
	// A path with characters XML must escape still renders well-formed XML.
	b, err := manifest.XML(manifest.Options{BaseURL: "https://host.example/a&b", AppID: testAppID})
	require.NoError(t, err)
	parseXML(t, b)
	assert.Contains(t, string(b), "a&amp;b")
}

// TestScriptsAgree checks the names the handler script registers and
// passes as commandId against the manifest's, so renaming one side fails
// here instead of in Outlook.
func TestScriptsAgree(t *testing.T) {
	consts := map[string]string{}
	for _, f := range []string{"../addin/src/ids.js", "../addin/src/report.js"} {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range regexp.MustCompile(`export const (\w+) = "([^"]*)";`).FindAllStringSubmatch(string(src), -1) {
			consts[m[1]] = m[2]
		}
	}
	for _, tc := range []struct{ name, js, goValue string }{
		{"send handler", "SEND_HANDLER", manifest.SendHandler},
		{"recipients handler", "RECIPIENTS_HANDLER", manifest.RecipientsHandler},
		{"review button", "REVIEW_BUTTON", manifest.ReviewButton},
		{"version reported with events", "ADDIN_VERSION", manifest.Version},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.goValue, consts[tc.js])
		})
	}
}
