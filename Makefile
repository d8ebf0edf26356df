# Two commands set everything up on a fresh machine (Python 3.11, pip, make):
#   make demo   - create .venv, install, run the whole pipeline on the bundled sample exports
#   make test   - the same bootstrap, then the test suite
# make bench measures every stage at district scale (SCALE=state for state scale), see README;
#   the benchmarks live in benchmarks/ (python -m benchmarks), outside the installed package.
# make dev starts the Dagster UI on 127.0.0.1 with the same instance, so make demo's runs show there.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
YEARS  ?= 2021-22 2022-23 2023-24
export DAGSTER_HOME := $(CURDIR)/.dagster_home

.PHONY: demo test test-quick dev sample bench clean check-system browser-tools messages

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed: $(PYTHON) not found (set PYTHON=/path/to/python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	@touch $(STAMP)

# WeasyPrint subsets fonts with HarfBuzz; without libharfbuzz-subset0 it falls back to fontTools,
# whose subsets (and so the PDFs' bytes) vary from process to process. As root on Debian it is installed.
check-system: $(STAMP)
	@ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing libharfbuzz-subset0 (apt-get)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libharfbuzz-subset0 >/dev/null 2>&1 || \
	      echo "could not install libharfbuzz-subset0: PDFs will not be byte-for-byte reproducible"; \
	  else echo "libharfbuzz-subset0 not found: PDFs will not be byte-for-byte reproducible (sudo apt-get install -y libharfbuzz-subset0)"; fi; }
	@$(BIN)/python -c "import weasyprint" 2>/dev/null || { \
	  echo "WeasyPrint cannot load Pango from the operating system."; \
	  echo "Install it with:  sudo apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"; \
	  echo "(macOS: brew install pango)"; exit 1; }

$(DAGSTER_HOME)/dagster.yaml:
	@mkdir -p $(DAGSTER_HOME)
	@ln -sf ../dagster.yaml $(DAGSTER_HOME)/dagster.yaml

demo: check-system $(DAGSTER_HOME)/dagster.yaml
	@for year in $(YEARS); do $(BIN)/scorecards run --year $$year || exit 1; done

# axe-core (the accessibility audit of the pages in Chromium, tests/test_accessibility.py), from npm
AXE_VERSION := 4.14.1
AXE := .tools/node_modules/axe-core/axe.min.js

# Chromium (the index page in a real browser, the render benchmark) and poppler (PDF pages as
# PNG for review) are optional: their tests skip without them. As root on Debian they are installed.
browser-tools:
	@command -v chromium >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium and poppler-utils (apt-get)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null 2>&1 || \
	      echo "could not install chromium/poppler-utils: their tests will be skipped"; \
	  else echo "chromium/pdftoppm not found: their tests will be skipped (sudo apt-get install -y chromium poppler-utils)"; fi; }
	@test -f $(AXE) || { command -v npm >/dev/null 2>&1 && \
	  npm install --silent --no-audit --no-fund --prefix .tools axe-core@$(AXE_VERSION) >/dev/null 2>&1; } || \
	  echo "could not install axe-core with npm: the accessibility tests will be skipped"

test: check-system browser-tools $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m pytest -q

# While a change is in progress: everything but the tests marked slow (end-to-end runs, killed
# processes, servers, long hypothesis runs). `make test` before committing runs them all.
test-quick: check-system $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m pytest -q -m "not slow"

# Ctrl-C stops it cleanly: SIGINT reaches `dagster dev` and every process it started (webserver,
# daemon, code servers), which shut down within seconds (tests/test_ui.py sends it and waits).
# A SIGINT from a script that runs make in the background is ignored by the shell (POSIX), which
# looks like a hang: stop such a `make dev` with `kill -INT -- -<pgid>` from a foreground shell or
# with SIGTERM.
DEV_PORT ?= 3000
dev: check-system $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -m assets.definitions -h 127.0.0.1 -p $(DEV_PORT)

SCALE   ?= district
REPEATS ?= 3
bench: check-system browser-tools
	$(BIN)/python -m benchmarks --scale $(SCALE) --repeats $(REPEATS)

sample: $(STAMP)
	$(BIN)/scorecards sample --scale demo --seed 2024 --layout public --student-files state --out data/raw

clean:
	rm -rf data/out/20* data/out/scorecards.duckdb* $(DAGSTER_HOME)

# Translations, with Babel's own tools (babel.cfg says where the messages are): refresh the
# template catalog from the code and templates, then merge it into every language's catalog.
# Translate the new or changed entries in templates/locale/<lang>/LC_MESSAGES/messages.po.
# A new language: $(BIN)/pybabel init -i templates/locale/messages.pot -d templates/locale -l <code>
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -c TRANSLATORS: --project=school-scorecards -w 100 \
	  -o templates/locale/messages.pot .
	$(BIN)/pybabel update -i templates/locale/messages.pot -d templates/locale -D messages -w 100 \
	  --no-fuzzy-matching
