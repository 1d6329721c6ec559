// Package authtest is a loopback stand-in for Entra ID's token signing
// in tests: it generates real RSA keys, serves them as a JWKS at
// {URL}/{tid}/discovery/v2.0/keys, and signs access tokens shaped like
// Entra ID v2 tokens. The verifier under test is the real one; only the
// identity provider is local, because tests cannot reach Microsoft.
package authtest

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// ClientID is the API client ID tokens are issued for.
const ClientID = "6e1a4c5b-0d7e-4f3a-9b2c-1d2e3f4a5b6c"

// Scope is the delegated scope tokens carry.
const Scope = "access_as_user"

// AdminRole is the admin app role.
const AdminRole = "Sendguard.Admin"

// Two tenants for isolation tests.
const (
	TenantA = "11111111-1111-4111-8111-111111111111"
	TenantB = "22222222-2222-4222-8222-222222222222"
)

// Issuer signs tokens and serves its public keys.
type Issuer struct {
	// URL is the authority to configure the verifier with.
	URL string
	// Fetches counts JWKS requests.
	Fetches atomic.Int64

	mu        sync.Mutex
	published map[string]*rsa.PrivateKey // kid -> key, served in the JWKS
	current   string
}

// Key is a signing key and its kid.
type Key struct {
	Kid string
	Key *rsa.PrivateKey
}

// NewIssuer starts the JWKS server (closed when the test ends) with one
// published key.
func NewIssuer(t testing.TB) *Issuer {
	t.Helper()
	iss := &Issuer{published: map[string]*rsa.PrivateKey{}}
	k := NewKey(t, "key-1")
	iss.Publish(k)
	iss.current = k.Kid
	srv := httptest.NewServer(http.HandlerFunc(iss.serveKeys))
	t.Cleanup(srv.Close)
	iss.URL = srv.URL
	return iss
}

// NewKey generates an RSA key.
func NewKey(t testing.TB, kid string) Key {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	return Key{Kid: kid, Key: k}
}

// Publish adds a key to the JWKS.
func (i *Issuer) Publish(k Key) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.published[k.Kid] = k.Key
}

// Current is the key Token signs with.
func (i *Issuer) Current() Key {
	i.mu.Lock()
	defer i.mu.Unlock()
	return Key{Kid: i.current, Key: i.published[i.current]}
}

func (i *Issuer) serveKeys(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/discovery/v2.0/keys") {
		http.NotFound(w, r)
		return
	}
	i.Fetches.Add(1)
	i.mu.Lock()
	var keys []map[string]string
	for kid, k := range i.published {
		keys = append(keys, map[string]string{
			"kty": "RSA", "use": "sig", "kid": kid,
			"n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes()),
		})
	}
	i.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"keys": keys})
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// Claims are a token's claims.
type Claims map[string]any

// Claims returns valid claims for a user of tenant tid, an admin if admin.
func (i *Issuer) Claims(tid, oid string, admin bool) Claims {
	now := time.Now()
	c := Claims{
		"iss": i.URL + "/" + tid + "/v2.0", "aud": ClientID, "tid": tid, "oid": oid,
		"scp": "openid " + Scope, "preferred_username": oid + "@" + tid[:8] + ".example",
		"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(), "ver": "2.0",
	}
	if admin {
		c["roles"] = []string{AdminRole}
	}
	return c
}

// Token signs claims with the current key.
func (i *Issuer) Token(t testing.TB, c Claims) string {
	return Sign(t, i.Current(), c)
}

// User is a valid token for a user of tid.
func (i *Issuer) User(t testing.TB, tid, oid string, admin bool) string {
	return i.Token(t, i.Claims(tid, oid, admin))
}

// Sign makes an RS256 JWS with key k.
func Sign(t testing.TB, k Key, c Claims) string {
	t.Helper()
	signing := segment(t, map[string]string{"alg": "RS256", "typ": "JWT", "kid": k.Kid}) + "." + segment(t, c)
	digest := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.Key, crypto.SHA256, digest[:])
	require.NoError(t, err)
	return signing + "." + b64(sig)
}

// Unsigned makes a token with alg "none" and an empty signature.
func Unsigned(t testing.TB, kid string, c Claims) string {
	return segment(t, map[string]string{"alg": "none", "typ": "JWT", "kid": kid}) + "." + segment(t, c) + "."
}

// HMACWithPublicKey makes the key-confusion forgery: HS256 keyed with the
// RSA public key's bytes.
func HMACWithPublicKey(t testing.TB, k Key, c Claims) string {
	signing := segment(t, map[string]string{"alg": "HS256", "typ": "JWT", "kid": k.Kid}) + "." + segment(t, c)
	m := hmac.New(sha256.New, k.Key.PublicKey.N.Bytes())
	m.Write([]byte(signing))
	return signing + "." + b64(m.Sum(nil))
}

func segment(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b64(b)
}
