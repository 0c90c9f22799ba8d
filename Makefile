# metalake — build and test targets. `make test` is the one test command (README, .ci/run).
GO ?= go
PKGS := ./...
# The S3 tests run against a real S3 server, versitygw, pinned here and built into ./bin.
VERSITYGW_VERSION := v1.8.0
VERSITYGW_STAMP := bin/.versitygw-$(VERSITYGW_VERSION)

.PHONY: test build vet fmt bench demo

build:
	$(GO) build -o bin/metalake ./cmd/metalake

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet $(PKGS)

$(VERSITYGW_STAMP):
	GOBIN=$(CURDIR)/bin $(GO) install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION)
	touch $@

test: vet $(VERSITYGW_STAMP)
	METALAKE_VERSITYGW=$(CURDIR)/bin/versitygw $(GO) test -count=1 -timeout 30m $(PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x $(PKGS)

demo:
	$(GO) run ./cmd/metalake demo
