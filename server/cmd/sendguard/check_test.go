package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/engine"
)

const (
	samples = "testdata/samples"
	known   = "testdata/known.txt"
)

func sample(name string) string { return filepath.Join(samples, name) }

// sendguard runs the CLI in-process and returns its exit code and output.
func sendguard(t *testing.T, stdin io.Reader, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var out, errw bytes.Buffer
	code = run(args, stdin, &out, &errw)
	return code, out.String(), errw.String()
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

func TestCheckExitCodes(t *testing.T) {
	dir := t.TempDir()
	badPolicy := writeFile(t, filepath.Join(dir, "bad-policy.json"), `{"id": ""}`)
	tests := map[string]struct {
		args []string
		want int
		// stderr, if set, must appear in stderr.
		stderr string
	}{
		"internal mail without patient data is allowed": {
			args: []string{"check", sample("internal-rota.eml")},
			want: exitAllow,
		},
		"a one-letter slip from a known address warns": {
			args: []string{"check", "--known", known, sample("lookalike-an-other.eml")},
			want: exitWarn,
		},
		"a discharge summary to Gmail blocks": {
			args: []string{"check", sample("discharge-to-gmail.eml")},
			want: exitBlock,
		},
		"patients visible to each other block": {
			args: []string{"check", sample("flu-clinic.eml")},
			want: exitBlock,
		},
		"the most severe verdict wins": {
			args: []string{"check", sample("internal-rota.eml"), sample("discharge-to-gmail.eml"), "--known", known, sample("lookalike-an-other.eml")},
			want: exitBlock,
		},
		"a file that cannot be read beats a block": {
			args:   []string{"check", sample("discharge-to-gmail.eml"), filepath.Join(dir, "missing.eml")},
			want:   exitUsage,
			stderr: filepath.Join(dir, "missing.eml") + ": no such file or directory",
		},
		"no input": {
			args:   []string{"check"},
			want:   exitUsage,
			stderr: "no input",
		},
		"unknown flag": {
			args:   []string{"check", "--nope", sample("internal-rota.eml")},
			want:   exitUsage,
			stderr: "flag provided but not defined: -nope",
		},
		"help": {
			args: []string{"check", "--help"},
			want: 0,
		},
		"invalid policy names the file and the field": {
			args:   []string{"check", "--policy", badPolicy, sample("internal-rota.eml")},
			want:   exitUsage,
			stderr: badPolicy + ": id: ",
		},
		"missing policy file": {
			args:   []string{"check", "--policy", filepath.Join(dir, "nope.json"), sample("internal-rota.eml")},
			want:   exitUsage,
			stderr: "nope.json: no such file or directory",
		},
		"missing known file": {
			args:   []string{"check", "--known", filepath.Join(dir, "nope.txt"), sample("internal-rota.eml")},
			want:   exitUsage,
			stderr: "--known: " + filepath.Join(dir, "nope.txt") + ": no such file or directory",
		},
		"unknown command": {
			args:   []string{"chekc"},
			want:   exitUsage,
			stderr: `unknown command "chekc"`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := sendguard(t, nil, tc.args...)
			assert.Equal(t, tc.want, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			if tc.stderr != "" {
				assert.Contains(t, stderr, tc.stderr)
			}
		})
	}
}

// line is the --json shape the tests rely on.
type line struct {
	Source         string            `json:"source"`
	Action         string            `json:"action"`
	Classification string            `json:"classification"`
	Findings       []engine.Finding  `json:"findings"`
	Policy         *engine.PolicyRef `json:"policy"`
	Engine         string            `json:"engine"`
	Error          *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func jsonLines(t *testing.T, stdout string) []line {
	t.Helper()
	var out []line
	for _, l := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		if l == "" {
			continue
		}
		var raw map[string]json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(l), &raw), "not JSON: %q", l)
		var x line
		require.NoError(t, json.Unmarshal([]byte(l), &x))
		out = append(out, x)
	}
	return out
}

func TestCheckJSONLines(t *testing.T) {
	code, stdout, stderr := sendguard(t, nil, "check", "--json", "--known", known, samples)
	assert.Equal(t, exitBlock, code, stderr)
	lines := jsonLines(t, stdout)
	var sources []string
	for _, l := range lines {
		sources = append(sources, l.Source)
		assert.Contains(t, []string{"allow", "warn", "block"}, l.Action)
		assert.Contains(t, []string{"green", "amber", "red"}, l.Classification)
		assert.NotNil(t, l.Findings, "findings is a list, never null")
		require.NotNil(t, l.Policy)
		assert.NotEmpty(t, l.Policy.ID)
		assert.Equal(t, engine.Version, l.Engine)
		assert.Nil(t, l.Error)
	}
	assert.Equal(t, []string{
		sample("discharge-to-gmail.eml"),
		sample("flu-clinic.eml"),
		sample("internal-rota.eml"),
		sample("lookalike-an-other.eml"),
	}, sources)
	// The keys come in the contract's order, source first.
	first := strings.SplitN(stdout, "\n", 2)[0]
	assert.True(t, strings.HasPrefix(first, `{"source":`), first)
	assert.Regexp(t, `^\{"source":"[^"]+","action":"[a-z]+","classification":"[a-z]+","findings":\[.*\],"policy":\{"id":".*","version":".*"\},"engine":"[^"]+"`, first)
}

func TestCheckStdin(t *testing.T) {
	msg, err := os.ReadFile(sample("discharge-to-gmail.eml"))
	require.NoError(t, err)
	tests := map[string]struct {
		stdin    string
		json     bool
		want     int
		wantLine string
	}{
		"a message on stdin, JSON":  {stdin: string(msg), json: true, want: exitBlock, wantLine: `{"source":"-","action":"block"`},
		"a message on stdin, human": {stdin: string(msg), want: exitBlock, wantLine: "BLOCK  -  "},
		"empty stdin":               {stdin: "", json: true, want: exitUsage, wantLine: `{"source":"-","error":{"code":"invalid","message":"no message found: the input is empty"}}`},
		"oversized stdin": {
			stdin: "From: a@nhs.net\r\n\r\n" + strings.Repeat("x", 50<<20), json: true, want: exitUsage,
			wantLine: `{"source":"-","error":{"code":"too_large","message":"message is too large: over the 50 MB limit"}}`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			args := []string{"check", "-"}
			if tc.json {
				args = append(args, "--json")
			}
			code, stdout, stderr := sendguard(t, strings.NewReader(tc.stdin), args...)
			assert.Equal(t, tc.want, code, stderr)
			assert.True(t, strings.HasPrefix(stdout, tc.wantLine), "stdout %q", stdout)
		})
	}
}

// TestCheckDirectory: every regular file, recursively, in sorted order,
// whatever the parallelism; a broken file is named and loses nothing else.
func TestCheckDirectory(t *testing.T) {
	rota, err := os.ReadFile(sample("internal-rota.eml"))
	require.NoError(t, err)
	gmail, err := os.ReadFile(sample("discharge-to-gmail.eml"))
	require.NoError(t, err)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "b.eml"), string(gmail))
	writeFile(t, filepath.Join(dir, "a.eml"), string(rota))
	writeFile(t, filepath.Join(dir, "sub", "c.eml"), string(rota))
	writeFile(t, filepath.Join(dir, "sub", "0-empty.eml"), "")
	writeFile(t, filepath.Join(dir, "z", "no-extension"), string(gmail))
	require.NoError(t, os.Symlink(filepath.Join(dir, "a.eml"), filepath.Join(dir, "link.eml")))

	want := []string{
		filepath.Join(dir, "a.eml"),
		filepath.Join(dir, "b.eml"),
		filepath.Join(dir, "sub", "0-empty.eml"),
		filepath.Join(dir, "sub", "c.eml"),
		filepath.Join(dir, "z", "no-extension"),
	}
	var outputs []string
	for _, workers := range []string{"1", "3", "16"} {
		t.Run("workers="+workers, func(t *testing.T) {
			code, stdout, stderr := sendguard(t, nil, "check", "--json", "--workers", workers, dir)
			assert.Equal(t, exitUsage, code, "the empty file makes the run an input error")
			assert.Equal(t, "sendguard check: "+want[2]+": no message found: the input is empty\n", stderr)
			var sources []string
			for _, l := range jsonLines(t, stdout) {
				sources = append(sources, l.Source)
			}
			assert.Equal(t, want, sources, "symlinks are not regular files")
			outputs = append(outputs, stdout)
		})
	}
	for _, o := range outputs[1:] {
		assert.Equal(t, outputs[0], o, "output does not depend on parallelism")
	}
	// Human output: one line per message; the error goes to stderr only.
	code, stdout, stderr := sendguard(t, nil, "check", dir)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, want[2])
	var firstCols []string
	for _, l := range strings.Split(stdout, "\n") {
		if l != "" && !strings.HasPrefix(l, " ") {
			firstCols = append(firstCols, strings.Fields(l)[1])
		}
	}
	assert.Equal(t, []string{want[0], want[1], want[3], want[4]}, firstCols)
}

// TestCheckNeverPrintsPatientData plants identifiers and a telling subject
// in messages, including in broken headers that the parser repairs, and
// checks that no output of check, in any mode, carries them. Masked
// evidence ("*** *** 5919") is allowed; the whole number is not.
func TestCheckNeverPrintsPatientData(t *testing.T) {
	const subject = "Joan Pilling HIV viral load result"
	planted := []string{
		"943 476 5919", "9434765919", "943-476-5919", "943 476", "476 5919",
		subject, "Joan Pilling", "viral load", "QQ 12 34 56 C", "QQ123456C",
		"SW1A 1AA", "14/03/1941",
	}
	body := "Dear Joan Pilling, NHS number 943 476 5919 (9434765919, 943-476-5919),\r\n" +
		"NI QQ 12 34 56 C, DOB 14/03/1941, postcode SW1A 1AA: your HIV viral load result is attached.\r\n"
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "plain.eml"), "From: gp@nhs.net\r\nTo: joan.pilling@gmail.com, other.patient@gmail.com, third@yahoo.co.uk\r\n"+
		"Subject: "+subject+"\r\nContent-Type: text/plain\r\n\r\n"+body)
	writeFile(t, filepath.Join(dir, "html.eml"), "From: gp@nhs.net\r\nTo: joan.pilling@hotmail.com\r\nSubject: "+subject+"\r\n"+
		"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"+body+
		"--b\r\nContent-Type: text/html\r\n\r\n<p>"+body+"</p>\r\n--b--\r\n")
	// Broken headers quoting the identifiers: enmime's error details would
	// echo them, so --verbose must not.
	writeFile(t, filepath.Join(dir, "broken.eml"), "From: gp@nhs.net\r\nTo: QQ123456C <<9434765919, joan.pilling@gmail.com\r\n"+
		"Subject: "+subject+"\r\n:943 476 5919 Joan Pilling\r\nContent-Type: multipart/mixed; boundary=b\r\nJoan Pilling 943-476-5919\r\n\r\n"+
		"--b\r\nContent-Type: text/plain; charset=x-9434765919\r\nContent-Transfer-Encoding: x-QQ123456C\r\n\r\n"+body)

	for _, args := range [][]string{
		{"check", dir},
		{"check", "--verbose", dir},
		{"check", "--json", dir},
		{"check", "--json", "--verbose", "--known", known, dir},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, stdout, stderr := sendguard(t, nil, args...)
			assert.NotEqual(t, exitUsage, code, stderr)
			for _, p := range planted {
				assert.NotContains(t, stdout, p)
				assert.NotContains(t, stderr, p)
			}
		})
	}
	// stdin too.
	code, stdout, stderr := sendguard(t, strings.NewReader("From: gp@nhs.net\r\nTo: a@gmail.com\r\nSubject: "+subject+"\r\n\r\n"+body), "check", "--json", "--verbose", "-")
	assert.NotEqual(t, exitUsage, code)
	for _, p := range planted {
		assert.NotContains(t, stdout+stderr, p)
	}
}

func TestReadAddressFile(t *testing.T) {
	dir := t.TempDir()
	tests := map[string]struct {
		content string
		want    []string
	}{
		"empty file is an empty history, not none": {content: "", want: []string{}},
		"comments and blank lines": {
			content: "# history\n\nam.other@nhs.net\n  b@nhs.net  \n#c@nhs.net\nd@example.com # old colleague\r\n",
			want:    []string{"am.other@nhs.net", "b@nhs.net", "d@example.com"},
		},
		"display-name forms are passed through for the engine to normalise": {
			content: "Dr A Other <am.other@nhs.net>\n",
			want:    []string{"Dr A Other <am.other@nhs.net>"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := readAddressFile(writeFile(t, filepath.Join(dir, name), tc.content))
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.NotNil(t, got)
		})
	}
}

// TestKnownAbsentIsNotEmpty: without --known the context has no history
// (nil), so new-recipient stays silent; an empty --known file means the
// sender has emailed nobody, so a patient-data mail to Gmail is new.
func TestKnownAbsentIsNotEmpty(t *testing.T) {
	empty := writeFile(t, filepath.Join(t.TempDir(), "empty.txt"), "")
	rules := func(args ...string) []string {
		_, stdout, _ := sendguard(t, nil, append([]string{"check", "--json"}, args...)...)
		ls := jsonLines(t, stdout)
		require.Len(t, ls, 1)
		var out []string
		for _, f := range ls[0].Findings {
			out = append(out, f.Rule)
		}
		return out
	}
	assert.NotContains(t, rules(sample("discharge-to-gmail.eml")), engine.RuleNewRecipient)
	assert.Contains(t, rules("--known", empty, sample("discharge-to-gmail.eml")), engine.RuleNewRecipient)
}

func TestWriteHuman(t *testing.T) {
	v := engine.Verdict{
		Action: engine.ActionBlock, Classification: engine.Amber,
		Findings: []engine.Finding{
			{
				Rule: engine.RuleInsecureRecipient, Severity: engine.ActionBlock,
				Summary:    "Patient data to an address that is not secure",
				Recipients: []string{"p@gmail.com"},
				Evidence:   []engine.Evidence{{Kind: "nhs-number", Field: "body", Masked: "*** *** 5919"}},
				Fixes: []engine.Fix{
					{Kind: engine.FixAddSubjectTag, Value: "[secure]"},
					{Kind: engine.FixRemoveRecipient, Recipients: []string{"p@gmail.com"}},
				},
			},
			{
				Rule: engine.RuleBulkVisibleRecipients, Severity: engine.ActionWarn,
				Summary:    "Patients can see each other's addresses",
				Recipients: []string{"a@gmail.com", "b@gmail.com", "c@gmail.com", "d@gmail.com", "e@gmail.com", "f@gmail.com"},
				Fixes:      []engine.Fix{{Kind: engine.FixMoveToBcc, Recipients: []string{"a@gmail.com", "b@gmail.com"}}},
			},
			{
				Rule: engine.RuleLookalikeRecipient, Severity: engine.ActionWarn,
				Summary: "an.other@nhs.net looks like am.other@nhs.net",
				Fixes:   []engine.Fix{{Kind: engine.FixReplaceRecipient, Recipients: []string{"an.other@nhs.net"}, Value: "am.other@nhs.net"}},
			},
		},
	}
	var b bytes.Buffer
	writeHuman(&b, "inbox/a.eml", v)
	assert.Equal(t, `BLOCK  inbox/a.eml  amber  insecure-recipient, bulk-visible-recipients, lookalike-recipient
  insecure-recipient (block): Patient data to an address that is not secure
    recipients: p@gmail.com
    evidence: nhs-number in body *** *** 5919
    fix: add-subject-tag "[secure]"
    fix: remove-recipient p@gmail.com
  bulk-visible-recipients (warn): Patients can see each other's addresses
    recipients: a@gmail.com, b@gmail.com, c@gmail.com, d@gmail.com and 2 more
    fix: move-to-bcc a@gmail.com, b@gmail.com
  lookalike-recipient (warn): an.other@nhs.net looks like am.other@nhs.net
    fix: replace-recipient an.other@nhs.net -> am.other@nhs.net
`, b.String())

	b.Reset()
	writeHuman(&b, "-", engine.Verdict{Action: engine.ActionAllow, Classification: engine.Green, Findings: []engine.Finding{}})
	assert.Equal(t, "ALLOW  -  green\n", b.String())
}

// TestCheckThirdPartyMail runs the whole CLI over the shared corpora: every
// message gets a verdict and no line is an error.
func TestCheckThirdPartyMail(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	root := os.Getenv("SENDGUARD_CORPORA")
	if root == "" {
		root = filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "shared", "corpora")
	}
	for _, sub := range []string{"enron", "odd-mime"} {
		dir := filepath.Join(root, "mail", sub)
		_, err := os.Stat(dir)
		require.NoError(t, err, "third-party corpora missing: want %s (../shared/corpora from the repository root, or set SENDGUARD_CORPORA)", dir)
		t.Run(sub, func(t *testing.T) {
			code, stdout, stderr := sendguard(t, nil, "check", "--json", dir)
			assert.NotEqual(t, exitUsage, code, stderr)
			assert.Empty(t, stderr)
			entries := 0
			require.NoError(t, filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
				if err == nil && d.Type().IsRegular() {
					entries++
				}
				return err
			}))
			lines := jsonLines(t, stdout)
			assert.Len(t, lines, entries, "one verdict per file")
			for _, l := range lines {
				assert.Nil(t, l.Error, l.Source)
				assert.NotEmpty(t, l.Action, l.Source)
			}
		})
	}
}

// TestCheckJSONErrorLines: in --json mode an input that cannot be checked
// is a line too, with the API's error codes, so a consumer loses nothing.
func TestCheckJSONErrorLines(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.eml")
	code, stdout, stderr := sendguard(t, nil, "check", "--json", missing, sample("internal-rota.eml"))
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, "sendguard check: "+missing+": no such file or directory\n", stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 2)
	assert.Equal(t, `{"source":"`+missing+`","error":{"code":"not_found","message":"no such file or directory"}}`, lines[0])
	assert.True(t, strings.HasPrefix(lines[1], `{"source":"`+sample("internal-rota.eml")+`","action":"allow"`), lines[1])
}
