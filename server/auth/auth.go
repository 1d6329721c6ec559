// Package auth validates Entra ID v2 access tokens as Microsoft 365's
// nested app authentication issues them to the add-in: RS256 signatures
// checked against the tenant's published signing keys (JWKS), issuer,
// audience, lifetime, scope and an allowlist of tenants, with the admin
// app role read from roles.
//
// It uses only the standard library's crypto, so there is no JWT library
// whose defaults could accept alg=none or an HMAC key confusion: exactly
// one algorithm, RS256, is accepted. It must not import the HTTP layer.
package auth

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/server/domain"
)

// noKeysRetry is how soon a tenant whose keys could never be fetched is
// tried again.
const noKeysRetry = 10 * time.Second

// DefaultAuthority is Microsoft's public-cloud login endpoint.
const DefaultAuthority = "https://login.microsoftonline.com"

// Config configures a Verifier.
type Config struct {
	// Authority is the login endpoint; keys come from
	// {Authority}/{tid}/discovery/v2.0/keys and the issuer must be
	// {Authority}/{tid}/v2.0. Tests point it at a loopback JWKS server.
	Authority string
	// ClientID is the API's application (client) ID. Tokens must name it
	// (or api://ClientID) in aud.
	ClientID string
	// Scope must appear in the space-separated scp claim.
	Scope string
	// AdminRole in the roles claim makes the caller an admin.
	AdminRole string
	// Tenants is the allowlist of tenant IDs. Required.
	Tenants []string
	// Skew is the clock skew allowed on exp and nbf (default 1 minute).
	Skew time.Duration
	// KeyTTL is how long fetched keys are trusted before a background
	// refresh on next use (default 24 hours).
	KeyTTL time.Duration
	// MinRefresh is the least time between two fetches of one tenant's
	// keys, which bounds what tokens with made-up kids can cost (default
	// 5 minutes).
	MinRefresh time.Duration
	// HTTPClient fetches keys (default: 10 s timeout).
	HTTPClient *http.Client
	// Now is the clock (tests).
	Now func() time.Time
}

// Verifier validates access tokens. It is safe for concurrent use.
type Verifier struct {
	cfg     Config
	tenants map[string]bool
	mu      sync.Mutex
	sets    map[string]*keySet
}

// keySet is one tenant's cached signing keys.
type keySet struct {
	mu        sync.Mutex // held while fetching, so one fetch serves all waiters
	keys      map[string]*rsa.PublicKey
	fetchedAt time.Time
	triedAt   time.Time
}

// New returns a Verifier. It fetches nothing until the first token.
func New(cfg Config) (*Verifier, error) {
	if cfg.Authority == "" {
		cfg.Authority = DefaultAuthority
	}
	cfg.Authority = strings.TrimRight(cfg.Authority, "/")
	if cfg.ClientID == "" {
		return nil, errors.New("auth: the API client ID is required (--client-id)")
	}
	if len(cfg.Tenants) == 0 {
		return nil, errors.New("auth: at least one tenant ID is required (--tenant)")
	}
	if cfg.Scope == "" {
		cfg.Scope = "access_as_user"
	}
	if cfg.Skew == 0 {
		cfg.Skew = time.Minute
	}
	if cfg.KeyTTL == 0 {
		cfg.KeyTTL = 24 * time.Hour
	}
	if cfg.MinRefresh == 0 {
		cfg.MinRefresh = 5 * time.Minute
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	v := &Verifier{cfg: cfg, tenants: map[string]bool{}, sets: map[string]*keySet{}}
	for _, t := range cfg.Tenants {
		v.tenants[strings.ToLower(strings.TrimSpace(t))] = true
	}
	return v, nil
}

func unauthorized(msg string) *apierr.Error { return apierr.New(apierr.Unauthorized, msg) }

// header is the JOSE header.
type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

// claims are the Entra ID v2 access-token claims Sendguard reads.
type claims struct {
	Iss   string          `json:"iss"`
	Aud   json.RawMessage `json:"aud"`
	Exp   *json.Number    `json:"exp"`
	Nbf   *json.Number    `json:"nbf"`
	Tid   string          `json:"tid"`
	Oid   string          `json:"oid"`
	Scp   string          `json:"scp"`
	Roles []string        `json:"roles"`
	UPN   string          `json:"preferred_username"`
}

// Verify validates a compact JWS access token and returns the caller.
// Errors are *apierr.Error: Unauthorized for a token that is not valid,
// Forbidden for a valid token that lacks the scope.
func (v *Verifier) Verify(ctx context.Context, token string) (domain.Principal, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return domain.Principal{}, unauthorized("the bearer token is not a JWT")
	}
	var h header
	if err := decodeSegment(parts[0], &h); err != nil {
		return domain.Principal{}, unauthorized("the token header is malformed")
	}
	// Exactly one algorithm: alg=none and HS256 (the public key used as an
	// HMAC secret) are the classic forgeries.
	if h.Alg != "RS256" {
		return domain.Principal{}, unauthorized("the token algorithm must be RS256")
	}
	if h.Kid == "" {
		return domain.Principal{}, unauthorized("the token header has no kid")
	}
	var c claims
	if err := decodeSegment(parts[1], &c); err != nil {
		return domain.Principal{}, unauthorized("the token claims are malformed")
	}
	tid := strings.ToLower(c.Tid)
	// The allowlist is checked before any key fetch, so tokens naming
	// other tenants cannot make the server fetch anything.
	if tid == "" || !v.tenants[tid] {
		return domain.Principal{}, unauthorized("the token's tenant is not allowed on this server")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return domain.Principal{}, unauthorized("the token signature is malformed")
	}
	key, err := v.key(ctx, tid, h.Kid)
	if err != nil {
		return domain.Principal{}, err
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig); err != nil {
		return domain.Principal{}, unauthorized("the token signature is not valid")
	}
	if c.Iss != v.cfg.Authority+"/"+tid+"/v2.0" {
		return domain.Principal{}, unauthorized("the token issuer is not the tenant's v2.0 issuer")
	}
	if !v.audienceOK(c.Aud) {
		return domain.Principal{}, unauthorized("the token audience is not this API")
	}
	now := v.cfg.Now()
	exp, ok := numericDate(c.Exp)
	if !ok {
		return domain.Principal{}, unauthorized("the token has no valid exp")
	}
	if !now.Before(exp.Add(v.cfg.Skew)) {
		return domain.Principal{}, unauthorized("the token has expired")
	}
	if c.Nbf != nil {
		nbf, ok := numericDate(c.Nbf)
		if !ok {
			return domain.Principal{}, unauthorized("the token nbf is not a number")
		}
		if now.Add(v.cfg.Skew).Before(nbf) {
			return domain.Principal{}, unauthorized("the token is not valid yet")
		}
	}
	if c.Oid == "" {
		return domain.Principal{}, unauthorized("the token has no oid: user tokens only")
	}
	if !slices.Contains(strings.Fields(c.Scp), v.cfg.Scope) {
		return domain.Principal{}, apierr.New(apierr.Forbidden, "the token lacks the "+v.cfg.Scope+" scope")
	}
	return domain.Principal{
		TenantID: tid,
		ObjectID: strings.ToLower(c.Oid),
		UPN:      c.UPN,
		Admin:    v.cfg.AdminRole != "" && slices.Contains(c.Roles, v.cfg.AdminRole),
	}, nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

func numericDate(n *json.Number) (time.Time, bool) {
	if n == nil {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}

func (v *Verifier) audienceOK(raw json.RawMessage) bool {
	var auds []string
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		auds = []string{one}
	} else if err := json.Unmarshal(raw, &auds); err != nil {
		return false
	}
	for _, a := range auds {
		if a == v.cfg.ClientID || a == "api://"+v.cfg.ClientID {
			return true
		}
	}
	return false
}

// key returns the tenant's signing key kid, fetching the key set on first
// use, when it is older than KeyTTL, or when kid is unknown (at most once
// per MinRefresh).
func (v *Verifier) key(ctx context.Context, tid, kid string) (*rsa.PublicKey, error) {
	v.mu.Lock()
	ks := v.sets[tid]
	if ks == nil {
		ks = &keySet{}
		v.sets[tid] = ks
	}
	v.mu.Unlock()

	ks.mu.Lock()
	defer ks.mu.Unlock()
	now := v.cfg.Now()
	k, known := ks.keys[kid]
	stale := ks.fetchedAt.IsZero() || now.Sub(ks.fetchedAt) > v.cfg.KeyTTL
	if known && !stale {
		return k, nil
	}
	if ks.triedAt.IsZero() || now.Sub(ks.triedAt) >= v.cfg.MinRefresh {
		ks.triedAt = now
		// The fetch serves every waiting request, so one caller hanging up
		// must not cancel it.
		keys, err := v.fetch(context.WithoutCancel(ctx), tid)
		if err == nil {
			ks.keys, ks.fetchedAt = keys, now
		} else if ks.keys == nil {
			// With no keys at all every token fails: retry sooner than
			// MinRefresh, but still not per request.
			ks.triedAt = now.Add(min(0, noKeysRetry-v.cfg.MinRefresh))
			return nil, apierr.New(apierr.Unavailable, "cannot fetch the tenant's signing keys")
		}
		k, known = ks.keys[kid]
	}
	if ks.keys == nil {
		return nil, apierr.New(apierr.Unavailable, "cannot fetch the tenant's signing keys")
	}
	if !known {
		return nil, unauthorized("the token is signed with an unknown key")
	}
	return k, nil
}

// jwk is one key of a JSON Web Key Set.
type jwk struct {
	Kty string `json:"kty"`
	Use string `json:"use"`
	Kid string `json:"kid"`
	N   string `json:"n"`
	E   string `json:"e"`
}

func (v *Verifier) fetch(ctx context.Context, tid string) (map[string]*rsa.PublicKey, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.cfg.Authority+"/"+tid+"/discovery/v2.0/keys", nil)
	if err != nil {
		return nil, err
	}
	resp, err := v.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("keys endpoint answered %s", resp.Status)
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20)).Decode(&set); err != nil {
		return nil, fmt.Errorf("keys endpoint: %w", err)
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" || (k.Use != "" && k.Use != "sig") || k.Kid == "" {
			continue
		}
		pub, err := rsaKey(k.N, k.E)
		if err != nil {
			continue
		}
		keys[k.Kid] = pub
	}
	return keys, nil
}

func rsaKey(n64, e64 string) (*rsa.PublicKey, error) {
	nb, err := base64.RawURLEncoding.DecodeString(n64)
	if err != nil {
		return nil, err
	}
	eb, err := base64.RawURLEncoding.DecodeString(e64)
	if err != nil {
		return nil, err
	}
	if len(eb) == 0 || len(eb) > 4 {
		return nil, errors.New("bad exponent")
	}
	e := 0
	for _, b := range eb {
		e = e<<8 | int(b)
	}
	pub := &rsa.PublicKey{E: e}
	pub.N = new(big.Int).SetBytes(nb)
	if pub.N.BitLen() < 2048 || e < 3 {
		return nil, errors.New("key too weak")
	}
	return pub, nil
}
