package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/sendguard/sendguard/addin"
	"github.com/sendguard/sendguard/manifest"
)

func init() {
	verbs["manifest"] = verb{
		summary: "render the Outlook add-in manifests (--base-url https://host --app-id GUID)",
		run:     runManifest,
	}
}

// runManifest renders the XML manifest to stdout, or with --out writes
// manifest.xml, manifest.json and the unified manifest's two icons, which
// together are what the Microsoft 365 admin center accepts.
func runManifest(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("manifest", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var o manifest.Options
	var out string
	fl.StringVar(&o.BaseURL, "base-url", "", "public https URL the server is reachable at (required)")
	fl.StringVar(&o.AppID, "app-id", "", "the add-in's GUID, usually the Entra app's client ID (required)")
	fl.StringVar(&o.SendMode, "send-mode", manifest.SoftBlock, "what Outlook does when the add-in cannot run: softBlock, block or promptUser")
	fl.StringVar(&out, "out", "", "write manifest.xml, manifest.json, color.png and outline.png to this directory instead of XML to stdout")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: sendguard manifest --base-url https://host --app-id GUID [--send-mode softBlock|block|promptUser] [--out DIR]")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return exitUsage
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "sendguard manifest: unexpected argument %q\n", fl.Arg(0))
		return exitUsage
	}
	xml, err := manifest.XML(o)
	if err != nil {
		fmt.Fprintf(stderr, "sendguard %v\n", err)
		return exitUsage
	}
	if out == "" {
		if _, err := stdout.Write(xml); err != nil {
			fmt.Fprintf(stderr, "sendguard manifest: %v\n", err)
			return exitUsage
		}
		return 0
	}
	js, err := manifest.JSON(o)
	if err != nil {
		fmt.Fprintf(stderr, "sendguard %v\n", err)
		return exitUsage
	}
	files := map[string][]byte{"manifest.xml": xml, "manifest.json": js}
	for _, icon := range []string{"color.png", "outline.png"} {
		b, err := fs.ReadFile(addin.Files(), "assets/"+icon)
		if err != nil {
			fmt.Fprintf(stderr, "sendguard manifest: %v\n", err)
			return exitUsage
		}
		files[icon] = b
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		fmt.Fprintf(stderr, "sendguard manifest: cannot create %s: %v\n", out, err)
		return exitUsage
	}
	for _, name := range []string{"manifest.xml", "manifest.json", "color.png", "outline.png"} {
		p := filepath.Join(out, name)
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			fmt.Fprintf(stderr, "sendguard manifest: cannot write %s: %v\n", p, err)
			return exitUsage
		}
		fmt.Fprintf(stderr, "sendguard manifest: wrote %s\n", p)
	}
	return 0
}
