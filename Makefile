# The two commands of the README:
#   make demo   run the product on the embedded Asterisk simulator
#   make test   run every test (installs Debian's chromium and the npm packages when missing)
# and more:
#   make build       build bin/ccaas (for `ccaas serve` against a real Asterisk)
#   make bench-real  the benchmark against a real Asterisk (docs/performance.md)
#
# Third-party JavaScript (JsSIP) comes from npm with package-lock.json and is
# never committed: `vendor` bundles it into static/vendor/, which the binary
# embeds, so every target that builds, runs or tests Go code depends on it.

GO ?= go
VENDOR_JS := static/vendor/jssip.min.js

.PHONY: demo build test test-go test-browser browser-deps vendor bench-real

demo: vendor
	$(GO) run ./cmd/ccaas demo

build: vendor
	$(GO) build -o bin/ccaas ./cmd/ccaas

test: test-go test-browser

# The benchmark against a real Asterisk (docs/performance.md, "On a real
# Asterisk"): calls one at a time on a quiet and on a busy machine for ccaas,
# the minimal ARI app and app_queue, then a ramp of 80 s steps for ccaas and
# the minimal app. The tables are appended to $(BENCH_RESULTS). A shorter run:
# make bench-real BENCH_LATENCY=50 BENCH_STEPS=140,160 BENCH_STEP=30s
BENCH_ARI ?= http://127.0.0.1:8088/ari
BENCH_SIP ?= 127.0.0.1:5060
BENCH_LATENCY ?= 200
BENCH_STEPS ?= 100,120,140,160,180
BENCH_STEP ?= 80s
BENCH_RESULTS ?= bin/bench-real.md
bench-real: vendor
	$(GO) build -o bin/ccaas-bench ./cmd/ccaas-bench
	bin/ccaas-bench -ari $(BENCH_ARI) -sip $(BENCH_SIP) -targets ccaas,minimal,appqueue \
	  -latency $(BENCH_LATENCY) -busy 2 -results $(BENCH_RESULTS)
	bin/ccaas-bench -ari $(BENCH_ARI) -sip $(BENCH_SIP) -targets ccaas,minimal \
	  -find-max -steps $(BENCH_STEPS) -step $(BENCH_STEP) -call-length 10s -results $(BENCH_RESULTS)

# The Go tests print one line per package as each is done. A machine's first
# run compiles every package twice (vet, then -race), sqlite's C code
# included, which takes minutes: test/heartbeat.sh says meanwhile that the
# step still runs.
test-go: vendor
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "not gofmt-formatted:"; echo "$$unformatted"; exit 1; fi
	@echo "$(GO) vet ./...  (the first run on a machine compiles every package: a few minutes)"
	@test/heartbeat.sh "go vet" $(GO) vet ./...
	@echo "$(GO) test -race -count=1 ./...  (a line per package as it is done; the first run compiles again with -race)"
	@test/heartbeat.sh "go test" $(GO) test -race -count=1 ./...

# One binary for every browser test file (each would build its own otherwise).
test-browser: browser-deps build
	CCAAS_BIN=$(CURDIR)/bin/ccaas npm run test:browser

vendor: $(VENDOR_JS)

# npm ci when node_modules is missing or older than the lockfile.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# JsSIP's npm package ships CommonJS only: esbuild (pinned in the lockfile)
# bundles it into one ES module for the browser; static/phone.js imports it.
$(VENDOR_JS): node_modules/.package-lock.json
	@mkdir -p $(@D)
	node_modules/.bin/esbuild node_modules/jssip/lib/JsSIP.js --bundle --minify --format=esm \
	  --platform=browser --target=es2020 --log-level=warning \
	  --banner:js="/* JsSIP $$(node -p 'require("./node_modules/jssip/package.json").version') (MIT), bundled from npm by make; not committed */" \
	  --outfile=$@

# Browser tests drive Debian's chromium through playwright-core; no tool may
# download a browser of its own.
browser-deps: node_modules/.package-lock.json
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
