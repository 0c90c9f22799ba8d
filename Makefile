# metalake — build and test targets. `make test` is the one test command (README, .ci/run).
GO ?= go
PKGS := ./...

.PHONY: test build vet fmt bench demo

build:
	$(GO) build -o bin/metalake ./cmd/metalake

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet $(PKGS)

test: vet
	$(GO) test -count=1 -timeout 30m $(PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x $(PKGS)

demo:
	$(GO) run ./cmd/metalake demo
