package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/server/app"
	"github.com/sendguard/sendguard/server/auth/authtest"
	"github.com/sendguard/sendguard/server/store"
	"github.com/sendguard/sendguard/server/store/storetest"
)

// syncBuffer collects the service's stderr (logs) safely.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// service is a running Main for a test.
type service struct {
	*app.Main
	URL    string
	DBURL  string
	Logs   *syncBuffer
	Issuer *authtest.Issuer
}

// start runs the real service on 127.0.0.1:0 with a fresh database of the
// dialect, authenticating against a loopback JWKS, and stops it when the
// test ends.
func start(t *testing.T, d store.Dialect, mod func(m *app.Main)) *service {
	t.Helper()
	return startOn(t, storetest.URL(t, d), authtest.NewIssuer(t), mod)
}

// startOn runs the service on an existing database URL and issuer, so
// several replicas can share them.
func startOn(t *testing.T, dbURL string, iss *authtest.Issuer, mod func(m *app.Main)) *service {
	t.Helper()
	logs := &syncBuffer{}
	m := app.NewMain()
	m.Stderr = logs
	args := []string{
		"--addr", "127.0.0.1:0", "--database-url", dbURL, "--log-level", "debug",
		"--client-id", authtest.ClientID, "--tenant", authtest.TenantA + "," + authtest.TenantB,
		"--authority-url", iss.URL, "--rate-limit", "0",
	}
	require.NoError(t, m.ParseFlags(args, func(string) string { return "" }))
	if mod != nil {
		mod(m)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(t, m.Run(ctx), "logs:\n%s", logs)
	t.Cleanup(func() { _ = m.Close() })
	return &service{Main: m, URL: m.URL(), DBURL: dbURL, Logs: logs, Issuer: iss}
}

// response is a decoded answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) JSON(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &v), "body: %s", r.Body)
	return v
}

// ErrorCode returns error.code of an error envelope, failing the test if
// the body is not one.
func (r response) ErrorCode(t *testing.T) string {
	t.Helper()
	var env struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &env), "status %d body: %s", r.Status, r.Body)
	require.NotNil(t, env.Error, "not an error envelope: %s", r.Body)
	require.NotEmpty(t, env.Error.Message)
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	return env.Error.Code
}

var client = &http.Client{Timeout: 30 * time.Second}

// do sends a request with an optional bearer token and extra headers
// ("Name: value").
func do(t *testing.T, method, url, token string, body any, headers ...string) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// checkBody is a typical check request: an HTML body and six recipients.
func checkBody(subject, body string) map[string]any {
	rcpt := func(a string) map[string]any {
		return map[string]any{"emailAddress": map[string]any{"name": "", "address": a}}
	}
	return map[string]any{
		"message": map[string]any{
			"from":         rcpt("dr.a.other@nhs.net"),
			"toRecipients": []any{rcpt("p1@gmail.com"), rcpt("p2@yahoo.co.uk"), rcpt("p3@hotmail.com")},
			"ccRecipients": []any{rcpt("colleague@nhs.net"), rcpt("clinic@example-trust.nhs.uk"), rcpt("p4@outlook.com")},
			"subject":      subject,
			"body":         map[string]any{"contentType": "html", "content": body},
		},
		"context": map[string]any{"knownRecipients": []string{"colleague@nhs.net"}},
	}
}

// validEvent is an event the API accepts.
func validEvent() map[string]any {
	return map[string]any{
		"action":         "sent-anyway",
		"rules":          []string{"insecure-recipient"},
		"verdictAction":  "block",
		"classification": "red",
		"justification":  "Patient asked to receive results by email",
		"evidence":       []any{map[string]any{"kind": "nhs-number", "field": "body", "masked": "*** *** 5919"}},
		"messageRef":     "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		"policy":         map[string]any{"id": "default", "version": "1"},
		"client":         map[string]any{"host": "Outlook", "platform": "OfficeOnline", "version": "16.0.18227.20000", "addinVersion": "0.1.0"},
	}
}
