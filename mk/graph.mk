## graph: recipient history, the Sent Items auditor, findings, breaches ------
# The Graph client (server/graph), its test server (server/graphtest),
# history (server/history) and the auditor (server/audit). Their tests run
# in test-go (go test ./...), against the test server through the real
# msgraph SDK, on SQLite and on the PostgreSQL make test starts: the kill -9
# crash test, throttling storms, 403 mailboxes, two replicas sharing
# mailboxes through leases. docs/graph.md and docs/capacity.md explain them.
TEST_TARGETS += test-graph-demo test-graph-fuzz
BENCH_TARGETS += bench-audit

.PHONY: demo test-graph-demo test-graph-fuzz bench-audit

# demo: a Sent Items audit in one command, no tenant needed.
demo: build
	$(BIN) demo --corpus ../shared/corpora/mail

# test-graph-demo runs the demo end to end with the built binary, as a
# new user would, and checks that it found and registered something.
test-graph-demo: build
	@mkdir -p .cache/graph-demo
	cd .cache/graph-demo && $(CURDIR)/$(BIN) demo > demo.out && cat demo.out && \
	  grep -q 'breach records' demo.out && \
	  $(CURDIR)/$(BIN) findings --database-url sendguard-demo.db --json | head -c 1 | grep -q '{' && \
	  $(CURDIR)/$(BIN) breaches --database-url sendguard-demo.db --csv | head -1 | grep -q '^id,detected_at'

# A short fuzz pass over what hostile clients send the recipients API and
# the test server's delta tokens.
GRAPH_FUZZTIME ?= 10s
test-graph-fuzz:
	bash scripts/fuzz-smoke.sh ./server/history/ FuzzRecipientsAnswer $(GRAPH_FUZZTIME)
	bash scripts/fuzz-smoke.sh ./server/graphtest/ FuzzDeltaRequest $(GRAPH_FUZZTIME)

# bench-audit: end-to-end audit throughput on loopback (Graph paging through
# the SDK, engine with history, SQLite), messages/s and messages per
# CPU-second, and the auditor's peak heap for 10 vs 100 mailboxes.
bench-audit:
	$(GO) test -run='^$$' -bench='^(BenchmarkAudit|BenchmarkEmptyRound)$$' -benchtime=1x ./server/audit/
