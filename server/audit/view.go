package audit

import (
	"time"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/engine/address"
	"github.com/sendguard/sendguard/engine/lookalike"
	"github.com/sendguard/sendguard/server/history"
)

// maxDelta is how many new addresses a view collects before it re-prepares
// the whole history anyway, keeping the delta index small.
const maxDelta = 256

// view gives the engine a sender's history as it was before each message
// without re-preparing the whole history (tens of milliseconds for a
// large one) after every message that adds an address. It keeps a prepared
// snapshot plus the addresses added since; a message is checked against
// the snapshot unless one of its recipients could be judged differently
// with the new addresses: it is one of them, its domain is new to the
// history with them (the lookalike index then looks for slips within that
// domain instead of for slips of the domain), or it is a lookalike of one
// of them. Then the snapshot is rebuilt first.
type view struct {
	eng  *engine.Engine
	book *history.Book
	// exact rebuilds before every message that follows a change (tests
	// compare it with the incremental path).
	exact bool

	snapshot *engine.Prepared
	// snapshotDomains are the domains the snapshot's addresses use.
	snapshotDomains map[string]bool
	delta           []string
	deltaSet        map[string]bool
	deltaDomains    map[string]bool
	deltaIndex      *lookalike.Index

	rebuilds int
}

func newView(eng *engine.Engine, book *history.Book, exact bool) *view {
	return &view{eng: eng, book: book, exact: exact}
}

func (v *view) rebuild() {
	ctx := v.book.Context()
	v.snapshot = v.eng.Prepare(ctx)
	v.snapshotDomains = make(map[string]bool, len(ctx.KnownRecipients)/4)
	for _, a := range ctx.KnownRecipients {
		_, d := address.Split(a)
		v.snapshotDomains[d] = true
	}
	v.delta, v.deltaSet, v.deltaDomains, v.deltaIndex = nil, nil, nil, nil
	v.rebuilds++
}

// prepared returns a context equivalent to the history before m.
func (v *view) prepared(m *engine.Message) *engine.Prepared {
	if v.snapshot == nil || (len(v.delta) > 0 && (v.exact || len(v.delta) >= maxDelta || v.affects(m))) {
		v.rebuild()
	}
	return v.snapshot
}

func (v *view) affects(m *engine.Message) bool {
	for _, raw := range history.Recipients(m) {
		a, ok := address.Normalize(raw)
		if !ok {
			continue
		}
		if v.deltaSet[a] {
			return true
		}
		if _, d := address.Split(a); v.deltaDomains[d] {
			return true
		}
		if v.deltaIndex == nil {
			v.deltaIndex = lookalike.New(v.delta, nil)
		}
		if len(v.deltaIndex.Lookup(a)) > 0 {
			return true
		}
	}
	return false
}

// record adds m's recipients to the history after m was checked.
func (v *view) record(m *engine.Message, sent time.Time) {
	added := v.book.Record(history.Recipients(m), sent)
	if len(added) == 0 {
		return
	}
	if v.deltaSet == nil {
		v.deltaSet, v.deltaDomains = map[string]bool{}, map[string]bool{}
	}
	for _, a := range added {
		v.delta = append(v.delta, a)
		v.deltaSet[a] = true
		if _, d := address.Split(a); !v.snapshotDomains[d] {
			v.deltaDomains[d] = true
		}
	}
	v.deltaIndex = nil
}
