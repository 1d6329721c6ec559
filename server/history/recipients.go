package history

import (
	"container/list"
	"context"
	"encoding/json"
	"errors"
	nethttp "net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/engine/address"
	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/engine/lookalike"
	sghttp "github.com/sendguard/sendguard/server/http"
)

// Lookalike is one draft recipient that is one slip from an address the
// sender uses.
type Lookalike struct {
	Address   string `json:"address"`
	Candidate string `json:"candidate"`
	Reason    string `json:"reason"`
}

// Answer is POST /api/v1/recipients' response.
type Answer struct {
	// Known are the draft's recipients the sender has sent to before.
	Known []string `json:"known"`
	// Lookalikes are draft recipients one slip from a known address.
	Lookalikes []Lookalike `json:"lookalikes"`
	// Context is the engine context for this draft. It holds the part of
	// the history that can change this draft's verdict — the draft's
	// known recipients, every lookalike candidate, and the domains the
	// sender writes to — not the whole history, which stays on the server.
	Context engine.Context `json:"context"`
}

// Question is the request body.
type Question struct {
	Sender     string   `json:"sender"`
	Recipients []string `json:"recipients"`
}

// MaxRecipients caps one question, as Outlook caps a message's recipients.
const MaxRecipients = 500

// Service answers history questions from a bounded cache of loaded
// histories, so a 50,000-address history is read and indexed once per TTL
// per replica, not per keystroke.
type Service struct {
	store   *Store
	ttl     time.Duration
	max     int
	mu      sync.Mutex
	lru     *list.List
	entries map[string]*list.Element
}

type cached struct {
	key     string
	at      time.Time
	known   map[string]struct{}
	domains []string
	index   *lookalike.Index
}

// NewService caches at most max senders for ttl each.
func NewService(st *Store, ttl time.Duration, max int) *Service {
	if ttl <= 0 {
		ttl = time.Minute
	}
	if max <= 0 {
		max = 1000
	}
	return &Service{store: st, ttl: ttl, max: max, lru: list.New(), entries: map[string]*list.Element{}}
}

func (s *Service) get(ctx context.Context, tenant, sender string) (*cached, error) {
	key := tenant + "\x00" + sender
	now := time.Now()
	s.mu.Lock()
	if el, ok := s.entries[key]; ok {
		c := el.Value.(*cached)
		if now.Sub(c.at) < s.ttl {
			s.lru.MoveToFront(el)
			s.mu.Unlock()
			return c, nil
		}
		s.lru.Remove(el)
		delete(s.entries, key)
	}
	s.mu.Unlock()
	b, err := s.store.Load(ctx, tenant, sender)
	if err != nil {
		return nil, err
	}
	known := b.Known()
	c := &cached{key: key, at: now, known: make(map[string]struct{}, len(known))}
	doms := map[string]bool{}
	for _, a := range known {
		c.known[a] = struct{}{}
		_, d := address.Split(a)
		doms[d] = true
	}
	for d := range doms {
		c.domains = append(c.domains, d)
	}
	sort.Strings(c.domains)
	c.index = lookalike.New(known, nil)
	s.mu.Lock()
	if _, ok := s.entries[key]; !ok {
		s.entries[key] = s.lru.PushFront(c)
		for s.lru.Len() > s.max {
			old := s.lru.Back()
			s.lru.Remove(old)
			delete(s.entries, old.Value.(*cached).key)
		}
	}
	s.mu.Unlock()
	return c, nil
}

// Forget drops a sender's cached history (after the auditor wrote to it).
func (s *Service) Forget(tenant, sender string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := tenant + "\x00" + sender
	if el, ok := s.entries[key]; ok {
		s.lru.Remove(el)
		delete(s.entries, key)
	}
}

// Answer answers one question for a tenant.
func (s *Service) Answer(ctx context.Context, tenant string, q Question) (Answer, error) {
	sender, ok := Normalize(q.Sender)
	if !ok {
		return Answer{}, apierr.New(apierr.Invalid, "sender must be an email address")
	}
	if len(q.Recipients) > MaxRecipients {
		return Answer{}, apierr.New(apierr.Invalid, "at most 500 recipients per request")
	}
	c, err := s.get(ctx, tenant, sender)
	if err != nil {
		return Answer{}, err
	}
	ans := Answer{Known: []string{}, Lookalikes: []Lookalike{}}
	ctxKnown := map[string]bool{}
	seen := map[string]bool{}
	for _, raw := range q.Recipients {
		a, ok := Normalize(raw)
		if !ok || seen[a] {
			continue
		}
		seen[a] = true
		if _, ok := c.known[a]; ok {
			ans.Known = append(ans.Known, a)
			ctxKnown[a] = true
			continue
		}
		for _, m := range c.index.Lookup(a) {
			ans.Lookalikes = append(ans.Lookalikes, Lookalike{Address: a, Candidate: m.Candidate, Reason: m.Reason})
			ctxKnown[m.Candidate] = true
		}
	}
	ans.Context.KnownDomains = c.domains
	if len(c.known) == 0 {
		// No history stored for this sender: the mailbox was never synced
		// (or has sent nothing). Absent is not empty: leave knownRecipients
		// out so the engine's history rules stay silent, instead of warning
		// "new recipient" on every address of a fresh install.
		return ans, nil
	}
	ans.Context.KnownRecipients = make([]string, 0, len(ctxKnown))
	for a := range ctxKnown {
		ans.Context.KnownRecipients = append(ans.Context.KnownRecipients, a)
	}
	sort.Strings(ans.Context.KnownRecipients)
	return ans, nil
}

// Module is the /api/v1/recipients route.
type Module struct {
	Service *Service
	// MaxBody caps the request (default 64 KB: 500 addresses fit easily).
	MaxBody int64
}

// Register implements the service's Module.
func (m *Module) Register(api *gin.RouterGroup, admin gin.HandlerFunc) {
	api.POST("/recipients", m.recipients)
}

func (m *Module) recipients(c *gin.Context) {
	limit := m.MaxBody
	if limit <= 0 {
		limit = 64 << 10
	}
	var q Question
	dec := json.NewDecoder(nethttp.MaxBytesReader(c.Writer, c.Request.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		var mbe *nethttp.MaxBytesError
		if errors.As(err, &mbe) {
			sghttp.WriteError(c, mbe)
			return
		}
		sghttp.WriteError(c, apierr.New(apierr.Invalid, "body must be {\"sender\": \"...\", \"recipients\": [\"...\"]}"))
		return
	}
	p := sghttp.Principal(c)
	// Users see their own history only; admins see anyone's in their tenant.
	if !p.Admin && !strings.EqualFold(strings.TrimSpace(p.UPN), strings.TrimSpace(q.Sender)) {
		sghttp.WriteError(c, apierr.New(apierr.Forbidden, "you may only ask about your own recipient history"))
		return
	}
	ans, err := m.Service.Answer(c.Request.Context(), p.TenantID, q)
	if err != nil {
		sghttp.WriteError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(200, ans)
}
