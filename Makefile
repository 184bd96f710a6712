# The two commands of the README:
#   make demo   run the product on the embedded Asterisk simulator
#   make test   run every test (installs Debian's chromium and the npm packages when missing)

GO ?= go

.PHONY: demo test test-go test-browser browser-deps

demo:
	$(GO) run ./cmd/ccaas demo

test: test-go test-browser

test-go:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "not gofmt-formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

test-browser: browser-deps
	npm run test:browser

# Browser tests drive Debian's chromium through playwright-core; no tool may
# download a browser of its own.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund
