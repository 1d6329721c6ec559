## engine: content detectors (engine/detect, engine/textextract) ----------------
# Unit, vector and example tests run in test-go (go test ./...); these add a
# short fuzz pass and the detectors' benchmarks.
TEST_TARGETS += test-detect-fuzz
BENCH_TARGETS += bench-detect

.PHONY: test-detect-fuzz bench-detect

# A short fuzz pass over the HTML extractor and the identifier scanner.
DETECT_FUZZTIME ?= 10s
test-detect-fuzz:
	bash scripts/fuzz-smoke.sh ./engine/textextract/ FuzzHTML $(DETECT_FUZZTIME)
	bash scripts/fuzz-smoke.sh ./engine/detect/ FuzzIdentifiers $(DETECT_FUZZTIME)

# bench-detect: identifiers, special-category terms and HTML extraction on a
# 2 KB clinical letter and on 1 MB bodies (MB/s via b.SetBytes).
bench-detect:
	$(GO) test -run=NONE -bench=. -benchmem ./engine/detect ./engine/textextract

# The detectors' tests again as WebAssembly under node (go_js_wasm_exec,
# which make test puts on PATH): the eight-bytes-at-a-time scanners must
# behave the same in the add-in and the Worker as natively.
test-detect-wasm:
	@if ! command -v node >/dev/null; then \
	  if [ "$$CI" = true ]; then echo "test-detect-wasm: node is required in CI" >&2; exit 1; fi; \
	  echo "skipping test-detect-wasm: node not installed"; exit 0; fi; \
	PATH="$$PATH:$$($(GO) env GOROOT)/lib/wasm" GOOS=js GOARCH=wasm $(GO) test -count=1 ./engine/detect ./engine/textextract

TEST_TARGETS += test-detect-wasm
.PHONY: test-detect-wasm
