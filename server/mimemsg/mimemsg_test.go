package mimemsg_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/server/mimemsg"
)

// eml turns a readable literal into a message with CRLF line ends, as mail
// travels.
func eml(s string) []byte {
	s = strings.TrimPrefix(s, "\n")
	return []byte(strings.ReplaceAll(s, "\n", "\r\n"))
}

func addrs(rs []engine.Recipient) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.EmailAddress.Address)
	}
	return out
}

func bodies(m engine.Message) []string {
	var out []string
	for _, b := range m.AlternativeBodies {
		out = append(out, b.ContentType+":"+strings.TrimSpace(b.Content))
	}
	return out
}

func TestParse(t *testing.T) {
	tests := map[string]struct {
		in    []byte
		check func(t *testing.T, p mimemsg.Parsed)
	}{
		"plain text with names and RFC 2047 subject": {
			in: eml(`
From: "Dr A Other" <a.other@nhs.net>
To: Pat One <p1@example.com>, p2@example.org
Cc: =?utf-8?q?Zo=C3=AB_Smith?= <zoe@example.com>
Bcc: hidden@example.com
Subject: =?utf-8?q?Clinic_r=C3=A9sum=C3=A9?= for Tuesday
Message-ID: <abc@nhs.net>

Hello.
`),
			check: func(t *testing.T, p mimemsg.Parsed) {
				m := p.Message
				require.NotNil(t, m.From)
				assert.Equal(t, engine.EmailAddress{Name: "Dr A Other", Address: "a.other@nhs.net"}, m.From.EmailAddress)
				assert.Equal(t, []string{"p1@example.com", "p2@example.org"}, addrs(m.ToRecipients))
				assert.Equal(t, "Pat One", m.ToRecipients[0].EmailAddress.Name)
				assert.Equal(t, "Zoë Smith", m.CcRecipients[0].EmailAddress.Name)
				assert.Equal(t, []string{"hidden@example.com"}, addrs(m.BccRecipients))
				assert.Equal(t, "Clinic résumé for Tuesday", m.Subject)
				assert.Equal(t, engine.ItemBody{ContentType: "text", Content: "Hello.\r\n"}, m.Body)
				assert.Empty(t, m.AlternativeBodies)
				assert.Contains(t, m.InternetMessageHeaders, engine.Header{Name: "Message-ID", Value: "<abc@nhs.net>"})
				assert.Empty(t, p.Warnings)
			},
		},
		"html is the body and the text alternative is kept": {
			in: eml(`
From: a@nhs.net
To: b@nhs.net
Subject: alt
Content-Type: multipart/alternative; boundary=b1

--b1
Content-Type: text/plain; charset=utf-8

plain version
--b1
Content-Type: text/html; charset=utf-8

<p>html version</p>
--b1--
`),
			check: func(t *testing.T, p mimemsg.Parsed) {
				assert.Equal(t, "html", p.Message.Body.ContentType)
				assert.Equal(t, "<p>html version</p>", strings.TrimSpace(p.Message.Body.Content))
				assert.Equal(t, []string{"text:plain version"}, bodies(p.Message))
			},
		},
		"nested alternative inside mixed and related, inline text part, attachment": {
			in: eml(`
From: a@nhs.net
To: b@nhs.net
Subject: nested
Content-Type: multipart/mixed; boundary=outer

--outer
Content-Type: multipart/related; boundary=rel

--rel
Content-Type: multipart/alternative; boundary=alt

--alt
Content-Type: text/plain

first text
--alt
Content-Type: text/html

<b>first html</b>
--alt--
--rel
Content-Type: image/png
Content-ID: <logo>

PNGDATA
--rel--
--outer
Content-Type: application/pdf; name=referral.pdf
Content-Disposition: attachment; filename="referral.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--outer
Content-Type: text/plain
Content-Disposition: inline

second text after the attachment
--outer--
`),
			check: func(t *testing.T, p mimemsg.Parsed) {
				m := p.Message
				assert.Equal(t, "<b>first html</b>", strings.TrimSpace(m.Body.Content))
				assert.Equal(t, []string{"text:first text", "text:second text after the attachment"}, bodies(m))
				require.Len(t, m.Attachments, 2)
				assert.Equal(t, engine.Attachment{Name: "", ContentType: "image/png", Size: 7, ContentBytes: []byte("PNGDATA"), IsInline: true}, m.Attachments[0])
				assert.Equal(t, engine.Attachment{Name: "referral.pdf", ContentType: "application/pdf", Size: 9, ContentBytes: []byte("%PDF-1.4\n")}, m.Attachments[1])
			},
		},
		"base64 and quoted-printable text are decoded": {
			in: eml(`
From: a@nhs.net
To: b@nhs.net
Subject: enc
Content-Type: multipart/alternative; boundary=b

--b
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

TkhTIG51bWJlcjogOTQzIDQ3
NiA1OTE5Cg==
--b
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<p>NHS number: 943 476 =
5919 caf=C3=A9</p>
--b--
`),
			check: func(t *testing.T, p mimemsg.Parsed) {
				assert.Equal(t, "<p>NHS number: 943 476 5919 café</p>", strings.TrimSpace(p.Message.Body.Content))
				assert.Equal(t, []string{"text:NHS number: 943 476 5919"}, bodies(p.Message))
			},
		},
		"declared iso-8859-1 becomes UTF-8": {
			in: append(eml(`
From: a@nhs.net
To: b@nhs.net
Subject: latin
Content-Type: text/plain; charset=iso-8859-1

`), []byte("caf\xe9 \xa31\r\n")...),
			check: func(t *testing.T, p mimemsg.Parsed) {
				assert.Equal(t, "café £1\r\n", p.Message.Body.Content)
			},
		},
		"invalid UTF-8 and an unknown charset become valid UTF-8": {
			in: append(eml(`
From: a@nhs.net
To: b@nhs.net
Subject: bad
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain; charset=utf-8

`), []byte("ok \xff\xfe bytes\r\n--b\r\nContent-Type: text/html; charset=x-no-such-charset\r\n\r\n<p>\xc3\x28</p>\r\n--b--\r\n")...),
			check: func(t *testing.T, p mimemsg.Parsed) {
				m := p.Message
				assert.True(t, utf8.ValidString(m.Body.Content))
				assert.Contains(t, m.Body.Content, "\uFFFD")
				for _, b := range m.AlternativeBodies {
					assert.True(t, utf8.ValidString(b.Content))
				}
				assert.Contains(t, bodies(m)[0], "ok ")
				assert.NotEmpty(t, p.Warnings, "the unknown charset is reported")
			},
		},
		"broken address lists are split liberally, never dropped": {
			in: eml(`
From: c..bland@enron.com
To: first..last@enron.com, "Doe, Jane" <jane@example.com>; bob@example.org,
 not-an-address
Cc: Patients: p1@gmail.com, p2@gmail.com;
Subject: broken

body
`),
			check: func(t *testing.T, p mimemsg.Parsed) {
				m := p.Message
				require.NotNil(t, m.From)
				assert.Equal(t, "c..bland@enron.com", m.From.EmailAddress.Address)
				assert.Equal(t, []string{"first..last@enron.com", "jane@example.com", "bob@example.org", "not-an-address"}, addrs(m.ToRecipients))
				assert.Equal(t, "Doe, Jane", m.ToRecipients[1].EmailAddress.Name)
				assert.Equal(t, []string{"p1@gmail.com", "p2@gmail.com"}, addrs(m.CcRecipients))
				assert.Contains(t, p.Warnings, mimemsg.Warning{Kind: mimemsg.WarnAddressList, Where: "to"})
			},
		},
		"repeated To headers are all read": {
			in: eml(`
From: a@nhs.net
To: one@example.com
To: two@example.com, three@example.com
Subject: twice

body
`),
			check: func(t *testing.T, p mimemsg.Parsed) {
				assert.Equal(t, []string{"one@example.com", "two@example.com", "three@example.com"}, addrs(p.Message.ToRecipients))
			},
		},
		"an empty group is no recipient and no warning": {
			in: eml(`
From: a@nhs.net
To: undisclosed-recipients:;
Subject: group

body
`),
			check: func(t *testing.T, p mimemsg.Parsed) {
				assert.Empty(t, p.Message.ToRecipients)
				assert.Empty(t, p.Warnings)
			},
		},
		"list headers are kept for the marketing rule": {
			in: eml(`
From: news@practice.example
To: patient@gmail.com
Subject: Newsletter
List-Unsubscribe: <mailto:unsub@practice.example>
List-Id: Practice news <news.practice.example>
Precedence: bulk
X-Mailer: something we do not keep

body
`),
			check: func(t *testing.T, p mimemsg.Parsed) {
				hs := p.Message.InternetMessageHeaders
				assert.Contains(t, hs, engine.Header{Name: "List-Unsubscribe", Value: "<mailto:unsub@practice.example>"})
				assert.Contains(t, hs, engine.Header{Name: "List-Id", Value: "Practice news <news.practice.example>"})
				assert.Contains(t, hs, engine.Header{Name: "Precedence", Value: "bulk"})
				for _, h := range hs {
					assert.NotEqual(t, "X-Mailer", h.Name)
				}
			},
		},
		"a forwarded message's text is checked too": {
			in: eml(`
From: a@nhs.net
To: me@gmail.com
Subject: fwd
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain

see below
--b
Content-Type: message/rfc822

From: ward@nhs.net
To: a@nhs.net
Subject: inner

inner text with 943 476 5919
--b--
`),
			check: func(t *testing.T, p mimemsg.Parsed) {
				m := p.Message
				assert.Equal(t, "see below", strings.TrimSpace(m.Body.Content))
				assert.Equal(t, []string{"text:inner text with 943 476 5919"}, bodies(m))
				require.Len(t, m.Attachments, 1)
				assert.Equal(t, "message/rfc822", m.Attachments[0].ContentType)
			},
		},
		"text/html with a stray boundary parameter keeps its text": {
			in: eml(`
From: a@nhs.net
To: b@nhs.net
Subject: stray
Content-Type: multipart/mixed; boundary=outer

--outer
Content-Type: text/html; boundary="_x_"; charset=utf-8

<p>An HTML section</p>
--outer--
`),
			check: func(t *testing.T, p mimemsg.Parsed) {
				assert.Equal(t, "<p>An HTML section</p>", strings.TrimSpace(p.Message.Body.Content))
			},
		},
		"attachment content can be left out": {
			in: eml(`
From: a@nhs.net
To: b@nhs.net
Subject: att
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain

see attached
--b
Content-Type: text/csv; name=patients.csv
Content-Disposition: attachment; filename=patients.csv

nhs,name
--b--
`),
			check: func(t *testing.T, p mimemsg.Parsed) {
				require.Len(t, p.Message.Attachments, 1)
				a := p.Message.Attachments[0]
				assert.Equal(t, "patients.csv", a.Name)
				assert.Equal(t, "text/csv", a.ContentType)
				assert.Equal(t, []byte("nhs,name"), a.ContentBytes)
				assert.Equal(t, int64(8), a.Size)
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p, err := mimemsg.ParseBytesWithOptions(tc.in, mimemsg.Options{})
			require.NoError(t, err)
			tc.check(t, p)
			// The reader entry point agrees with the bytes one.
			q, err := mimemsg.ParseWithOptions(bytes.NewReader(tc.in), mimemsg.Options{})
			require.NoError(t, err)
			assert.Equal(t, p, q)
		})
	}
}

func TestParseOmitAttachmentContent(t *testing.T) {
	in := eml(`
From: a@nhs.net
To: b@nhs.net
Subject: att
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: application/pdf
Content-Disposition: attachment; filename=letter.pdf

%PDF-1.4
--b--
`)
	p, err := mimemsg.ParseBytesWithOptions(in, mimemsg.Options{OmitAttachmentContent: true})
	require.NoError(t, err)
	require.Len(t, p.Message.Attachments, 1)
	assert.Equal(t, engine.Attachment{Name: "letter.pdf", ContentType: "application/pdf", Size: 8}, p.Message.Attachments[0])
}

// zeros is an endless reader, for size-cap tests without big buffers.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestParseErrors(t *testing.T) {
	tests := map[string]struct {
		read func() error
		want error
	}{
		"empty input": {
			read: func() error { _, err := mimemsg.ParseBytes(nil); return err },
			want: mimemsg.ErrEmpty,
		},
		"only blank lines": {
			read: func() error { _, err := mimemsg.Parse(strings.NewReader("\r\n\r\n  \r\n")); return err },
			want: mimemsg.ErrEmpty,
		},
		"over the default 50 MB cap from a reader": {
			read: func() error { _, err := mimemsg.Parse(io.LimitReader(zeros{}, mimemsg.DefaultMaxSize+1)); return err },
			want: mimemsg.ErrTooLarge,
		},
		"over a custom cap from bytes": {
			read: func() error {
				_, err := mimemsg.ParseBytesWithOptions(eml("From: a@nhs.net\n\nbody\n"), mimemsg.Options{MaxSize: 10})
				return err
			},
			want: mimemsg.ErrTooLarge,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := tc.read()
			require.Error(t, err)
			assert.True(t, errors.Is(err, tc.want), "got %v", err)
		})
	}
	// The cap message says what the limit is.
	_, err := mimemsg.Parse(io.LimitReader(zeros{}, mimemsg.DefaultMaxSize+1))
	assert.EqualError(t, err, "message is too large: over the 50 MB limit")
}

// TestWarningsNeverQuoteContent plants an identifier in the broken parts of
// a message: enmime's error details quote them, Sendguard's warnings must
// not.
func TestWarningsNeverQuoteContent(t *testing.T) {
	const secret = "9434765919"
	in := eml(`
From: a@nhs.net
To: b@nhs.net, broken ` + secret + ` <<x
Subject: s
Content-Type: multipart/mixed; boundary=b
:` + secret + ` header line starting with a colon
Continued ` + secret + ` without indent

--b
Content-Type: text/plain; charset=x-` + secret + `
Content-Transfer-Encoding: x-` + secret + `

text ` + secret + `
`)
	p, err := mimemsg.ParseBytesWithOptions(in, mimemsg.Options{})
	require.NoError(t, err)
	require.NotEmpty(t, p.Warnings)
	for _, w := range p.Warnings {
		assert.NotContains(t, w.String(), secret)
		assert.NotContains(t, w.Kind+w.Where, secret)
	}
}

// TestSimpleAddressListsMatchNetMail: the shortcut for plain address lists
// must read exactly what the general parser reads, and leave everything
// else to it.
func TestSimpleAddressListsMatchNetMail(t *testing.T) {
	tests := map[string]struct {
		list   string
		simple bool
	}{
		"one":                 {"a@example.com", true},
		"several":             {"a@example.com, b.c@example.org,d-e+f@sub.example.co.uk", true},
		"apostrophe":          {"o'brien@example.com", true},
		"no dot in domain":    {"greg@inbucket", true},
		"uppercase":           {"Am.Other@NHS.NET", true},
		"whitespace and tabs": {" a@b.com ,\tc@d.com ", true},
		"double dot":          {"c..bland@enron.com, a@b.com", false},
		"leading dot":         {".a@b.com", false},
		"empty element":       {"a@b.com,,c@d.com", false},
		"trailing comma":      {"a@b.com,", false},
		"two at signs":        {"a@b@c.com", false},
		"space inside":        {"a b@c.com", false},
		"named":               {"Pat <p@example.com>", false},
		"group":               {"undisclosed-recipients:;", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			general, generalOK := mimemsg.GeneralList(tc.list)
			simple, ok := mimemsg.SimpleList(tc.list)
			require.Equal(t, tc.simple, ok)
			if ok {
				assert.True(t, generalOK, "the shortcut took a list net/mail rejects")
				assert.Equal(t, general, simple)
			}
		})
	}
}

// TestParseDeepNesting: thousands of nested multiparts (enmime's reading is
// quadratic in the depth) are checked as raw text instead, text included.
func TestParseDeepNesting(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: a@nhs.net\r\nTo: b@gmail.com\r\nSubject: deep\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n")
	const depth = 5000
	for i := 1; i < depth; i++ {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: Multipart/Mixed; boundary=b%d\r\n\r\n", i-1, i)
	}
	fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\nNHS 943 476 5919\r\n", depth-1)
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	p, err := mimemsg.ParseBytesWithOptions([]byte(b.String()), mimemsg.Options{})
	require.NoError(t, err)
	assert.Contains(t, p.Warnings, mimemsg.Warning{Kind: mimemsg.WarnTooDeep})
	assert.Contains(t, p.Message.Body.Content, "NHS 943 476 5919")
	assert.Equal(t, []string{"b@gmail.com"}, addrs(p.Message.ToRecipients))
}
