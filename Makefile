# rarelog — the two commands a user needs are `make demo` and `make test`.
# Everything they need is installed here: the Python environment, the Kafka broker's jars
# (through Maven), Java and PostgreSQL from the system's packages when missing.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
STACK  := $(PY) -m rarelog.stack

.PHONY: help setup helm demo test unit up down clean status bench chaos

help:
	@echo "make demo    set up, start the platform and run it on a synthetic cohort"
	@echo "make test    set up and run the whole test suite (real Kafka and PostgreSQL)"
	@echo "make up / make down / make clean / make status / make bench / make chaos"

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "rarelog needs Python 3.11 or newer")'
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then apt-get update -q && apt-get install -y -q python3-venv; \
	  else echo "python3 -m venv is missing: install your system's python3-venv package" >&2; exit 1; fi; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

# The helm CLI for the chart tests (tests/chart), built once with Go from the Go module proxy into
# .rarelog/cache/bin/helm; without Go it says so and the chart tests are skipped.
helm:
	@sh deploy/helm/install-helm.sh

up: setup
	$(STACK) up

down:
	@if [ -x $(PY) ]; then $(STACK) down; fi

clean:
	@if [ -x $(PY) ]; then $(STACK) clean; fi

status: setup
	$(STACK) status

demo: setup
	$(PY) -m rarelog demo

test: setup
	@sh deploy/helm/install-helm.sh --background
	$(STACK) run -- $(PY) -m pytest $(PYTEST_ARGS)

bench: setup
	$(STACK) run -- $(PY) -m bench $(BENCH_ARGS)

# The crash suite at full size (a small version runs in `make test`): CHAOS_ARGS="--records N --kills K".
chaos: setup
	$(STACK) run -- $(PY) -m tests.chaos $(CHAOS_ARGS)

unit: setup helm
	$(PY) -m pytest -m "not integration" $(PYTEST_ARGS)
