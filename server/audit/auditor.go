// Package audit is Sendguard's Sent Items auditor: for each mailbox in
// scope it delta-syncs Sent Items through Graph, checks every message with
// the engine and the sender's recipient history as it was before that
// message, and stores masked findings exactly once per message; likely
// reportable ones open a record in the breach register with the ICO's
// 72-hour clock. It also serves findings and breaches over HTTP and runs
// on a schedule inside `sendguard serve`.
//
// Crash safety comes from one transaction per delta page: ledger rows,
// findings, breaches, history and the link to resume from commit together,
// fenced by a per-mailbox lease so replicas sharing a PostgreSQL database
// never sync one mailbox at once.
//
// It depends on the engine, server/graph (through the Graph interface, so
// tests can use graphtest behind the real SDK), server/history and
// server/store. Never log or store message content here: ids, rules,
// masked evidence and hashes only.
package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/server/graph"
	"github.com/sendguard/sendguard/server/history"
)

// Graph is what the auditor needs from Graph (graph.Client).
type Graph interface {
	Mailboxes(ctx context.Context) ([]graph.Mailbox, error)
	DeltaPage(ctx context.Context, mailboxID, link string) (graph.Page, error)
	Attachments(ctx context.Context, mailboxID, messageID string) ([]engine.Attachment, error)
}

// Engines returns a tenant's compiled engine (server/engines.Cache).
type Engines interface {
	For(ctx context.Context, tenant string) (*engine.Engine, error)
}

// Mailbox sync outcomes.
const (
	MailboxOK        = "ok"
	MailboxForbidden = "forbidden"
	MailboxLeased    = "leased-elsewhere"
	MailboxFailed    = "failed"
)

// Auditor syncs mailboxes. Set the fields, then call RunOnce or Run.
type Auditor struct {
	Graph   Graph
	Store   *Store
	History *history.Store
	Engines Engines
	// Tenant keys everything stored (the Entra ID tenant id, or "dev").
	Tenant string
	// Holder names this replica in leases (default: host, pid and a random
	// suffix, so a restarted process waits for its dead predecessor's
	// lease to expire instead of sharing it).
	Holder string
	// LeaseTTL is how long a mailbox stays leased without a page commit.
	LeaseTTL time.Duration
	// Workers is how many mailboxes sync at once.
	Workers int
	Logger  *slog.Logger
	// OnForget is told when a sender's history changed (the recipients
	// service drops its cached copy).
	OnForget func(tenant, sender string)
	now      func() time.Time
	// exactHistory re-prepares the history after every change (tests).
	exactHistory bool
}

// MailboxReport is one mailbox's outcome.
type MailboxReport struct {
	Mailbox  string `json:"mailbox"`
	Status   string `json:"status"`
	Error    string `json:"error,omitempty"`
	Messages int    `json:"messages"`
	Findings int    `json:"findings"`
	Breaches int    `json:"breaches"`
	Removed  int    `json:"removed"`
}

// Report is one pass over the scope.
type Report struct {
	Mailboxes []MailboxReport `json:"mailboxes"`
	Messages  int             `json:"messages"`
	Findings  int             `json:"findings"`
	Breaches  int             `json:"breaches"`
	Removed   int             `json:"removed"`
	Failed    int             `json:"failed"`
	Duration  time.Duration   `json:"duration"`
}

func (a *Auditor) defaults() {
	if a.Holder == "" {
		host, _ := os.Hostname()
		var r [4]byte
		_, _ = rand.Read(r[:])
		a.Holder = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(r[:]))
	}
	if a.LeaseTTL <= 0 {
		a.LeaseTTL = 2 * time.Minute
	}
	if a.Workers <= 0 {
		a.Workers = 4
	}
	if a.Logger == nil {
		a.Logger = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
}

// RunOnce syncs every mailbox in scope once. A mailbox that fails is
// reported and the others go on; the error is only for failures that stop
// the whole pass (the scope cannot be listed, the store is down).
func (a *Auditor) RunOnce(ctx context.Context) (Report, error) {
	a.defaults()
	start := a.now()
	boxes, err := a.Graph.Mailboxes(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("audit: listing mailboxes: %w", err)
	}
	refs := make([]MailboxRef, len(boxes))
	for i, b := range boxes {
		refs[i] = MailboxRef{ID: b.ID, Address: b.Address}
	}
	if err := a.Store.EnsureMailboxes(ctx, a.Tenant, refs); err != nil {
		return Report{}, err
	}
	eng, err := a.Engines.For(ctx, a.Tenant)
	if err != nil {
		return Report{}, fmt.Errorf("audit: policy: %w", err)
	}
	reports := make([]MailboxReport, len(refs))
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(a.Workers, max(1, len(refs))); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				reports[i] = a.syncMailbox(ctx, eng, refs[i])
			}
		}()
	}
	for i := range refs {
		if ctx.Err() != nil {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
	rep := Report{Mailboxes: reports, Duration: a.now().Sub(start)}
	for _, r := range reports {
		rep.Messages += r.Messages
		rep.Findings += r.Findings
		rep.Breaches += r.Breaches
		rep.Removed += r.Removed
		if r.Status == MailboxFailed || r.Status == MailboxForbidden {
			rep.Failed++
		}
	}
	return rep, ctx.Err()
}

func (a *Auditor) syncMailbox(ctx context.Context, eng *engine.Engine, mb MailboxRef) MailboxReport {
	rep := MailboxReport{Mailbox: mb.Address}
	if ctx.Err() != nil {
		rep.Status = MailboxFailed
		rep.Error = "cancelled"
		return rep
	}
	ok, err := a.Store.AcquireLease(ctx, a.Tenant, mb.Address, a.Holder, a.now(), a.LeaseTTL)
	if err != nil {
		rep.Status, rep.Error = MailboxFailed, err.Error()
		return rep
	}
	if !ok {
		rep.Status = MailboxLeased
		return rep
	}
	err = a.sync(ctx, eng, mb, &rep)
	switch {
	case err == nil:
		rep.Status = MailboxOK
	case graph.IsForbidden(err):
		rep.Status, rep.Error = MailboxForbidden, err.Error()
	default:
		rep.Status, rep.Error = MailboxFailed, err.Error()
	}
	if !errors.Is(err, ErrLeaseLost) {
		// A cancelled context still releases: the lease row is the only
		// thing another replica waits on.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		if rerr := a.Store.ReleaseLease(rctx, a.Tenant, mb.Address, a.Holder, rep.Status, rep.Error, a.now()); rerr != nil && err == nil {
			rep.Status, rep.Error = MailboxFailed, rerr.Error()
		}
		cancel()
	}
	level := slog.LevelInfo
	if rep.Status != MailboxOK {
		level = slog.LevelWarn
	}
	a.Logger.Log(ctx, level, "mailbox audited", "mailbox", mb.Address, "status", rep.Status, "error", rep.Error,
		"messages", rep.Messages, "findings", rep.Findings, "breaches", rep.Breaches, "removed", rep.Removed)
	return rep
}

func (a *Auditor) sync(ctx context.Context, eng *engine.Engine, mb MailboxRef, rep *MailboxReport) error {
	link, err := a.Store.DeltaLink(ctx, a.Tenant, mb.Address)
	if err != nil {
		return err
	}
	// The history is loaded when the first message needs it: most rounds
	// of a frequent audit bring nothing new, and a large history costs a
	// read and a decryption per address.
	var book *history.Book
	var hv *view
	keys := a.History.Keys()
	policy := eng.Policy()
	reset := false
	// The next page is fetched while this one is checked and committed.
	// Only the order of commits matters for crash safety, and that stays.
	type fetched struct {
		page graph.Page
		err  error
	}
	fetch := func(link string) <-chan fetched {
		ch := make(chan fetched, 1)
		go func() {
			p, err := a.Graph.DeltaPage(ctx, mb.ID, link)
			ch <- fetched{p, err}
		}()
		return ch
	}
	var ahead <-chan fetched
	defer func() {
		if ahead != nil {
			<-ahead // never leave a request running after the lease is gone
		}
	}()
	for {
		var page graph.Page
		if ahead != nil {
			f := <-ahead
			ahead = nil
			page, err = f.page, f.err
		} else {
			page, err = a.Graph.DeltaPage(ctx, mb.ID, link)
		}
		if err == nil && page.NextLink != "" {
			ahead = fetch(page.NextLink)
		}
		if err != nil && graph.IsSyncReset(err) && link != "" && !reset {
			// The delta token expired: start a full round. The ledger keeps
			// messages already audited from counting twice.
			reset = true
			link = ""
			continue
		}
		if err != nil {
			return err
		}
		var live []graph.Message
		var removed []string
		for _, m := range page.Messages {
			if m.Removed {
				removed = append(removed, m.ID)
			} else {
				live = append(live, m)
			}
		}
		// History must be as it was before each message: check in send
		// order, recording after each check.
		sort.SliceStable(live, func(i, j int) bool { return live[i].SentDateTime.Before(live[j].SentDateTime) })
		gids := make([]string, 0, len(live))
		imids := make([]string, 0, len(live))
		for _, m := range live {
			gids = append(gids, m.ID)
			if m.InternetMessageID != "" {
				imids = append(imids, m.InternetMessageID)
			}
		}
		seen, err := a.Store.Seen(ctx, a.Tenant, mb.Address, gids, imids)
		if err != nil {
			return err
		}
		audited := make([]Audited, 0, len(live))
		for i := range live {
			m := &live[i]
			if seen[m.ID] || (m.InternetMessageID != "" && seen[m.InternetMessageID]) {
				continue
			}
			seen[m.ID] = true
			if m.InternetMessageID != "" {
				seen[m.InternetMessageID] = true
			}
			if book == nil {
				if book, err = a.History.Load(ctx, a.Tenant, mb.Address); err != nil {
					return err
				}
				hv = newView(eng, book, a.exactHistory)
			}
			if m.HasAttachments {
				atts, err := a.Graph.Attachments(ctx, mb.ID, m.ID)
				if err != nil && !graph.IsForbidden(err) {
					return err
				}
				m.Message.Attachments = atts
			}
			v := eng.CheckPrepared(m.Message, hv.prepared(&m.Message))
			hv.record(&m.Message, m.SentDateTime)
			au := Audited{GraphID: m.ID, InternetMessageID: m.InternetMessageID, SentAt: m.SentDateTime, Verdict: v}
			for _, f := range v.Findings {
				hs := make([]string, 0, len(f.Recipients))
				for _, r := range f.Recipients {
					if n, ok := history.Normalize(r); ok {
						hs = append(hs, keys.Hash(n))
					}
				}
				au.RecipientHashes = append(au.RecipientHashes, hs)
			}
			au.Breach = AssessBreach(policy, v)
			audited = append(audited, au)
		}
		next := page.NextLink
		if next == "" {
			next = page.DeltaLink
		}
		res, err := a.Store.CommitPage(ctx, Page{
			Tenant: a.Tenant, Mailbox: mb.Address, Holder: a.Holder, Now: a.now(), LeaseUntil: a.now().Add(a.LeaseTTL),
			Link: next, Messages: audited, Removed: removed, Book: book, History: a.History,
		})
		if err != nil {
			return err
		}
		if res.Messages > 0 && a.OnForget != nil {
			a.OnForget(a.Tenant, mb.Address)
		}
		rep.Messages += res.Messages
		rep.Findings += res.Findings
		rep.Breaches += res.Breaches
		rep.Removed += res.Removed
		if page.NextLink == "" {
			return nil
		}
		link = page.NextLink
	}
}

// Run audits every interval until ctx ends, logging each pass's totals.
func (a *Auditor) Run(ctx context.Context, interval time.Duration) error {
	a.defaults()
	if interval <= 0 {
		interval = 15 * time.Minute
	}
	for {
		rep, err := a.RunOnce(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			a.Logger.Error("audit pass failed", "err", err.Error())
		} else {
			a.Logger.Info("audit pass", "mailboxes", len(rep.Mailboxes), "messages", rep.Messages, "findings", rep.Findings,
				"breaches", rep.Breaches, "failed", rep.Failed, "duration_ms", rep.Duration.Milliseconds())
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
