package http

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestLooksMasked(t *testing.T) {
	tests := map[string]struct {
		in   string
		want bool
	}{
		"masked NHS number":     {"*** *** 5919", true},
		"masked CHI":            {"******1234", true},
		"masked postcode":       {"SW1A ***", true},
		"masked date":           {"**/**/1980", true},
		"category":              {"mental-health", true},
		"lexicon phrase":        {"special offer", true},
		"attachment":            {"*.pdf", true},
		"NINO":                  {"** ** ** ** A", true},
		"two visible runs":      {"SW1A 1AA ***", false},
		"whole NHS number":      {"943 476 5919", false},
		"dashed NHS number":     {"943-476-5919", false},
		"dotted digits":         {"943.476.5919", false},
		"partly masked number":  {"*** 476 5919", false},
		"address":               {"a.patient@gmail.com", false},
		"masked-looking name":   {"Jane Doe ***", false},
		"name":                  {"Jane Doe", false},
		"empty":                 {"", false},
		"too long":              {"*" + string(make([]byte, 80)), false},
		"quotes and tags":       {`<b>***</b>`, false},
		"invalid UTF-8":         {"***\xff", false},
		"capitalised category":  {"HIV", false},
		"unicode letters shown": {"ÉÉÉÉÉÉÉÉÉ *", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, looksMasked(tc.in), "%q", tc.in)
		})
	}
}

func TestCarriesIdentifier(t *testing.T) {
	tests := map[string]struct {
		in   string
		want bool
	}{
		"plain reason":        {"Patient asked for results by email", false},
		"four digits":         {"Ward 1234", false},
		"two short numbers":   {"bed 12, room 345", false},
		"NHS number":          {"ref 943 476 5919", true},
		"date of birth":       {"born 01/02/1980", true},
		"phone":               {"call 020 7946 0000", true},
		"address":             {"to jane@example.com", true},
		"at sign alone":       {"sent @ 10am", false},
		"five digits":         {"12345", true},
		"digits across words": {"1 2 3 4 5", true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, carriesIdentifier(tc.in), "%q", tc.in)
		})
	}
}

func TestLimiter(t *testing.T) {
	l := newLimiter(2, 4) // 2 a second, bursts of 4
	now := time.Unix(1000, 0)
	for i := range 4 {
		ok, _ := l.allow("a", now)
		assert.True(t, ok, "burst %d", i)
	}
	ok, wait := l.allow("a", now)
	assert.False(t, ok)
	assert.Equal(t, 500*time.Millisecond, wait)
	ok, _ = l.allow("b", now)
	assert.True(t, ok, "buckets are per tenant")
	ok, _ = l.allow("a", now.Add(500*time.Millisecond))
	assert.True(t, ok, "refilled one token")
	ok, _ = l.allow("a", now.Add(500*time.Millisecond))
	assert.False(t, ok)
	for range 4 {
		ok, _ = l.allow("a", now.Add(time.Hour))
		assert.True(t, ok, "refill stops at the burst")
	}
	ok, _ = l.allow("a", now.Add(time.Hour))
	assert.False(t, ok)
}
