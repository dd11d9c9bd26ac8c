# Every target creates .venv and installs into it when it is missing or older than
# pyproject.toml, so each one works alone on a fresh machine with only Python 3.11+.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ARGS   ?=

.PHONY: run test normalize bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/mockserver serve $(ARGS)

test: $(STAMP)
	$(BIN)/pytest $(ARGS)

normalize: $(STAMP)
	$(BIN)/mockserver normalize openapi/vendor/lago/*.md --overlay openapi/overlays/lago.yaml -o openapi/lago.yaml
	$(BIN)/mockserver normalize openapi/vendor/sequence/*.md --overlay openapi/overlays/sequence.yaml -o openapi/sequence.yaml

# Not part of `test`: installs Prism into .bench/ and wrk (apt) when missing, ~8 min; see tests/benchmark/bench.py.
bench: $(STAMP)
	$(BIN)/python tests/benchmark/bench.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
