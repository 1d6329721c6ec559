## wasm ----------------------------------------------------------------------
# The engine as WebAssembly: the browser module for the add-in (wasm/dist)
# and the Cloudflare Worker (wasm/worker/build). docs/wasm.md explains both.
WASM_DIST   := wasm/dist
WORKER_OUT  := wasm/worker/build
WASM_GOENV  := GOOS=js GOARCH=wasm
WASM_FLAGS  := -trimpath -ldflags="-s -w"
WORKERD     := node_modules/@cloudflare/workerd-linux-64/bin/workerd
WORKER_PORT ?= 8787
# go_js_wasm_exec (Go's runner for GOOS=js tests) lives here.
WASM_PATH   = $(shell $(GO) env GOROOT)/lib/wasm:$(PATH)

.PHONY: wasm worker worker-dev test-wasm test-worker bench-wasm bench-worker wasm-size

# wasm builds the browser module, names it by content hash, writes
# engine-manifest.json and prints raw/gzip/brotli sizes; it fails when the
# module is over 1 MB brotli.
wasm:
	@mkdir -p $(WASM_DIST)
	$(WASM_GOENV) $(GO) build $(WASM_FLAGS) -o $(WASM_DIST)/engine.build.wasm ./wasm/browser
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" $(WASM_DIST)/wasm_exec.js
	node wasm/tools/dist.mjs $(WASM_DIST) $(WASM_DIST)/engine.build.wasm

# wasm-size shows where the browser module's bytes go, by package.
wasm-size: wasm
	@mkdir -p .cache; $(WASM_GOENV) $(GO) build -trimpath -o .cache/engine-symbols.wasm ./wasm/browser
	@node wasm/tools/nmsize.mjs .cache/engine-symbols.wasm

# worker builds the Worker: syumai's generated glue (worker.mjs, the stock
# shim), our keep-alive shim (sendguard.mjs, the one wrangler deploys),
# app.wasm and a workerd config for local serving.
worker:
	$(GO) run github.com/syumai/workers/cmd/workers-assets-gen -mode=go -o $(WORKER_OUT)
	$(WASM_GOENV) $(GO) build $(WASM_FLAGS) -o $(WORKER_OUT)/app.wasm ./wasm/worker
	cp wasm/worker/shim/sendguard.mjs $(WORKER_OUT)/sendguard.mjs
	node wasm/worker/workerd.mjs sizes $(WORKER_OUT)

# worker-dev serves the Worker locally under workerd (no account, no
# network): http://127.0.0.1:$(WORKER_PORT)/api/v1/check
worker-dev: worker
	node wasm/worker/workerd.mjs config $(WORKER_OUT) > $(WORKER_OUT)/config.capnp
	@echo "worker-dev: serving on http://127.0.0.1:$(WORKER_PORT) (Ctrl-C stops)"
	$(WORKERD) serve $(WORKER_OUT)/config.capnp --socket-addr http=127.0.0.1:$(WORKER_PORT)

# test-wasm: parity of every golden case through the module in node, the
# loader's tests, and the adapter's Go tests compiled to WebAssembly.
test-wasm: wasm
	PATH="$(WASM_PATH)" $(WASM_GOENV) $(GO) test -count=1 ./wasm/adapter/...
	node --test wasm/browser/

# test-worker: the Worker under workerd on 127.0.0.1, the whole corpus over
# HTTP, plus healthz, 400, 404, 405, 413 and policy bindings.
test-worker: worker
	node --test wasm/worker/

bench-wasm: wasm
	node wasm/bench/bench-wasm.mjs

bench-worker: worker
	node wasm/bench/bench-worker.mjs

TEST_TARGETS += test-wasm test-worker
BENCH_TARGETS += bench-wasm bench-worker
