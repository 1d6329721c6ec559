// Package metrics is the service's Prometheus exposition, hand-rolled on
// atomics so counting a request costs a map lookup and an atomic add, not
// a lock or an allocation. It exports counters and histograms in the
// Prometheus text format (version 0.0.4). Standard library only.
package metrics

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// LatencyBuckets are the request-duration histogram's upper bounds in
// seconds: fine below 10 ms, where the check API's target is.
var LatencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10}

// Registry holds the service's metrics. The zero value is not usable;
// call New.
type Registry struct {
	requests  counterVec // route, method, status
	latency   histVec    // route
	verdicts  counterVec // rule, action
	checks    counterVec // action, classification
	rateLimit counterVec // route
	events    counterVec // action
	start     time.Time
}

// New returns an empty registry.
func New() *Registry {
	return &Registry{start: time.Now()}
}

// Request counts one HTTP request and its duration.
func (r *Registry) Request(route, method string, status int, d time.Duration) {
	r.requests.get(key3{route, method, statusText(status)}).Add(1)
	r.latency.get(route).observe(d.Seconds())
}

// Check counts one check's verdict by action and classification.
func (r *Registry) Check(action, classification string) {
	r.checks.get(key3{action, classification, ""}).Add(1)
}

// Finding counts one finding of a check by rule and the verdict's action.
func (r *Registry) Finding(rule, action string) {
	r.verdicts.get(key3{rule, action, ""}).Add(1)
}

// RateLimited counts one request refused by the rate limiter.
func (r *Registry) RateLimited(route string) {
	r.rateLimit.get(key3{route, "", ""}).Add(1)
}

// Event counts one stored add-in event.
func (r *Registry) Event(action string) {
	r.events.get(key3{action, "", ""}).Add(1)
}

var statusTexts = func() (s [600]string) {
	for i := range s {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

func statusText(code int) string {
	if code >= 0 && code < len(statusTexts) {
		return statusTexts[code]
	}
	return strconv.Itoa(code)
}

type key3 struct{ a, b, c string }

// counterVec is a set of counters keyed by label values. sync.Map suits
// it: keys are written once and read on every request.
type counterVec struct{ m sync.Map }

func (v *counterVec) get(k key3) *atomic.Uint64 {
	if c, ok := v.m.Load(k); ok {
		return c.(*atomic.Uint64)
	}
	c, _ := v.m.LoadOrStore(k, new(atomic.Uint64))
	return c.(*atomic.Uint64)
}

func (v *counterVec) sorted() ([]key3, []uint64) {
	var keys []key3
	v.m.Range(func(k, _ any) bool { keys = append(keys, k.(key3)); return true })
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].a != keys[j].a {
			return keys[i].a < keys[j].a
		}
		if keys[i].b != keys[j].b {
			return keys[i].b < keys[j].b
		}
		return keys[i].c < keys[j].c
	})
	vals := make([]uint64, len(keys))
	for i, k := range keys {
		vals[i] = v.get(k).Load()
	}
	return keys, vals
}

// histogram counts observations per bucket; sum is kept in nanoseconds
// so it can be an atomic integer.
type histogram struct {
	buckets []atomic.Uint64
	count   atomic.Uint64
	sumNs   atomic.Uint64
}

func (h *histogram) observe(sec float64) {
	for i, ub := range LatencyBuckets {
		if sec <= ub {
			h.buckets[i].Add(1)
			break
		}
	}
	h.count.Add(1)
	h.sumNs.Add(uint64(math.Max(0, sec*1e9)))
}

type histVec struct{ m sync.Map }

func (v *histVec) get(route string) *histogram {
	if h, ok := v.m.Load(route); ok {
		return h.(*histogram)
	}
	h, _ := v.m.LoadOrStore(route, &histogram{buckets: make([]atomic.Uint64, len(LatencyBuckets))})
	return h.(*histogram)
}

// WriteTo writes every metric in the Prometheus text format.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	counter := func(name, help string, labels []string, v *counterVec) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s counter\n", name, help, name)
		keys, vals := v.sorted()
		for i, k := range keys {
			b.WriteString(name)
			writeLabels(&b, labels, []string{k.a, k.b, k.c})
			fmt.Fprintf(&b, " %d\n", vals[i])
		}
	}
	counter("sendguard_http_requests_total", "HTTP requests by route, method and status.",
		[]string{"route", "method", "status"}, &r.requests)

	const hname = "sendguard_http_request_duration_seconds"
	fmt.Fprintf(&b, "# HELP %s HTTP request latency by route.\n# TYPE %s histogram\n", hname, hname)
	var routes []string
	r.latency.m.Range(func(k, _ any) bool { routes = append(routes, k.(string)); return true })
	sort.Strings(routes)
	for _, route := range routes {
		h := r.latency.get(route)
		var cum uint64
		for i, ub := range LatencyBuckets {
			cum += h.buckets[i].Load()
			fmt.Fprintf(&b, "%s_bucket{route=%q,le=%q} %d\n", hname, escape(route), strconv.FormatFloat(ub, 'g', -1, 64), cum)
		}
		count := h.count.Load()
		fmt.Fprintf(&b, "%s_bucket{route=%q,le=\"+Inf\"} %d\n", hname, escape(route), count)
		fmt.Fprintf(&b, "%s_sum{route=%q} %g\n", hname, escape(route), float64(h.sumNs.Load())/1e9)
		fmt.Fprintf(&b, "%s_count{route=%q} %d\n", hname, escape(route), count)
	}

	counter("sendguard_checks_total", "Checks by verdict action and classification.",
		[]string{"action", "classification"}, &r.checks)
	counter("sendguard_verdict_findings_total", "Findings in check verdicts by rule and the verdict's action.",
		[]string{"rule", "action"}, &r.verdicts)
	counter("sendguard_rate_limited_total", "Requests refused by the per-tenant rate limiter, by route.",
		[]string{"route"}, &r.rateLimit)
	counter("sendguard_events_total", "Add-in events stored, by what the user did.",
		[]string{"action"}, &r.events)
	fmt.Fprintf(&b, "# HELP sendguard_uptime_seconds Seconds since the process started.\n# TYPE sendguard_uptime_seconds gauge\nsendguard_uptime_seconds %g\n",
		time.Since(r.start).Seconds())
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

func writeLabels(b *strings.Builder, names, values []string) {
	b.WriteByte('{')
	first := true
	for i, n := range names {
		if !first {
			b.WriteByte(',')
		}
		first = false
		fmt.Fprintf(b, "%s=%q", n, escape(values[i]))
	}
	b.WriteByte('}')
}

// escape keeps label values printable; %q then escapes quotes and
// backslashes the way the text format wants.
func escape(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '_'
		}
		return r
	}, s)
}

// ContentType is the exposition format's media type.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"
