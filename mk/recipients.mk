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
RECIPIENTS_FUZZ = -run=NONE -fuzztime=$(RECIPIENTS_FUZZTIME) -fuzzminimizetime=2s
test-recipients-fuzz:
	$(GO) test $(RECIPIENTS_FUZZ) -fuzz='^FuzzNormalize$$' ./engine/address/
	$(GO) test $(RECIPIENTS_FUZZ) -fuzz='^FuzzPunycode$$' ./engine/address/
	$(GO) test $(RECIPIENTS_FUZZ) -fuzz='^FuzzLookup$$' ./engine/lookalike/

# Targets: Lookup50k <= 50 us per recipient against 50,000 known addresses;
# New50k well under 50 ms. cpu-ns/op is CPU time, for a shared machine.
bench-recipients:
	$(GO) test -run=NONE -bench=. -benchmem ./engine/lookalike/ ./engine/address/
