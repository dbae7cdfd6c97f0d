# Mic Check — `make run` to serve, `make test` to check everything.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
# What running needs (`pip install -e .`), and on top of it the dev tools (`.[dev]`).
RUN_STAMP := $(VENV)/.installed-run
STAMP := $(VENV)/.installed-dev
# `make run ARGS=--lan`: anything for `miccheck serve`.
ARGS ?=

.PHONY: run test lint format bench browser clean messages

$(RUN_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(RUN_STAMP)
	$(BIN)/miccheck db upgrade
	$(BIN)/miccheck serve $(ARGS)

# Debian's Chromium for the browser tests (Playwright cannot download its own here), poppler-utils
# for the printed minutes and nginx for tests/test_deploy_nginx.py (deploy/nginx.conf, run as is).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium for the browser tests"; \
	  (apt-get update -q && apt-get install -y -q chromium) >/dev/null 2>&1 || \
	  echo "could not install chromium: browser tests will skip (and fail under CI=true)"; }
	@command -v pdftoppm >/dev/null 2>&1 || { \
	  echo "installing poppler-utils (pdftoppm) to look at printed minutes"; \
	  (apt-get update -q && apt-get install -y -q poppler-utils) >/dev/null 2>&1 || \
	  echo "could not install poppler-utils: the PDF page test will skip (and fail under CI=true)"; }
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
	  echo "installing nginx for the deployment test (deploy/nginx.conf)"; \
	  (apt-get update -q && apt-get install -y -q nginx) >/dev/null 2>&1 || \
	  echo "could not install nginx: the deployment test will skip (and fail under CI=true)"; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(STAMP) browser lint
	$(BIN)/pytest

# Every marked string of app/ and templates/ into locale/messages.pot and each catalogue
# (new ones empty, to translate; gone ones dropped). tests/i18n fails until they are translated.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --no-wrap \
	  -k also --project=miccheck -o locale/messages.pot .
	$(BIN)/pybabel update -i locale/messages.pot -d locale --no-fuzzy-matching --ignore-pot-creation-date \
	  --ignore-obsolete --no-wrap

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache artifacts
