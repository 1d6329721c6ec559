## engine: content detectors (engine/detect, engine/textextract) ----------------
# Unit, vector and example tests run in test-go (go test ./...); these add a
# short fuzz pass and the detectors' benchmarks.
TEST_TARGETS += test-detect-fuzz
BENCH_TARGETS += bench-detect

.PHONY: test-detect-fuzz bench-detect

# A short fuzz pass over the HTML extractor and the identifier scanner.
DETECT_FUZZTIME ?= 10s
test-detect-fuzz:
	$(GO) test -run=NONE -fuzz='^FuzzHTML$$' -fuzztime=$(DETECT_FUZZTIME) ./engine/textextract/
	$(GO) test -run=NONE -fuzz='^FuzzIdentifiers$$' -fuzztime=$(DETECT_FUZZTIME) ./engine/detect/

# bench-detect: identifiers, special-category terms and HTML extraction on a
# 2 KB clinical letter and on 1 MB bodies (MB/s via b.SetBytes).
bench-detect:
	$(GO) test -run=NONE -bench=. -benchmem ./engine/detect ./engine/textextract
