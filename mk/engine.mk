## engine --------------------------------------------------------------------
# The engine's own targets. Its unit, golden-corpus and example tests run in
# test-go (go test ./...); these add a short fuzz pass and the benchmarks.
TEST_TARGETS += test-engine-fuzz
BENCH_TARGETS += bench-engine

.PHONY: test-engine-fuzz bench-engine engine-corpus

# A short fuzz pass over the check API's JSON and policy documents: the seed
# corpus is every golden case, so the fuzzer starts from real messages.
ENGINE_FUZZTIME ?= 15s
test-engine-fuzz:
	bash scripts/fuzz-smoke.sh ./engine/ FuzzCheckJSON $(ENGINE_FUZZTIME)
	bash scripts/fuzz-smoke.sh ./engine/ FuzzParsePolicy $(ENGINE_FUZZTIME)
	bash scripts/fuzz-smoke.sh ./engine/attach/ FuzzInspect $(ENGINE_FUZZTIME)

# Targets: CheckTypical <= 20 us, Check1MB >= 300 MB/s, CheckPrepared50k <= 50 us.
bench-engine:
	$(GO) test -run=NONE -bench=. -benchmem ./engine/ ./engine/attach/

# Regenerate the conformance corpus (inputs, then verdicts); review the diff.
engine-corpus:
	$(GO) test ./engine/ -run '^TestCorpusCases$$' -gencases
	$(GO) test ./engine/ -run '^TestCorpus$$' -update
