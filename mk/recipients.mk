## recipients: engine/address and engine/lookalike ---------------------------
# Their unit, table and typo-vector tests run in test-go (go test ./...);
# these add a short fuzz pass and the benchmarks. docs/recipients.md
# explains the rules.
TEST_TARGETS += test-recipients-fuzz
BENCH_TARGETS += bench-recipients

.PHONY: test-recipients-fuzz bench-recipients

# -fuzzminimizetime keeps the fuzzer from spending the whole budget
# minimising each new interesting input on a busy machine.
RECIPIENTS_FUZZTIME ?= 10s
test-recipients-fuzz:
	bash scripts/fuzz-smoke.sh ./engine/address/ FuzzNormalize $(RECIPIENTS_FUZZTIME)
	bash scripts/fuzz-smoke.sh ./engine/address/ FuzzPunycode $(RECIPIENTS_FUZZTIME)
	bash scripts/fuzz-smoke.sh ./engine/lookalike/ FuzzLookup $(RECIPIENTS_FUZZTIME)

# Targets: Lookup50k <= 50 us per recipient against 50,000 known addresses;
# New50k well under 50 ms. cpu-ns/op is CPU time, for a shared machine.
bench-recipients:
	$(GO) test -run=NONE -bench=. -benchmem ./engine/lookalike/ ./engine/address/
