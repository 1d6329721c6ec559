// Package manifest renders Sendguard's Outlook add-in manifests: the
// add-in-only XML manifest and the unified JSON manifest for Microsoft 365,
// both from one description (model) so they cannot disagree. Tenant admins
// must consent again to every manifest change, so the manifest carries no
// rules: only where the add-in lives and which events start it.
//
// It depends on the standard library and on the addin package (for the
// handler script's path, shared with the allowed-origins document); it must
// not depend on server.
package manifest

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Send modes, as the command line and the unified manifest spell them.
const (
	SoftBlock  = "softBlock"
	Block      = "block"
	PromptUser = "promptUser"
)

// Options are what differ between deployments.
type Options struct {
	// BaseURL is the public https origin (plus optional path prefix) that
	// serves the add-in under /addin/. Required.
	BaseURL string
	// AppID is the add-in's GUID (the Entra app's client ID works well, so
	// one ID names the add-in and the app it gets tokens for). Required.
	AppID string
	// SendMode is what Outlook does when the add-in cannot run on send:
	// softBlock (default), block or promptUser.
	SendMode string
}

// Error lists every invalid option, not only the first.
type Error struct {
	Problems []string
}

func (e *Error) Error() string {
	return "manifest: " + strings.Join(e.Problems, "; ")
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Validate checks the options and returns a copy with defaults filled in
// and the base URL normalised (no trailing slash).
func (o Options) Validate() (Options, error) {
	var problems []string
	o.BaseURL = strings.TrimSpace(o.BaseURL)
	u, err := url.Parse(o.BaseURL)
	switch {
	case o.BaseURL == "":
		problems = append(problems, "base URL is required (--base-url https://host)")
	case err != nil:
		problems = append(problems, "base URL is not a URL")
	case u.Scheme != "https":
		// Outlook refuses add-in pages that are not https.
		problems = append(problems, "base URL must use https")
	case u.Host == "" || u.Hostname() == "":
		problems = append(problems, "base URL has no host")
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		problems = append(problems, "base URL must be an origin with an optional path, without user, query or fragment")
	default:
		o.BaseURL = strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/")
	}
	o.AppID = strings.TrimSpace(o.AppID)
	if !guidRE.MatchString(o.AppID) {
		problems = append(problems, "app ID must be a GUID like 0f3c2a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6")
	}
	switch o.SendMode {
	case "":
		o.SendMode = SoftBlock
	case SoftBlock, Block, PromptUser:
	default:
		problems = append(problems, fmt.Sprintf("send mode must be one of %s, %s, %s", SoftBlock, Block, PromptUser))
	}
	if len(problems) > 0 {
		return o, &Error{Problems: problems}
	}
	return o, nil
}
