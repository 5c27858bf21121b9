# The README's two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_RUN  := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: demo test lint typecheck unit fuzz bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml setup.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml setup.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dev,distributed]'
	touch $@ $(STAMP_RUN)

# The default target-only plan loses the ROK and Japan (they would stop paying for
# the relief they fund), so the demo solves for both sides and checks that plan.
demo: $(STAMP_RUN)
	$(BIN)/relief solve --both-sides --out $(VENV)/demo-plan.json
	$(BIN)/relief check --plan $(VENV)/demo-plan.json
	@echo
	@echo "relief is installed in $(VENV): run '$(BIN)/relief --help', or '. $(BIN)/activate' first to type 'relief'."

lint: $(STAMP_TEST)
	$(BIN)/ruff check solver tests benchmarks
	$(BIN)/ruff format --check solver tests benchmarks

typecheck: $(STAMP_TEST)
	$(BIN)/mypy solver

unit: $(STAMP_TEST)
	$(BIN)/python -m pytest

test: lint typecheck unit

# The fuzz suite of `make test` (tests/fuzz, 25 examples per format) with many more
# examples; FUZZ_EXAMPLES=N make fuzz for another size. Prints the cases per format.
FUZZ_EXAMPLES ?= 2000
fuzz: $(STAMP_TEST)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/fuzz -p no:cacheprovider

bench: $(STAMP_RUN)
	$(BIN)/python benchmarks/bench_default.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
