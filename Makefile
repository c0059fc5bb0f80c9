# The two commands a new user needs: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PORT ?= 5000
PYTHON ?= python3
# Two workers: one per core of the reference machine; each has its own database.
PYTEST_ARGS ?= -n 2 -q

.PHONY: run test install translations catalog lint bench mutation

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile --use-fuzzy -d casework/translations

# Extract the messages, update the Arabic catalog (no fuzzy matching, the plural rule kept),
# compile, and list what is left to translate (docs/arabic-glossary.md for the wording).
catalog: $(VENV)/.installed
	$(PY) -m casework.translations.catalog

run: install
	$(FLASK) db upgrade
	$(FLASK) demo seed --if-empty > /dev/null
	@echo
	@cat instance/demo-logins.txt 2>/dev/null || echo "(No demo logins file: this database was not seeded by 'demo seed'.)"
	@echo "Casework is at http://127.0.0.1:$(PORT)"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# ruff, then the import contracts between packages (pyproject.toml, [tool.importlinter]).
lint: install
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

bench: install
	$(PY) bench/audit_verify.py

# Mutation testing of the audit chain, authorization, money and lifecycle kernels (issue 10):
# each change no focused test notices is re-run on the whole suite (and on PostgreSQL when
# TEST_DATABASE_URL is set). Too slow for CI. MUTATION_ARGS="money --no-rerun" for a part.
mutation: install
	$(PY) tests/mutation.py $(MUTATION_ARGS)
