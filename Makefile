# Earshot: `make run` runs the whole pipeline on embedded defaults; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | md5sum | cut -c1-12)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help install system-deps run sample test test-unit test-integration test-faults s3-deps lint typecheck bench stack-up stack-down clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

# The install also compiles the hot enrich/ modules with mypyc (setup.py, docs/enrichment.md
# "Performance"); editing one of them rebuilds just the extensions (a stale build is never used).
HOT_SOURCES := $(shell sed -n 's/^    "\(enrich\.[a-z_.]*\)",$$/\1/p' enrich/_compiled.py | tr . / | sed 's/$$/.py/')
# The hand-written C extensions, built by the same setup.py: enrich/_lid.c (language id, enrich._lid),
# enrich/sentiment/_vader.c (VADER sentiment, enrich.sentiment._vader), enrich/_model.c (output models)
# enrich/_aho.c (Aho-Corasick word search) and enrich/_scan.c (text scans).
NATIVE_SOURCES := enrich/_lid.c enrich/sentiment/_vader.c enrich/_model.c enrich/_aho.c enrich/_scan.c
COMPILED := $(VENV)/.enrich-compiled

$(STAMP): pyproject.toml setup.py
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@ && touch $(COMPILED)
	@$(PY) -c "import enrich; print('enrich/ hot modules compiled (mypyc):', enrich.compiled())"
	@$(PY) -c "from enrich.language import language_backend as l; from enrich.sentiment import sentiment_backend as s; \
	  print('language detection backend:', l(), '/ sentiment backend:', s())"
	@$(PY) -c "from enrich._compiled import NATIVE_SOURCES as n, native_unavailable as u; \
	  print('C extensions:', ', '.join(f'{m} ' + (u(m) or 'in use') for m in n))"

$(COMPILED): $(STAMP) $(HOT_SOURCES) $(NATIVE_SOURCES) enrich/_compiled.py
	@if [ ! -e $@ ] || [ -n "$$(find $(HOT_SOURCES) $(NATIVE_SOURCES) enrich/_compiled.py -newer $@)" ]; then \
	  $(PY) setup.py -q build_ext --inplace; fi
	@touch $@
	@$(PY) -c "import enrich; print('enrich/ hot modules compiled (mypyc):', enrich.compiled())"
	@$(PY) -c "from enrich.language import language_backend as l; from enrich.sentiment import sentiment_backend as s; \
	  print('language detection backend:', l(), '/ sentiment backend:', s())"
	@$(PY) -c "from enrich._compiled import NATIVE_SOURCES as n, native_unavailable as u; \
	  print('C extensions:', ', '.join(f'{m} ' + (u(m) or 'in use') for m in n))"

install: $(STAMP) $(COMPILED) ## create .venv and install Earshot with its pinned dependencies

system-deps: ## install ClickHouse 18.16 and ZooKeeper (replicated-cluster test) from Debian
	@{ command -v clickhouse-server >/dev/null && test -f /usr/share/java/zookeeper.jar; } || { \
	  echo "installing clickhouse-server and zookeeper (Debian packages)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    clickhouse-server zookeeper >/dev/null; }

data/sample_mentions.jsonl:
	$(PY) data/generate_sample.py

sample: install ## regenerate the bundled sample data (fixed seed)
	$(PY) data/generate_sample.py

run: install data/sample_mentions.jsonl ## THE MAIN JOB: broker + chdb, sample data in, trends and alerts out
	$(VENV)/bin/earshot run

s3-deps: install ## install s3rver (pinned, npm) into var/node: the local S3 server of the durable-broker test
	@command -v npm >/dev/null || { \
	  echo "installing nodejs and npm (Debian packages)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm >/dev/null; }
	@$(PY) -m earshot.services.s3 install

test: install system-deps s3-deps ## all tests: unit + integration against the real broker, chdb and ClickHouse 18.16
	$(PY) -m pytest -q tests

test-faults: install system-deps s3-deps ## fault tests only: SIGKILLed workers, ClickHouse outage, broker restarts
	$(PY) -m pytest -q tests/integration/test_faults.py

test-unit: install ## unit tests only (no services)
	$(PY) -m pytest -q tests/unit

test-integration: install system-deps ## integration tests only
	$(PY) -m pytest -q tests/integration

lint: install ## ruff
	$(VENV)/bin/ruff check .

typecheck: install ## mypy (strict on enrich/ and schemas/)
	$(VENV)/bin/mypy schemas enrich

bench: install ## benchmarks: prints figures, writes bench/results.json
	$(PY) -m bench.run

stack-up: install ## start the local broker (and ClickHouse with CLICKHOUSE=1)
	$(VENV)/bin/earshot stack up $(if $(CLICKHOUSE),--clickhouse)

stack-down: install ## stop the local broker (and ClickHouse with CLICKHOUSE=1)
	$(VENV)/bin/earshot stack down $(if $(CLICKHOUSE),--clickhouse)

clean: ## remove local state (var/) and caches
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
