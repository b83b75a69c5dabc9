# Quickstart: `make run TASK="..."` runs the agent on the embedded model; `make test` runs the test suite.
# Each target installs what it needs first (system packages, the virtualenv, the package), so both work on a
# fresh clone.

VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
TASK   ?= What is the sum of the squares of the first 100 primes?
PYTEST_ARGS ?=

.PHONY: run test install dev system-deps bench clean

run: install
	$(VENV)/bin/codeact run "$(TASK)"

test: dev
	$(PY) -m ruff check codeact tests benchmarks
	$(PY) -m pytest $(PYTEST_ARGS)

install: system-deps $(VENV)/.installed

dev: install $(VENV)/.dev-installed

# System packages: bubblewrap (the interpreter's sandbox), a C++ compiler (llama-cpp-python builds llama.cpp) and
# venv support. Installed with apt when missing and running as root (CI, containers); otherwise say what to install.
system-deps:
	@missing=""; \
	command -v bwrap >/dev/null 2>&1 || missing="$$missing bubblewrap"; \
	command -v c++ >/dev/null 2>&1 || missing="$$missing g++ make"; \
	python3 -c 'import ensurepip' >/dev/null 2>&1 || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "missing system packages:$$missing (e.g. 'sudo apt-get install$$missing'); or run with --sandbox none"; exit 1; \
	  fi; \
	fi

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed pyproject.toml
	$(PIP) install -q -e '.[dev,ray,bfcl]'
	$(PIP) install -q --no-deps 'bfcl-eval==2026.3.23'
	touch $@

bench: dev
	$(PY) benchmarks/interpreter.py
	$(PY) benchmarks/kv_cache.py --model qwen2.5-coder-0.5b
	$(PY) benchmarks/kv_cache.py --model qwen2.5-coder-1.5b

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
