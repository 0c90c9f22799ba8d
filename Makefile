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
# The Spark engine's tests run against a real Spark Connect server: PyPI's pyspark bundles Spark
# (jars/, bin/spark-submit, the Connect server), pinned here and installed into a virtualenv in
# ./bin/pyspark (a 456 MB download the first time); the server itself needs Java 17 or 21.
# One server serves every test binary (withspark starts it and stops it after go test).
PYSPARK_VERSION := 4.3.0
PYSPARK_STAMP := bin/.pyspark-$(PYSPARK_VERSION)
# Spark reads and writes an S3 lake through Hadoop's s3a connector: hadoop-aws of the Hadoop
# that pyspark bundles (3.5.0), the AWS SDK bundle and the analytics accelerator it was built
# against, from Maven Central into ./bin/spark-jars (a 690 MB download the first time), checked
# against the SHA-1 sums in internal/testserver/spark-jars.sha1. The test Spark server puts
# them on its class path.
SPARK_JARS_STAMP := bin/.spark-jars-hadoop-aws-3.5.0
MAVEN_CENTRAL := https://repo.maven.apache.org/maven2
# The network-fault tests put Toxiproxy (a TCP proxy that resets, stalls, cuts and slows
# connections on demand) between metalake and the S3 server: pinned here (the same version as
# its client package in go.mod), built into ./bin/toxiproxy.
TOXIPROXY_VERSION := v2.5.0
TOXIPROXY_STAMP := bin/.toxiproxy-$(TOXIPROXY_VERSION)
PYTHON ?= python3
# The HTML report's chart library (Apache ECharts), pinned: `make echarts` re-fetches it from
# npm and verifies it (internal/htmlreport/assets/README.md). The file is committed; the
# build never downloads it.
ECHARTS_VERSION := 6.1.0
ECHARTS_TGZ_SHA256 := 681aff88cc1038c3fa941a3a53d1b177a52250b05335efc607d6105ae13be481
ECHARTS_JS_SHA256 := 61f13280aba3161f77fc801bf5f9c786f55f10432153a0683fc5cc0700b013d5
ECHARTS_DIR := internal/htmlreport/assets

.PHONY: test build vet fmt bench bench-go demo echarts

build:
	$(GO) build -o bin/metalake ./cmd/metalake

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet $(PKGS)

$(VERSITYGW_STAMP):
	GOBIN=$(CURDIR)/bin $(GO) install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION)
	touch $@

$(TOXIPROXY_STAMP):
	GOBIN=$(CURDIR)/bin/toxiproxy $(GO) install github.com/Shopify/toxiproxy/v2/cmd/server@$(TOXIPROXY_VERSION)
	touch $@

$(MOTO_STAMP):
	rm -rf bin/moto && $(PYTHON) -m venv bin/moto
	bin/moto/bin/pip install --quiet --disable-pip-version-check "moto[server]==$(MOTO_VERSION)"
	touch $@

$(AIRFLOW_STAMP):
	rm -rf bin/airflow && $(PYTHON) -m venv bin/airflow
	bin/airflow/bin/pip install --quiet --disable-pip-version-check "apache-airflow==$(AIRFLOW_VERSION)"
	touch $@

$(PYSPARK_STAMP):
	rm -rf bin/pyspark && $(PYTHON) -m venv bin/pyspark
	bin/pyspark/bin/pip install --quiet --disable-pip-version-check "pyspark==$(PYSPARK_VERSION)"
	touch $@

$(SPARK_JARS_STAMP): internal/testserver/spark-jars.sha1
	rm -rf bin/spark-jars && mkdir -p bin/spark-jars
	while read -r sum path; do \
	  curl -fsSL --retry 3 -o bin/spark-jars/$$(basename $$path) $(MAVEN_CENTRAL)/$$path || exit 1; \
	  echo "$$sum  bin/spark-jars/$$(basename $$path)" | sha1sum -c --quiet - || exit 1; \
	done < internal/testserver/spark-jars.sha1
	touch $@

# The tests' scratch space ($TMPDIR: every t.TempDir lake, the Spark and PostgreSQL servers'
# directories) goes on a tmpfs when there is one: the lakes' many small fsynced files make a
# pipeline run about 40 % slower on a virtual disk, and nothing a test asserts depends on the
# disk. The compiled test binaries stay on disk (GOTMPDIR: ~100 MB each, DuckDB is linked in).
# It is world-writable and sticky like /tmp: the PostgreSQL tests run the server as another user.
# TEST_TMPROOT= (empty) keeps the default $TMPDIR.
TEST_TMPROOT ?= $(wildcard /dev/shm)

test: vet $(VERSITYGW_STAMP) $(TOXIPROXY_STAMP) $(MOTO_STAMP) $(AIRFLOW_STAMP) $(PYSPARK_STAMP) $(SPARK_JARS_STAMP)
	tmp=$$(mktemp -d -p "$(or $(TEST_TMPROOT),$${TMPDIR:-/tmp})" metalake-test.XXXXXX) && chmod 1777 "$$tmp" && trap 'rm -rf "$$tmp"' EXIT && \
	GOTMPDIR=$${GOTMPDIR:-$${TMPDIR:-/tmp}} TMPDIR=$$tmp METALAKE_VERSITYGW=$(CURDIR)/bin/versitygw METALAKE_MOTO_SERVER=$(CURDIR)/bin/moto/bin/moto_server \
	  METALAKE_TOXIPROXY=$(CURDIR)/bin/toxiproxy/server \
	  METALAKE_AIRFLOW_PYTHON=$(CURDIR)/bin/airflow/bin/python \
	  METALAKE_PYSPARK=$(CURDIR)/bin/pyspark METALAKE_SPARK_JARS=$(CURDIR)/bin/spark-jars \
	  $(GO) run ./internal/testserver/withspark -- $(GO) test -count=1 -timeout 30m $(PKGS)

# metalake bench: day 1 and day 2 of a generated 2 M-user lake against DuckDB's own CSV-to-Parquet
# floor (docs/BENCHMARKS.md). bench-go runs the layers' go-test benchmarks once each.
bench:
	$(GO) run ./cmd/metalake bench --users 2000000 --days 2

bench-go:
	$(GO) test -run '^$$' -bench . -benchtime 1x $(PKGS)

demo:
	$(GO) run ./cmd/metalake demo

echarts:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  (cd "$$tmp" && npm pack --silent "echarts@$(ECHARTS_VERSION)" >/dev/null) && \
	  echo "$(ECHARTS_TGZ_SHA256)  $$tmp/echarts-$(ECHARTS_VERSION).tgz" | sha256sum -c --quiet - && \
	  tar -xzf "$$tmp/echarts-$(ECHARTS_VERSION).tgz" -C "$$tmp" && \
	  echo "$(ECHARTS_JS_SHA256)  $$tmp/package/dist/echarts.common.min.js" | sha256sum -c --quiet - && \
	  cp "$$tmp/package/dist/echarts.common.min.js" "$$tmp/package/LICENSE" "$$tmp/package/NOTICE" "$(ECHARTS_DIR)/" && \
	  cp "$$tmp/package/licenses/LICENSE-d3" "$(ECHARTS_DIR)/" && \
	  echo "echarts $(ECHARTS_VERSION): verified and copied to $(ECHARTS_DIR)"
