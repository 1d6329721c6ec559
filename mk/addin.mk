## addin ---------------------------------------------------------------------
# The Outlook add-in: addin/dist (bundles + the WebAssembly engine) is what
# the Go package addin embeds, so build it before the sendguard binary.
# docs/admin-guide.md covers deployment; addin/README.md the layout.
ADDIN_DIST := addin/dist

.PHONY: addin test-addin test-addin-unit test-addin-e2e bench-addin

# addin bundles launchevent.js (ES2016, no imports) and taskpane.js with
# esbuild and copies wasm/dist into addin/dist/engine.
addin: wasm $(NODE_DEPS)
	node addin/build.mjs

# test-addin: pure modules and handlers under node's test runner with
# office-addin-mock, then end to end in headless Debian chromium against
# the real sendguard binary (rebuilt here so it embeds the fresh bundles).
test-addin: test-addin-unit test-addin-e2e

test-addin-unit: addin
	node --test --test-reporter=spec addin/test/unit/

test-addin-e2e: addin
	@mkdir -p .cache testresults/addin
	$(GO) build -o .cache/sendguard-addin ./server/cmd/sendguard
	SENDGUARD_BIN=$(CURDIR)/.cache/sendguard-addin node --test --test-reporter=spec --test-concurrency=1 addin/test/e2e/

# bench-addin: send-to-completed time in chromium, cold and warm, and the
# handler bundle's size.
bench-addin: addin
	@mkdir -p .cache
	$(GO) build -o .cache/sendguard-addin ./server/cmd/sendguard
	SENDGUARD_BIN=$(CURDIR)/.cache/sendguard-addin node addin/bench/bench-addin.mjs

TEST_TARGETS += test-addin
BENCH_TARGETS += bench-addin
