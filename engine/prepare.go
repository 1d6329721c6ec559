package engine

import (
	"sort"
	"sync"

	"github.com/sendguard/sendguard/engine/address"
	"github.com/sendguard/sendguard/engine/lookalike"
)

// maxListMembers bounds distribution-list expansion so a hostile or cyclic
// context cannot make one check expensive.
const maxListMembers = 10000

// Prepared is a context compiled for one engine: normalised address sets,
// distribution lists and the lookalike index. Building the index over tens
// of thousands of known addresses costs milliseconds, so a server prepares
// once per sender and reuses it. A Prepared is immutable and safe for
// concurrent use.
type Prepared struct {
	// hasHistory is false when the caller sent no knownRecipients at all
	// (absent is not empty): history rules stay silent.
	hasHistory bool
	known      map[string]struct{}
	directory  map[string]struct{}
	lists      map[string][]string
	// The context's lookalike index is built on first use: most checks
	// send only to addresses the sender knows and never need it.
	indexAddrs, indexDomains []string
	indexOnce                sync.Once
	index                    *lookalike.Index
	// domainIndex is the engine's index of the policy's domains.
	domainIndex *lookalike.Index
}

// Prepare compiles a context. Addresses that do not normalise are ignored.
func (e *Engine) Prepare(ctx Context) *Prepared {
	if ctx.KnownRecipients == nil && len(ctx.Directory) == 0 && len(ctx.KnownDomains) == 0 && len(ctx.DistributionLists) == 0 {
		// The add-in's first check, before history arrives, and every
		// context-free caller share one prepared context.
		return e.noContext
	}
	return e.prepare(ctx)
}

func (e *Engine) prepare(ctx Context) *Prepared {
	p := &Prepared{
		hasHistory: ctx.KnownRecipients != nil,
		known:      normalizeSet(ctx.KnownRecipients),
		directory:  normalizeSet(ctx.Directory),
	}
	if len(ctx.DistributionLists) > 0 {
		p.lists = make(map[string][]string, len(ctx.DistributionLists))
		for _, k := range sortedKeys(ctx.DistributionLists) {
			list, ok := address.Normalize(k)
			if !ok {
				continue
			}
			members := make([]string, 0, len(ctx.DistributionLists[k]))
			for _, m := range ctx.DistributionLists[k] {
				if a, ok := address.Normalize(m); ok {
					members = append(members, a)
				}
			}
			p.lists[list] = append(p.lists[list], members...)
		}
	}
	// The index covers what the sender is known to use: the directory and
	// the distribution lists always, the history only when there is one.
	addrs := make([]string, 0, len(p.directory)+len(p.known)+len(p.lists))
	for a := range p.directory {
		addrs = append(addrs, a)
	}
	for a := range p.lists {
		if _, dup := p.directory[a]; !dup {
			addrs = append(addrs, a)
		}
	}
	if p.hasHistory {
		for a := range p.known {
			_, inDirectory := p.directory[a]
			_, isList := p.lists[a]
			if !inDirectory && !isList {
				addrs = append(addrs, a)
			}
		}
	}
	// Map order is random; the index must not depend on it.
	sort.Strings(addrs)
	var domains []string
	for _, d := range ctx.KnownDomains {
		if c, ok := canonicalASCII(d); ok {
			domains = append(domains, c)
		}
	}
	// The policy's domains go into the same index (contextIndex extends
	// the engine's domain index): a new patient at gmail.com is at a known
	// domain, not a slip of a history domain one edit away (ymail.com), and
	// only their local part is measured.
	p.indexAddrs, p.indexDomains = addrs, domains
	p.domainIndex = e.domainIndex
	return p
}

// contextIndex returns the lookalike index of the context's addresses and
// domains and the policy's domains, building it once. Extending the
// engine's domain index reuses the policy's domains as already derived,
// which was most of the cost for a request carrying its own history.
func (p *Prepared) contextIndex() *lookalike.Index {
	p.indexOnce.Do(func() { p.index = p.domainIndex.Extend(p.indexAddrs, p.indexDomains) })
	return p.index
}

// lookup asks the context's index first (addresses the sender knows), then
// the policy's domains (gmial.com → gmail.com).
func (p *Prepared) lookup(addr string) []lookalike.Match {
	if len(p.indexAddrs) == 0 && len(p.indexDomains) == 0 {
		return p.domainIndex.Lookup(addr)
	}
	if m := p.contextIndex().Lookup(addr); len(m) > 0 {
		return m
	}
	return p.domainIndex.Lookup(addr)
}

func normalizeSet(list []string) map[string]struct{} {
	m := make(map[string]struct{}, len(list))
	for _, raw := range list {
		if a, ok := address.Normalize(raw); ok {
			m[a] = struct{}{}
		}
	}
	return m
}

// isKnown reports whether the sender has emailed addr before, or it is in
// the organisation's directory or one of its distribution lists.
func (p *Prepared) isKnown(addr string) bool {
	if _, ok := p.directory[addr]; ok {
		return true
	}
	if _, ok := p.lists[addr]; ok {
		return true
	}
	_, ok := p.known[addr]
	return ok
}

// expand returns the members of a distribution list, recursively, or nil
// when addr is not a list. Lists inside lists are followed once each, so a
// cycle ends.
func (p *Prepared) expand(addr string) []string {
	if _, ok := p.lists[addr]; !ok {
		return nil
	}
	var out []string
	seen := map[string]bool{addr: true}
	stack := []string{addr}
	for len(stack) > 0 && len(out) < maxListMembers {
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, m := range p.lists[cur] {
			if seen[m] {
				continue
			}
			seen[m] = true
			if _, isList := p.lists[m]; isList {
				stack = append(stack, m)
				continue
			}
			out = append(out, m)
			if len(out) >= maxListMembers {
				break
			}
		}
	}
	return out
}
