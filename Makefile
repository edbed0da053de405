# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
GO_BUILD_FLAGS := -trimpath -tags embedui -ldflags "-X main.version=$(VERSION)"
FRONTEND_DEPS := frontend/node_modules/.package-lock.json
# The PWA is rebuilt only when something it is built from changed.
UI := webui/dist/index.html
UI_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) frontend/index.html \
	frontend/vite.config.ts frontend/tsconfig.json frontend/package.json frontend/package-lock.json
DATA_DIR ?= data

.PHONY: run build deps test test-go test-frontend test-e2e test-deploy vet lint bench lighthouse fuzz clean reset-demo

## run: build what changed and serve the demo city on the embedded store
run: build
	TAIZHANG_DEMO=1 TAIZHANG_DATA_DIR=$(DATA_DIR) ./bin/taizhang serve

## build: bin/taizhang with the PWA embedded (Go's own cache makes a rebuild quick)
build: $(UI)
	go build $(GO_BUILD_FLAGS) -o bin/taizhang ./cmd/taizhang

$(UI): $(FRONTEND_DEPS) $(UI_SOURCES)
	cd frontend && npm run build

deps: $(FRONTEND_DEPS)
	go mod download

# npm ci only when the lock file changed since the last install.
$(FRONTEND_DEPS): frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund

## test: every test, each step run even when an earlier one failed, then a
## summary of all of them. The binary is built once and shared by the Go tests
## that start it and the browser tests.
TEST_STEPS := build test-go test-frontend test-e2e test-deploy
test:
	@failed=""; summary=""; \
	for step in $(TEST_STEPS); do \
	  start=$$(date +%s); \
	  if $(MAKE) --no-print-directory $$step; then result=ok; else result=FAILED; failed="$$failed $$step"; fi; \
	  summary+=$$(printf '  %-14s %-7s %5ss' $$step $$result $$(( $$(date +%s) - start )))$$'\n'; \
	done; \
	printf '\n== make test ==\n%s' "$$summary"; \
	if [ -n "$$failed" ]; then echo "failed:$$failed"; exit 1; fi

## test-go: all Go tests with the race detector — the domain, the API on SQLite
## and embedded FerretDB, the store contract (its skips name what FerretDB lacks),
## the running binary — and go test's vet checks. Full log: bin/go-test.json.
test-go: build
	status=0; TAIZHANG_TEST_BINARY=$(CURDIR)/bin/taizhang go test -race -count=1 -json ./... > bin/go-test.json 2>&1 || status=$$?; \
	go run ./tools/testreport < bin/go-test.json; exit $$status

test-frontend: $(FRONTEND_DEPS)
	cd frontend && npx vitest run

# Browser end-to-end in one process: the built binary and one Debian Chromium
# (apt-get install chromium fonts-noto-cjk; .ci/run does). Screenshots land in
# frontend/screenshots.
test-e2e: build
	@command -v chromium >/dev/null || { echo "chromium is missing: apt-get install chromium fonts-noto-cjk"; exit 1; }
	node --test frontend/e2e/all.mjs

test-deploy:
	@command -v docker-compose >/dev/null || { echo "docker-compose is missing: apt-get install docker-compose"; exit 1; }
	docker-compose config -q

vet:
	go vet ./...

## lint: go vet (all checks) and staticcheck (installed from the Go module proxy on first use)
lint: vet
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

## bench: store benchmarks on SQLite and embedded FerretDB (filing with and
## without the ledger's rollup), the reports over a million entries, and the
## binary's filing, listing, login-burst and export figures, the Excel
## import and the answers' compression (docs/performance.md)
bench: build
	go test -run '^$$' -bench . -benchmem -benchtime 2s ./store/... ./auth/ ./forms/ ./signals/ ./org/
	go test -run '^$$' -bench Reports -benchmem -benchtime 30x -timeout 30m ./api/
	go test -run '^$$' -bench 'Import|ReminderSweep' -benchtime 1x ./api/
	go test -run '^$$' -bench CompressAnswers ./api/
	TAIZHANG_TEST_BINARY=$(CURDIR)/bin/taizhang go test -run '^$$' -bench 'FilingAndListing|FilingCPU|FilingCommandsMongo|EntryWeight|LoginBurst|Export|Photos' -benchtime 1x ./cmd/taizhang/

## lighthouse: Lighthouse 12.8 (mobile) on Debian's Chromium: performance ≥ 0.9 and
## accessibility ≥ 0.95 on the sign-in and 待办 pages (reports in frontend/screenshots)
lighthouse: build
	cd frontend && CHROME_PATH=$${CHROME_PATH:-$$(command -v chromium)} node scripts/lighthouse.mjs

## fuzz: each fuzz target for FUZZTIME (default 3m); new finds land in the Go cache,
## failures in forms/testdata/fuzz (commit them: they become regression tests)
FUZZTIME ?= 3m
fuzz:
	for target in FuzzParseForm FuzzValidate FuzzJSONLogic; do \
	  go test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) ./forms/ || exit 1; \
	done

## reset-demo: forget the demo city of `make run` (its database, uploads and
## generated keys in ./data); the next `make run` seeds it afresh
reset-demo:
	@if [ -e $(DATA_DIR)/taizhang.lock ] && ! flock -n $(DATA_DIR)/taizhang.lock true; then \
	  echo "$(DATA_DIR) is in use by a running taizhang: stop it first"; exit 1; fi
	rm -rf $(DATA_DIR)

## clean: build outputs, test logs and screenshots, and the demo data (reset-demo)
clean: reset-demo
	rm -rf bin webui/dist frontend/screenshots
