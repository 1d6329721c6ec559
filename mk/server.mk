## development: the service -------------------------------------------------
# `make run` is a new user's first command: it builds the WebAssembly engine
# and the add-in when their targets exist, then serves on 127.0.0.1:8080 in
# --dev mode (no sign-in, SQLite file sendguard.db here, built-in policy).
# docs/server.md covers production flags, Entra ID and PostgreSQL.
RUN_ADDR ?= 127.0.0.1:8080

.PHONY: run serve-assets test-serve test-server-fuzz bench-server

run: serve-assets build
	$(BIN) serve --dev --addr $(RUN_ADDR)

# serve-assets builds the add-in (which builds the WebAssembly engine first),
# or just the engine, whichever target this tree has (make -q exits 2 for a
# target with no rule).
serve-assets:
	@for t in addin wasm; do \
	  $(MAKE) --no-print-directory -q $$t >/dev/null 2>&1; \
	  if [ $$? -ne 2 ]; then $(MAKE) --no-print-directory $$t; exit $$?; fi; \
	  echo "run: skipping $$t: no such target"; \
	done

## test ----------------------------------------------------------------------
# The store, auth, isolation, limits and log-hygiene suites run in test-go
# (SQLite and the PostgreSQL that scripts/test-deps.sh starts). These add
# the binary's first run end to end (start, check, SIGTERM, clean exit) and
# a short fuzz pass over the JSON endpoints.
SERVER_FUZZTIME ?= 10s
test-serve: build
	bash scripts/serve-smoke.sh $(BIN)

test-server-fuzz:
	bash scripts/fuzz-smoke.sh ./server/http/ FuzzJSONEndpoints $(SERVER_FUZZTIME)

TEST_TARGETS += test-serve test-server-fuzz

## bench ---------------------------------------------------------------------
# bench-server: wrk (1 thread, 16 connections, 10 s) against serve --dev on
# loopback with a typical check (2 KB HTML, 6 recipients): requests/s, p99
# and RSS. Target >= 15,000 requests/s with p99 <= 10 ms on 2 cores.
BENCH_SERVER_SECONDS ?= 10
BENCH_SERVER_CONNS ?= 16
bench-server: build
	bash scripts/bench/server.sh $(BIN) $(BENCH_SERVER_SECONDS) $(BENCH_SERVER_CONNS)
	$(GO) test -run=NONE -bench=. -benchmem ./server/http/ ./server/metrics/

BENCH_TARGETS += bench-server
