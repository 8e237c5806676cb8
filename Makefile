# Two commands set everything up on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench env clean

env: $(STAMP)

# The environment is rebuilt whenever the lock or the project metadata changes.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/digestlake run --offline

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Three workers on two cores: many tests wait on servers and subprocesses. The tests of one
# file share a worker, so a module fixture (a lake of the whole vault) is built once. (Not
# --dist loadgroup: with pytest 9 xdist 3.8 cannot rename a test into its group.) The files
# go out in conftest's order, longest first (xdist's default sends the most tests first).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n 3 --dist loadfile --no-loadscope-reorder

bench: $(STAMP)
	$(BIN)/python bench/ingest_vault.py
	$(BIN)/python bench/bibtex_export.py
	$(BIN)/python bench/resolve_titles.py
	$(BIN)/python bench/arxiv_requests.py
	$(BIN)/python bench/noop_run.py
	$(BIN)/python bench/incremental_ingest.py
	$(BIN)/python bench/parser_worst_case.py
	$(BIN)/python bench/site_build.py
	$(BIN)/python bench/snapshot_import.py
	$(BIN)/python bench/run_after_snapshot.py

clean:
	rm -rf data/lake data/exports data/cache
