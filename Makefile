# Every target creates .venv and installs into it when it is missing or older than
# pyproject.toml, so each one works alone on a fresh machine with only Python 3.11+.
# `run` installs only what serving needs; `test` adds the test extras.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUN_STAMP  := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
ARGS   ?=

.PHONY: run test test-unit normalize bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $(RUN_STAMP)

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(TEST_STAMP) $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/mockserver serve $(ARGS)

test: $(TEST_STAMP)
	$(BIN)/pytest $(ARGS)

# The inner loop: tests/unit runs in this process only (its conftest refuses to start one), under a minute.
test-unit: $(TEST_STAMP)
	$(BIN)/pytest tests/unit $(ARGS)

normalize: $(RUN_STAMP)
	$(BIN)/mockserver normalize openapi/vendor/lago/*.md --overlay openapi/overlays/lago.yaml -o openapi/lago.yaml
	$(BIN)/mockserver normalize openapi/vendor/sequence/*.md --overlay openapi/overlays/sequence.yaml -o openapi/sequence.yaml

# Not part of `test`: installs Prism, WireMock, Mockoon and Specmatic (npm, pinned) into .bench/ and wrk (apt)
# when missing, ~20 min; see tests/benchmark/bench.py (BENCH_SERVERS, BENCH_PARTS for a subset).
bench: $(RUN_STAMP)
	$(BIN)/python tests/benchmark/bench.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
