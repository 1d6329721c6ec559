// Package graphtest is a Graph-compatible HTTP server for tests and for
// Sendguard's demo mode. It serves the part of Microsoft Graph v1.0 the
// auditor uses — users, group members, Sent Items list and delta, and
// attachments — in Graph's wire format (field names and types as in
// Graph's CSDL for message, recipient, emailAddress, itemBody and
// attachment), so the real msgraph SDK can talk to it. It also misbehaves
// on demand the way Graph does: 403 for mailboxes out of scope, 429 and 503
// with Retry-After, and 429 MailboxConcurrency when a client holds more
// than four requests open on one mailbox.
//
// It is a test tool: it keeps everything in memory and must never be
// pointed at real mail. It imports the engine's message types and
// server/mimemsg (to load .eml files); nothing in the product may import
// it except the demo (sendguard demo, serve --dev --demo).
package graphtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sendguard/sendguard/engine"
)

// DefaultMaxConcurrentPerMailbox is Exchange Online's limit of concurrent
// requests per app per mailbox.
const DefaultMaxConcurrentPerMailbox = 4

// Message is one message to serve. Only Message is required; the rest is
// derived when empty.
type Message struct {
	// Message is the content, in the engine's Graph shape.
	Message engine.Message
	// InternetMessageID is the RFC 5322 Message-ID; a stable one is made up
	// when empty.
	InternetMessageID string
	// SentDateTime is when it was sent; the load time when zero.
	SentDateTime time.Time
}

// Faults make the server misbehave like Graph under load.
type Faults struct {
	// Every makes every Nth Graph request fail with Status (0: never).
	Every int
	// Status is the failure status: 429 or 503 (default 429).
	Status int
	// RetryAfter is the Retry-After header in seconds (default 1).
	RetryAfter int
	// StormUntil makes every request fail until then (a throttling storm).
	StormUntil time.Time
}

// Stats are counters tests assert on.
type Stats struct {
	// Requests counts every Graph request served, faults included.
	Requests int64
	// Throttled counts requests answered 429 or 503 by fault injection.
	Throttled int64
	// ConcurrencyViolations counts requests refused because the client
	// already had the maximum number of requests open on the mailbox.
	ConcurrencyViolations int64
	// Forbidden counts 403 answers for mailboxes out of scope.
	Forbidden int64
}

// Access is one served request on a mailbox, for tests that check who
// synced what and when.
type Access struct {
	Mailbox string
	// Token is the bearer token the request carried.
	Token      string
	Start, End time.Time
}

type stored struct {
	id    string
	seq   int64
	msg   Message
	gone  bool
	added time.Time
}

type mailbox struct {
	id      string
	address string
	name    string
	msgs    []*stored // in order of seq
	byID    map[string]*stored
}

// Server is the test server. Its methods are safe for concurrent use.
type Server struct {
	mu        sync.Mutex
	seq       int64
	boxes     map[string]*mailbox // by lower-case address and by id
	order     []*mailbox
	groups    map[string][]string
	forbidden map[string]bool
	faults    Faults
	faultN    int64
	active    map[string]int
	accesses  []Access
	logAccess bool
	token     string
	maxConc   int
	latency   time.Duration

	requests, throttled, violations, forbiddenN atomic.Int64

	httpSrv  *http.Server
	listener net.Listener
	baseURL  string
	now      func() time.Time
}

// Option configures a Server.
type Option func(*Server)

// WithToken makes the server require "Authorization: Bearer <token>" (any
// bearer token is accepted when unset, but one must be present).
func WithToken(token string) Option { return func(s *Server) { s.token = token } }

// WithMaxConcurrentPerMailbox changes the per-mailbox concurrency limit.
func WithMaxConcurrentPerMailbox(n int) Option { return func(s *Server) { s.maxConc = n } }

// WithLatency delays every answer, so concurrency and overlap are visible.
func WithLatency(d time.Duration) Option { return func(s *Server) { s.latency = d } }

// WithAccessLog records every mailbox request (see Accesses).
func WithAccessLog() Option { return func(s *Server) { s.logAccess = true } }

// New returns an empty server; call Start to listen.
func New(opts ...Option) *Server {
	s := &Server{
		boxes:     map[string]*mailbox{},
		groups:    map[string][]string{},
		forbidden: map[string]bool{},
		active:    map[string]int{},
		maxConc:   DefaultMaxConcurrentPerMailbox,
		now:       time.Now,
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Start listens on addr ("127.0.0.1:0" for any free port) and serves in
// the background.
func (s *Server) Start(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("graphtest: listen %s: %w", addr, err)
	}
	s.listener = l
	s.baseURL = "http://" + l.Addr().String() + "/v1.0"
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.httpSrv.Serve(l)
	return nil
}

// URL is the Graph base URL, ending in /v1.0 (as SENDGUARD_GRAPH_BASE_URL).
func (s *Server) URL() string { return s.baseURL }

// Close stops the server.
func (s *Server) Close() error {
	if s.httpSrv == nil {
		return nil
	}
	return s.httpSrv.Close()
}

// userID makes a stable GUID-shaped id from an address, as Graph's object
// ids look.
func userID(address string) string {
	h := sha256.Sum256([]byte("user:" + address))
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// messageID makes an opaque Graph-like message id.
func messageID(mailboxID string, seq int64) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("msg:%s:%d", mailboxID, seq)))
	return "AAMkAG" + hex.EncodeToString(h[:20])
}

// AddMailbox creates a mailbox (idempotent) and returns its Graph id.
func (s *Server) AddMailbox(address, displayName string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addMailboxLocked(address, displayName).id
}

func (s *Server) addMailboxLocked(address, displayName string) *mailbox {
	key := strings.ToLower(strings.TrimSpace(address))
	if mb, ok := s.boxes[key]; ok {
		return mb
	}
	if displayName == "" {
		displayName = key
	}
	mb := &mailbox{id: userID(key), address: key, name: displayName, byID: map[string]*stored{}}
	s.boxes[key] = mb
	s.boxes[mb.id] = mb
	s.order = append(s.order, mb)
	return mb
}

// AddMessage puts a message into a mailbox's Sent Items (creating the
// mailbox) and returns the message's Graph id. It shows up in the next
// delta round.
func (s *Server) AddMessage(mailboxAddress string, m Message) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.addMailboxLocked(mailboxAddress, "")
	s.seq++
	st := &stored{id: messageID(mb.id, s.seq), seq: s.seq, msg: m, added: s.now().UTC()}
	if st.msg.SentDateTime.IsZero() {
		st.msg.SentDateTime = st.added
	}
	if st.msg.InternetMessageID == "" {
		st.msg.InternetMessageID = "<" + st.id[6:30] + "@graphtest.invalid>"
	}
	mb.msgs = append(mb.msgs, st)
	mb.byID[st.id] = st
	return st.id
}

// DeleteMessage removes a message; the next delta round reports it as
// @removed. It reports whether the message existed.
func (s *Server) DeleteMessage(mailboxAddress, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.boxes[strings.ToLower(mailboxAddress)]
	if mb == nil {
		return false
	}
	st := mb.byID[id]
	if st == nil || st.gone {
		return false
	}
	s.seq++
	st.gone = true
	st.seq = s.seq
	// Keep msgs ordered by seq: move the tombstone to the end.
	for i, x := range mb.msgs {
		if x == st {
			mb.msgs = append(mb.msgs[:i:i], mb.msgs[i+1:]...)
			break
		}
	}
	mb.msgs = append(mb.msgs, st)
	return true
}

// MessageIDs lists the ids of a mailbox's current (not deleted) messages.
func (s *Server) MessageIDs(mailboxAddress string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.boxes[strings.ToLower(mailboxAddress)]
	if mb == nil {
		return nil
	}
	var ids []string
	for _, st := range mb.msgs {
		if !st.gone {
			ids = append(ids, st.id)
		}
	}
	return ids
}

// Mailboxes lists the mailbox addresses in the order they were added.
func (s *Server) Mailboxes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.order))
	for i, mb := range s.order {
		out[i] = mb.address
	}
	return out
}

// MessageCount is the number of current messages over all mailboxes.
func (s *Server) MessageCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, mb := range s.order {
		for _, st := range mb.msgs {
			if !st.gone {
				n++
			}
		}
	}
	return n
}

// SetGroup defines a group (by id) and its member mailboxes.
func (s *Server) SetGroup(id string, members []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[id] = append([]string(nil), members...)
}

// Forbid makes a mailbox answer 403 ErrorAccessDenied, as Graph does when
// an application access policy keeps the app out of it.
func (s *Server) Forbid(mailboxAddress string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forbidden[strings.ToLower(mailboxAddress)] = true
}

// SetFaults replaces the fault injection settings.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.faultN = 0
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	return Stats{
		Requests:              s.requests.Load(),
		Throttled:             s.throttled.Load(),
		ConcurrencyViolations: s.violations.Load(),
		Forbidden:             s.forbiddenN.Load(),
	}
}

// Accesses returns the recorded mailbox requests (WithAccessLog).
func (s *Server) Accesses() []Access {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]Access(nil), s.accesses...)
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}
