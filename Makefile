# Sendguard. Sections: development, test, wasm, bench, ci. Each part of the
# project adds its targets in mk/*.mk and appends to TEST_TARGETS and
# BENCH_TARGETS, so this file stays small.
SHELL := /bin/bash
GO ?= go
export GOFLAGS ?= -buildvcs=false
BIN := bin/sendguard

TEST_TARGETS :=
BENCH_TARGETS :=

.PHONY: all run build test test-all test-go deps bench fuzz clean
all: build

## development ---------------------------------------------------------------
# NODE_DEPS installs the npm packages (esbuild for the add-in bundle) the
# first time, so `make run` works on a fresh machine with Go and Node.
NODE_DEPS := node_modules/.package-lock.json
$(NODE_DEPS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-audit --no-fund --loglevel=error
	@touch $@

build:
	$(GO) build -o $(BIN) ./server/cmd/sendguard

include $(sort $(wildcard mk/*.mk))

## test ----------------------------------------------------------------------
# test installs what the tests need (npm packages, Debian's chromium and
# PostgreSQL when run as root), starts PostgreSQL, then runs every suite.
test:
	bash scripts/test-deps.sh
	set -a; . .cache/test.env; set +a; $(MAKE) --no-print-directory test-all

test-all: test-go $(TEST_TARGETS)

test-go:
	$(GO) test -count=1 ./...

fuzz:
	@echo "fuzz targets (run one with: go test -run=NONE -fuzz=NAME -fuzztime=30s PKG):"
	@grep -rl --include='*_test.go' 'func Fuzz' . | xargs grep -h '^func Fuzz' | sed 's/(.*//;s/func /  /'

## bench ---------------------------------------------------------------------
bench: $(BENCH_TARGETS)

clean:
	rm -rf bin .cache
