## development: the CLI checker ---------------------------------------------
SAMPLES := server/cmd/sendguard/testdata/samples
SAMPLE_KNOWN := server/cmd/sendguard/testdata/known.txt

.PHONY: check-sample test-cli-fuzz bench-cli bench-mimemsg

# check-sample builds the binary and checks the fictitious sample messages
# with a sample sender history. Exit status 0-2 is a verdict, so only 3 (a
# usage or input error) fails the target.
check-sample: build
	@echo "sendguard check --known $(SAMPLE_KNOWN) $(SAMPLES)"
	@$(BIN) check --known $(SAMPLE_KNOWN) $(SAMPLES); code=$$?; \
	  echo "exit status $$code (0 allow, 1 warn, 2 block, 3 error)"; [ $$code -le 2 ]

## test ----------------------------------------------------------------------
# A short fuzz pass over the .eml parser, seeded with the odd-mime corpus
# (every result also goes through the engine), and over the quoted-printable
# decoder against the standard library's. go test ./... already replays the
# seeds and any saved crashers.
CLI_FUZZTIME ?= 15s
test-cli-fuzz:
	bash scripts/fuzz-smoke.sh ./server/mimemsg/ FuzzParse $(CLI_FUZZTIME)
	bash scripts/fuzz-smoke.sh ./server/mimemsg/ FuzzDecodeQP $(CLI_FUZZTIME)

TEST_TARGETS += test-cli-fuzz

## bench ---------------------------------------------------------------------
# bench-cli times `sendguard check --json` over mail/enron against the
# one-regexp net/mail baseline (scripts/bench/netmailscan), end to end.
bench-cli: build
	$(GO) build -o bin/netmailscan ./scripts/bench/netmailscan
	bash scripts/bench/cli.sh $(BIN) bin/netmailscan ../shared/corpora/mail/enron

bench-mimemsg:
	$(GO) test -run=NONE -bench=. -benchmem ./server/mimemsg/

BENCH_TARGETS += bench-mimemsg bench-cli
