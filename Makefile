# Two commands: `make demo` runs the product on SQLite with demo data; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# the test suite runs in one process per core (pytest-xdist; each file's tests in one worker,
# each worker its own databases: tests/conftest.py); TEST_WORKERS=0 runs it in this process
TEST_WORKERS ?= auto
HOST ?= 127.0.0.1
PORT ?= 5000
# gettext catalogues (docs/decisions/0023): .po edited by translators, .mo compiled by the install
TRANSLATIONS := survey_app/translations
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po))

.PHONY: demo test lint format messages benchmark benchmark-load reliability clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# the project's bytecode compiled once, as a wheel's install does: the editable install would
# otherwise compile every module on each start where bytecode is not written (a second of CPU)
PACKAGES := analysis questionnaires sampling scoring_bridge survey_app

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/pybabel compile --statistics --directory=$(TRANSLATIONS)
	$(BIN)/python -m compileall -q $(PACKAGES)
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/pybabel compile --statistics --directory=$(TRANSLATIONS)
	$(BIN)/python -m compileall -q $(PACKAGES)
	touch $@ $(VENV)/.installed

# a catalogue edited since the install is compiled again
$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile --statistics --directory=$(TRANSLATIONS) --locale=$*

# after adding or changing user text: every string of code and templates into messages.pot, then
# into each language's .po (new strings untranslated: tests/survey_app/test_translations.py says which)
messages: $(VENV)/.installed
	$(BIN)/pybabel extract --mapping-file=babel.cfg --output-file=$(TRANSLATIONS)/messages.pot \
	    --project=SIPAS --add-location=file --sort-output --no-wrap --add-comments=TRANSLATORS: .
	$(BIN)/pybabel update --input-file=$(TRANSLATIONS)/messages.pot --output-dir=$(TRANSLATIONS) \
	    --no-wrap --ignore-pot-creation-date

demo: $(VENV)/.installed $(CATALOGUES)
	$(BIN)/sipas demo --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test $(CATALOGUES)
	scripts/ensure-chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

benchmark: $(VENV)/.installed-test
	$(BIN)/python benchmarks/form_page.py

# gunicorn + a private PostgreSQL under 50 and 200 clients, against a bare INSERT (a few minutes)
benchmark-load: $(VENV)/.installed-test
	$(BIN)/python benchmarks/submit_load.py

# load, crashes, a database restart, two instances, backup and restore (reliability/, ~5 min);
# needs PostgreSQL's server programs (initdb, pg_ctl) and Redis on 127.0.0.1:6379
reliability: $(VENV)/.installed-test
	$(BIN)/python reliability/run_all.py $(RELIABILITY_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
