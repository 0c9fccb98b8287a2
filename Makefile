# Dovetail: `make up` starts the platform, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: up test install protos lint typecheck bench chaos clean

up: install
	$(PY) -m infra.launcher

# Lint and types first: a run of the suite is minutes, they are seconds.
test: install lint typecheck
	$(PY) -m infra.test_deps
	$(PY) -m pytest

install: $(STAMP)

# The stubs (protos/) and the factory SDK (sdk/) are packages of their own that the main one
# depends on by name: installed here from their folders, in the same step.
$(STAMP): pyproject.toml protos/pyproject.toml sdk/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ./protos -e ./sdk -e '.[dev]'
	$(PY) -m pip check
	touch $(STAMP)

protos: install
	$(PY) -m infra.protos

lint: install
	$(VENV)/bin/ruff check .

# The domain modules and the kit (files and options in pyproject.toml, [tool.mypy]).
typecheck: install
	$(VENV)/bin/mypy

bench: install
	$(PY) -m load.run_all $(BENCH_ARGS)

# The fault run of issue #17: make up on shifted ports, shops posting, everything killed in turn.
chaos: install
	$(PY) -m load.chaos $(CHAOS_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
