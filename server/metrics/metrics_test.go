package metrics_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/server/metrics"
)

func TestExposition(t *testing.T) {
	r := metrics.New()
	r.Request("/api/v1/check", "POST", 200, 3*time.Millisecond)
	r.Request("/api/v1/check", "POST", 200, 30*time.Millisecond)
	r.Request("/api/v1/check", "POST", 400, 20*time.Second)
	r.Check("block", "red")
	r.Finding("insecure-recipient", "block")
	r.Finding("insecure-recipient", "block")
	r.RateLimited("/api/v1/check")
	r.Event("sent-anyway")
	r.Request("/weird\"route\n", "GET", 404, time.Millisecond)
	var b strings.Builder
	_, err := r.WriteTo(&b)
	require.NoError(t, err)
	out := b.String()
	for _, want := range []string{
		`sendguard_http_requests_total{route="/api/v1/check",method="POST",status="200"} 2`,
		`sendguard_http_requests_total{route="/api/v1/check",method="POST",status="400"} 1`,
		`sendguard_http_request_duration_seconds_bucket{route="/api/v1/check",le="0.005"} 1`,
		`sendguard_http_request_duration_seconds_bucket{route="/api/v1/check",le="0.05"} 2`,
		`sendguard_http_request_duration_seconds_bucket{route="/api/v1/check",le="10"} 2`,
		`sendguard_http_request_duration_seconds_bucket{route="/api/v1/check",le="+Inf"} 3`,
		`sendguard_http_request_duration_seconds_count{route="/api/v1/check"} 3`,
		`sendguard_http_request_duration_seconds_sum{route="/api/v1/check"} 20.033`,
		`sendguard_checks_total{action="block",classification="red"} 1`,
		`sendguard_verdict_findings_total{rule="insecure-recipient",action="block"} 2`,
		`sendguard_rate_limited_total{route="/api/v1/check"} 1`,
		`sendguard_events_total{action="sent-anyway"} 1`,
		`route="/weird\"route_"`,
		"# TYPE sendguard_http_request_duration_seconds histogram",
	} {
		assert.Contains(t, out, want)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		assert.NotContains(t, line, "\r")
	}
}

func BenchmarkRequest(b *testing.B) {
	r := metrics.New()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Request("/api/v1/check", "POST", 200, 2*time.Millisecond)
		}
	})
}
