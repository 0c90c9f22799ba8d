# metalake — build and test targets. `make test` is the one test command (README, .ci/run).
GO ?= go
PKGS := ./...
# The S3 tests run against a real S3 server, versitygw, pinned here and built into ./bin.
VERSITYGW_VERSION := v1.8.0
VERSITYGW_STAMP := bin/.versitygw-$(VERSITYGW_VERSION)
# What cannot run here (Glue, Athena, S3 bucket configuration and storage classes) is tested
# against moto's AWS emulator, pinned here and installed into a virtualenv in ./bin/moto.
MOTO_VERSION := 5.2.5
MOTO_STAMP := bin/.moto-$(MOTO_VERSION)
# The Airflow DAG in deploy/airflow is loaded by Airflow itself in a test: pinned here,
# installed into a virtualenv in ./bin/airflow.
AIRFLOW_VERSION := 3.3.2
AIRFLOW_STAMP := bin/.airflow-$(AIRFLOW_VERSION)
PYTHON ?= python3

.PHONY: test build vet fmt bench demo

build:
	$(GO) build -o bin/metalake ./cmd/metalake

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet $(PKGS)

$(VERSITYGW_STAMP):
	GOBIN=$(CURDIR)/bin $(GO) install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION)
	touch $@

$(MOTO_STAMP):
	rm -rf bin/moto && $(PYTHON) -m venv bin/moto
	bin/moto/bin/pip install --quiet --disable-pip-version-check "moto[server]==$(MOTO_VERSION)"
	touch $@

$(AIRFLOW_STAMP):
	rm -rf bin/airflow && $(PYTHON) -m venv bin/airflow
	bin/airflow/bin/pip install --quiet --disable-pip-version-check "apache-airflow==$(AIRFLOW_VERSION)"
	touch $@

test: vet $(VERSITYGW_STAMP) $(MOTO_STAMP) $(AIRFLOW_STAMP)
	METALAKE_VERSITYGW=$(CURDIR)/bin/versitygw METALAKE_MOTO_SERVER=$(CURDIR)/bin/moto/bin/moto_server \
	  METALAKE_AIRFLOW_PYTHON=$(CURDIR)/bin/airflow/bin/python \
	  $(GO) test -count=1 -timeout 30m $(PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x $(PKGS)

demo:
	$(GO) run ./cmd/metalake demo
