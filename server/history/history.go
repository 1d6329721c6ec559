// Package history keeps each sender's recipient history — which addresses
// they have sent to, how often and when last — built from Sent Items by
// the auditor, and serves it as engine context (POST /api/v1/recipients)
// so the add-in and the auditor judge "new" and "lookalike" recipients the
// same way.
//
// Addresses are personal data: rows are keyed by HMAC-SHA256 of the
// normalised address under a per-deployment key, and the address itself is
// stored sealed with AES-256-GCM under a key derived from the same secret,
// because lookalike detection needs the raw form. The package depends on
// the engine, server/store and gin (for its routes), never on Graph.
package history

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/engine/address"
)

// Keys hash and seal addresses. Build them once per process.
type Keys struct {
	mac  []byte
	aead cipher.AEAD
}

// KeySize is the length of a history secret in bytes.
const KeySize = 32

// NewKeys derives the hashing and sealing keys from a secret of at least
// KeySize bytes. Two derived keys, so the HMAC never shares a key with
// the cipher.
func NewKeys(secret []byte) (*Keys, error) {
	if len(secret) < KeySize {
		return nil, fmt.Errorf("history key must be at least %d bytes", KeySize)
	}
	derive := func(label string) []byte {
		h := hmac.New(sha256.New, secret)
		h.Write([]byte("sendguard history " + label))
		return h.Sum(nil)
	}
	block, err := aes.NewCipher(derive("seal"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Keys{mac: derive("hash"), aead: aead}, nil
}

// ParseSecret reads SENDGUARD_HISTORY_KEY: 64 hex digits or base64 of 32
// bytes or more.
func ParseSecret(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) >= KeySize {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) >= KeySize {
		return b, nil
	}
	return nil, errors.New("SENDGUARD_HISTORY_KEY must be 64 hex digits or base64 of at least 32 bytes")
}

// Hash is the keyed hash of a normalised address, as stored.
func (k *Keys) Hash(addr string) string {
	h := hmac.New(sha256.New, k.mac)
	h.Write([]byte(addr))
	return hex.EncodeToString(h.Sum(nil))
}

// seal encrypts an address, binding it to its row (tenant, sender hash) so
// a sealed value copied to another row does not open.
func (k *Keys) seal(addr, aad string) []byte {
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(addr)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("history: crypto/rand failed: " + err.Error())
	}
	return k.aead.Seal(nonce, nonce, []byte(addr), []byte(aad))
}

func (k *Keys) open(sealed []byte, aad string) (string, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return "", errors.New("sealed address is too short")
	}
	b, err := k.aead.Open(nil, sealed[:n], sealed[n:], []byte(aad))
	if err != nil {
		return "", errors.New("sealed address does not open with this key (was SENDGUARD_HISTORY_KEY changed?)")
	}
	return string(b), nil
}

// Normalize is the form addresses are kept and compared in: the engine's
// normalisation. ok is false for something that is not an address.
func Normalize(raw string) (string, bool) { return address.Normalize(raw) }

// Entry is one recipient of one sender.
type Entry struct {
	Address string    `json:"address"`
	Count   int64     `json:"count"`
	Last    time.Time `json:"lastSent"`
	// hash is the stored key of Address, once known; stored says the row
	// exists, so saving updates counts without sealing the address again.
	hash   string
	stored bool
}

// Book is one sender's history in memory: what the auditor consults before
// a message and updates after it. Not safe for concurrent use.
type Book struct {
	Tenant, Sender string
	entries        map[string]*Entry
	dirty          map[string]bool
}

// NewBook returns an empty history.
func NewBook(tenant, sender string) *Book {
	if a, ok := Normalize(sender); ok {
		sender = a
	}
	return &Book{Tenant: tenant, Sender: sender, entries: map[string]*Entry{}, dirty: map[string]bool{}}
}

// Len is the number of distinct recipients.
func (b *Book) Len() int { return len(b.entries) }

// Has reports whether the sender has sent to addr (normalised).
func (b *Book) Has(addr string) bool { _, ok := b.entries[addr]; return ok }

// Get returns a recipient's entry.
func (b *Book) Get(addr string) (Entry, bool) {
	e, ok := b.entries[addr]
	if !ok {
		return Entry{}, false
	}
	return *e, true
}

// Record counts one message sent at t to every address in to (raw forms;
// duplicates within one message count once) and returns the addresses
// that were new to the history.
func (b *Book) Record(to []string, t time.Time) (added []string) {
	seen := map[string]bool{}
	for _, raw := range to {
		a, ok := Normalize(raw)
		if !ok || seen[a] {
			continue
		}
		seen[a] = true
		e := b.entries[a]
		if e == nil {
			e = &Entry{Address: a}
			b.entries[a] = e
			added = append(added, a)
		}
		e.Count++
		if t.After(e.Last) {
			e.Last = t
		}
		b.dirty[a] = true
	}
	return added
}

// Known lists the addresses, sorted.
func (b *Book) Known() []string {
	out := make([]string, 0, len(b.entries))
	for a := range b.entries {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Context is the engine context the history gives: KnownRecipients is
// never nil, because a loaded history — even an empty one — is a history.
// The list is in no particular order (the engine sorts what it indexes).
func (b *Book) Context() engine.Context {
	known := make([]string, 0, len(b.entries))
	for a := range b.entries {
		known = append(known, a)
	}
	return engine.Context{KnownRecipients: known}
}

// Recipients collects a message's To, Cc and Bcc addresses: everyone the
// sender chose to send to counts as a correspondent.
func Recipients(m *engine.Message) []string {
	out := make([]string, 0, len(m.ToRecipients)+len(m.CcRecipients)+len(m.BccRecipients))
	for _, list := range [][]engine.Recipient{m.ToRecipients, m.CcRecipients, m.BccRecipients} {
		for _, r := range list {
			out = append(out, r.EmailAddress.Address)
		}
	}
	return out
}
