# The two commands of the README: `make run` and `make test`.
# Both create .venv on first use (and again when pyproject.toml changes).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test bench bench-scale coverage clean

run: $(INSTALLED)
	$(BIN)/airflow-prefect-bridge embedded

# Twice: in file order, then with the modules reversed (tests/support/file_order.py),
# so a module leaning on what another left behind fails in one of the passes.
test: $(INSTALLED)
	$(BIN)/ruff check app tests bench
	$(BIN)/python -m pytest
	$(BIN)/python -m pytest --reverse-modules

# The README's table of v1 operations (served or 501, and the Prefect calls behind each).
coverage: $(INSTALLED)
	$(BIN)/python -m app.api_v1.coverage

bench: $(INSTALLED)
	$(BIN)/python bench/latency.py

# Listing costs against the estate's size (10 to 10,000 deployments); see bench/scale.py for flags.
bench-scale: $(INSTALLED)
	$(BIN)/python bench/scale.py $(ARGS)

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) .cache .pytest_cache *.egg-info
