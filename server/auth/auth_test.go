package auth_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/server/auth"
	"github.com/sendguard/sendguard/server/auth/authtest"
	"github.com/sendguard/sendguard/server/domain"
)

func newVerifier(t *testing.T, iss *authtest.Issuer, mod func(*auth.Config)) *auth.Verifier {
	t.Helper()
	cfg := auth.Config{
		Authority: iss.URL, ClientID: authtest.ClientID, Scope: authtest.Scope,
		AdminRole: authtest.AdminRole, Tenants: []string{authtest.TenantA, authtest.TenantB},
	}
	if mod != nil {
		mod(&cfg)
	}
	v, err := auth.New(cfg)
	require.NoError(t, err)
	return v
}

func errCode(err error) string {
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return "not an apierr: " + err.Error()
}

func TestVerify(t *testing.T) {
	iss := authtest.NewIssuer(t)
	other := authtest.NewKey(t, "key-1") // same kid, different key: a forged signature
	stranger := authtest.NewKey(t, "key-never-published")
	valid := func() authtest.Claims {
		return iss.Claims(authtest.TenantA, "00000000-0000-4000-8000-0000000000aa", false)
	}
	with := func(k string, v any) authtest.Claims { c := valid(); c[k] = v; return c }
	without := func(k string) authtest.Claims { c := valid(); delete(c, k); return c }

	tests := map[string]struct {
		token    func(t *testing.T) string
		wantCode string // "" means valid
		admin    bool
	}{
		"valid user":            {token: func(t *testing.T) string { return iss.Token(t, valid()) }},
		"valid admin":           {token: func(t *testing.T) string { return iss.Token(t, with("roles", []string{"Other", authtest.AdminRole})) }, admin: true},
		"aud as api:// URI":     {token: func(t *testing.T) string { return iss.Token(t, with("aud", "api://"+authtest.ClientID)) }},
		"aud as array":          {token: func(t *testing.T) string { return iss.Token(t, with("aud", []string{"x", authtest.ClientID})) }},
		"expired within skew":   {token: func(t *testing.T) string { return iss.Token(t, with("exp", time.Now().Add(-20*time.Second).Unix())) }},
		"wrong signature":       {token: func(t *testing.T) string { return authtest.Sign(t, other, valid()) }, wantCode: apierr.Unauthorized},
		"tampered claims":       {token: func(t *testing.T) string { return tamper(t, iss.Token(t, valid())) }, wantCode: apierr.Unauthorized},
		"alg none":              {token: func(t *testing.T) string { return authtest.Unsigned(t, "key-1", valid()) }, wantCode: apierr.Unauthorized},
		"alg HS256 with public": {token: func(t *testing.T) string { return authtest.HMACWithPublicKey(t, iss.Current(), valid()) }, wantCode: apierr.Unauthorized},
		"expired":               {token: func(t *testing.T) string { return iss.Token(t, with("exp", time.Now().Add(-5*time.Minute).Unix())) }, wantCode: apierr.Unauthorized},
		"no exp":                {token: func(t *testing.T) string { return iss.Token(t, without("exp")) }, wantCode: apierr.Unauthorized},
		"not yet valid":         {token: func(t *testing.T) string { return iss.Token(t, with("nbf", time.Now().Add(10*time.Minute).Unix())) }, wantCode: apierr.Unauthorized},
		"wrong audience":        {token: func(t *testing.T) string { return iss.Token(t, with("aud", "00000003-0000-0000-c000-000000000000")) }, wantCode: apierr.Unauthorized},
		"wrong issuer": {token: func(t *testing.T) string {
			return iss.Token(t, with("iss", "https://sts.windows.net/"+authtest.TenantA+"/"))
		}, wantCode: apierr.Unauthorized},
		"issuer of other tenant": {token: func(t *testing.T) string {
			return iss.Token(t, with("iss", iss.URL+"/"+authtest.TenantB+"/v2.0"))
		}, wantCode: apierr.Unauthorized},
		"unlisted tenant": {token: func(t *testing.T) string {
			c := iss.Claims("33333333-3333-4333-8333-333333333333", "oid", true)
			return iss.Token(t, c)
		}, wantCode: apierr.Unauthorized},
		"no tenant":           {token: func(t *testing.T) string { return iss.Token(t, without("tid")) }, wantCode: apierr.Unauthorized},
		"missing scope":       {token: func(t *testing.T) string { return iss.Token(t, with("scp", "openid profile")) }, wantCode: apierr.Forbidden},
		"scope as substring":  {token: func(t *testing.T) string { return iss.Token(t, with("scp", "access_as_user_not")) }, wantCode: apierr.Forbidden},
		"app-only token":      {token: func(t *testing.T) string { return iss.Token(t, without("oid")) }, wantCode: apierr.Unauthorized},
		"unknown kid":         {token: func(t *testing.T) string { return authtest.Sign(t, stranger, valid()) }, wantCode: apierr.Unauthorized},
		"not a JWT":           {token: func(*testing.T) string { return "opaque-token" }, wantCode: apierr.Unauthorized},
		"garbage segments":    {token: func(*testing.T) string { return "a.b.c" }, wantCode: apierr.Unauthorized},
		"huge exp":            {token: func(t *testing.T) string { return iss.Token(t, with("exp", 1e300)) }, wantCode: apierr.Unauthorized},
		"exp as string":       {token: func(t *testing.T) string { return iss.Token(t, with("exp", "tomorrow")) }, wantCode: apierr.Unauthorized},
		"roles without admin": {token: func(t *testing.T) string { return iss.Token(t, with("roles", []string{"Reader"})) }},
	}
	v := newVerifier(t, iss, nil)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p, err := v.Verify(context.Background(), tc.token(t))
			if tc.wantCode != "" {
				require.Error(t, err)
				assert.Equal(t, tc.wantCode, errCode(err))
				assert.Equal(t, domain.Principal{}, p)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, authtest.TenantA, p.TenantID)
			assert.Equal(t, "00000000-0000-4000-8000-0000000000aa", p.ObjectID)
			assert.Equal(t, tc.admin, p.Admin)
		})
	}
}

// tamper flips the oid in the claims without re-signing.
func tamper(t *testing.T, tok string) string {
	parts := strings.Split(tok, ".")
	c := authtest.Claims{}
	require.NoError(t, decode(parts[1], &c))
	c["oid"] = "someone-else"
	parts[1] = encode(t, c)
	return strings.Join(parts, ".")
}

func TestKeysAreCachedAndRefreshedOnUnknownKid(t *testing.T) {
	iss := authtest.NewIssuer(t)
	now := time.Now()
	clock := func() time.Time { return now }
	v := newVerifier(t, iss, func(c *auth.Config) { c.Now = clock; c.MinRefresh = time.Minute })
	ctx := context.Background()
	oid := "00000000-0000-4000-8000-0000000000bb"

	for range 20 {
		_, err := v.Verify(ctx, iss.User(t, authtest.TenantA, oid, false))
		require.NoError(t, err)
	}
	assert.Equal(t, int64(1), iss.Fetches.Load(), "keys are fetched once, not per request")

	// Entra ID rotates: a new key is published and tokens use it. The
	// unknown kid triggers one refresh... but not within MinRefresh of the
	// last fetch, so made-up kids cannot hammer the key endpoint.
	rotated := authtest.NewKey(t, "key-2")
	iss.Publish(rotated)
	tok := authtest.Sign(t, rotated, iss.Claims(authtest.TenantA, oid, false))
	_, err := v.Verify(ctx, tok)
	assert.Equal(t, apierr.Unauthorized, errCode(err), "refresh is rate-limited")
	assert.Equal(t, int64(1), iss.Fetches.Load())

	now = now.Add(2 * time.Minute)
	_, err = v.Verify(ctx, tok)
	require.NoError(t, err, "unknown kid refreshes the keys once the interval has passed")
	assert.Equal(t, int64(2), iss.Fetches.Load())

	stranger := authtest.NewKey(t, "key-unpublished")
	now = now.Add(2 * time.Minute)
	for range 5 {
		_, err = v.Verify(ctx, authtest.Sign(t, stranger, iss.Claims(authtest.TenantA, oid, false)))
		assert.Equal(t, apierr.Unauthorized, errCode(err), "unknown kid after refresh")
	}
	assert.Equal(t, int64(3), iss.Fetches.Load(), "five unknown kids cost one fetch")

	// Tenant B has its own key set: a separate fetch.
	_, err = v.Verify(ctx, iss.User(t, authtest.TenantB, oid, false))
	require.NoError(t, err)
	assert.Equal(t, int64(4), iss.Fetches.Load())
}

func TestUnlistedTenantFetchesNothing(t *testing.T) {
	iss := authtest.NewIssuer(t)
	v := newVerifier(t, iss, func(c *auth.Config) { c.Tenants = []string{authtest.TenantA} })
	_, err := v.Verify(context.Background(), iss.User(t, authtest.TenantB, "oid", false))
	assert.Equal(t, apierr.Unauthorized, errCode(err))
	assert.Zero(t, iss.Fetches.Load())
}

func TestKeyEndpointDown(t *testing.T) {
	v, err := auth.New(auth.Config{Authority: "http://127.0.0.1:1", ClientID: authtest.ClientID, Tenants: []string{authtest.TenantA}})
	require.NoError(t, err)
	iss := authtest.NewIssuer(t)
	_, err = v.Verify(context.Background(), iss.User(t, authtest.TenantA, "oid", false))
	assert.Equal(t, apierr.Unavailable, errCode(err))
}

func TestNewNeedsClientAndTenant(t *testing.T) {
	_, err := auth.New(auth.Config{Tenants: []string{"t"}})
	assert.ErrorContains(t, err, "client ID")
	_, err = auth.New(auth.Config{ClientID: "c"})
	assert.ErrorContains(t, err, "tenant")
}

func TestKeyEndpointRecovers(t *testing.T) {
	iss := authtest.NewIssuer(t)
	now := time.Now()
	broken := true
	client := &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		if broken {
			return nil, errors.New("connection refused")
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	v := newVerifier(t, iss, func(c *auth.Config) { c.Now = func() time.Time { return now }; c.HTTPClient = client })
	tok := iss.User(t, authtest.TenantA, "oid", false)
	_, err := v.Verify(context.Background(), tok)
	assert.Equal(t, apierr.Unavailable, errCode(err))
	broken = false
	_, err = v.Verify(context.Background(), tok)
	assert.Equal(t, apierr.Unavailable, errCode(err), "not retried per request")
	now = now.Add(11 * time.Second)
	_, err = v.Verify(context.Background(), tok)
	require.NoError(t, err, "retried well before MinRefresh when there are no keys at all")
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
