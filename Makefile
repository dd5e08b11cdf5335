# The front door. Every target sets itself up: a fresh machine needs only python3 (3.11+) and, for `lint`, npm.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench
COMPARE_STAMP := $(VENV)/.installed-compare
# Models: ../shared/models where it exists, elsewhere downloaded to the user cache. Photos: the tests carry
# their own (tests/data/faces); VISAGE_FACES_DIR is the benchmarks' larger set.
export VISAGE_MODELS_DIR ?= $(if $(wildcard ../shared/models/MODELS.md),$(abspath ../shared/models),)
export VISAGE_FACES_DIR ?= $(abspath ../shared/faces)
BUF := node_modules/.bin/buf

.PHONY: help setup models certs proto lint chromium test test-unit run bench bench-full soak clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(STAMP)  ## create the virtualenv and install Visage with its dev tools

models: $(STAMP)  ## make sure every model file is present and verified (downloads what is missing)
	$(BIN)/visage-models fetch

certs: $(STAMP)  ## create the development CA and the service and client certificates
	$(BIN)/python -m certs.generate --out certs/out

proto: $(STAMP)  ## regenerate the Python stubs in gen/ from protos/ (commit the result)
	@# google/api/*.proto are vendored for buf/protoc only: at run time googleapis-common-protos provides them.
	find gen/visage -name '*_pb2*.py*' -delete
	$(BIN)/python -m grpc_tools.protoc -I protos -I $$($(BIN)/python -c 'import grpc_tools, os; print(os.path.join(os.path.dirname(grpc_tools.__file__), "_proto"))') \
	  --python_out=gen --pyi_out=gen --grpc_python_out=gen $$(find protos/visage -name '*.proto' | sort)
	@# stubs of files without a service hold nothing but an import: drop them
	{ find gen/visage -name '*_pb2_grpc.py' -exec grep -L '^class ' {} + || true; } | xargs -r rm
	@# gen/visage itself stays without one: `visage` is a namespace package shared with visage/client
	find gen/visage -mindepth 1 -type d ! -name __pycache__ -exec touch {}/__init__.py \;

$(BUF):
	npm install --silent --no-audit --no-fund --no-save @bufbuild/buf@1

lint: $(STAMP) $(BUF)  ## ruff and buf lint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BUF) lint

chromium:  ## Debian's Chromium for the browser tests (Playwright drives it; it downloads no browser)
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -q && apt-get install -y -q chromium; } \
	  || { echo "the browser tests need Chromium: sudo apt-get install chromium" >&2; exit 1; }

test: $(STAMP) models chromium  ## set up and run the whole test suite
	$(BIN)/python -m pytest

test-unit: $(STAMP)  ## only the tests that need no servers
	$(BIN)/python -m pytest -m unit

run: $(STAMP) models certs  ## set up and run the whole platform on embedded defaults
	$(BIN)/python -m services.launcher

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

$(COMPARE_STAMP): $(BENCH_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench,compare]'
	@# face_recognition requires `dlib` (a source build); the compare extra's dlib-bin wheel provides that module
	$(BIN)/python -m pip install --quiet --no-deps 'face_recognition>=1.3'
	touch $@

bench: $(BENCH_STAMP) models  ## fast benchmarks (minutes): tables, bench/results/REPORT.md and charts
	$(BIN)/python -m bench --report

bench-full: $(COMPARE_STAMP) models  ## every benchmark, long variants: 10^6 vectors, face_recognition comparison
	$(BIN)/python -m bench --full --report

soak: $(BENCH_STAMP) models  ## faults under load and 50 clients for 5 minutes (SOAK_ARGS=--quick: short): bench/results/SOAK.md
	$(BIN)/python -m bench.soak $(SOAK_ARGS)

clean:  ## remove the virtualenv and caches (keeps downloaded models)
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache
