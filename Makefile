# crmkit — every target bootstraps its own environment in .venv.
# The venv is rebuilt only when pyproject.toml changes (the stamp file tracks it).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# the course market the chapters read (generated once, then reused)
MARKET := datasets/market/customers.parquet
NOTEBOOKS := $(wildcard notebooks/*.ipynb)
# the browser edition's build and test tools (lite/requirements-build.txt), and the system's
# Chromium that runs its test
LITE_TOOLS := $(VENV)/.lite-installed
CHROMIUM ?= /usr/bin/chromium

export PYTHONHASHSEED := 0

.PHONY: help venv data book student test unit nbval bench lab clean lite test-browser translations

help:
	@echo "make book     build the HTML book (instructor edition) into _build/html, French in _build/html/fr"
	@echo "make student  build the student edition (no solutions) into _build/student, French beside it"
	@echo "make translations  bring the French catalogs (book/locale) in step with the English text"
	@echo "make test     unit + property tests, nbval on every notebook, book build with -W"
	@echo "make lab      open the chapters in JupyterLab"
	@echo "make lite     build the browser edition (JupyterLite) into _build/html/lite"
	@echo "make test-browser  run every chapter of the browser edition in headless Chromium"
	@echo "make bench    run the benchmarks (benchmarks/results.md)"
	@echo "make clean    remove the environment, caches and build outputs"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[book,dev,spark]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (crmkit)" >/dev/null
	touch $(STAMP)

venv: $(STAMP)

$(MARKET): $(STAMP)
	$(BIN)/python -m crmkit.datasets

data: $(MARKET)

# both languages, side by side (tools/build_book.py --lang): English, and the French
# edition from the same sources (book/locale's catalogs, notebooks run with CRMKIT_LANG=fr)
LANGS := en fr

book: $(STAMP) $(MARKET) $(LITE_TOOLS)
	$(BIN)/python tools/build_book.py --edition instructor --lang $(LANGS)
	$(BIN)/python tools/build_lite.py

student: $(STAMP) $(MARKET) $(LITE_TOOLS)
	$(BIN)/python tools/build_book.py --edition student --lang $(LANGS)
	$(BIN)/python tools/build_lite.py --edition student --output _build/student/_build/html/lite

# one pytest run: unit + property tests, docstring examples, ruff, nbval on every notebook
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider
NBVAL  := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg

unit: $(STAMP) $(MARKET)
	$(PYTEST) tests crmkit --doctest-modules

nbval: $(STAMP) $(MARKET)
	$(PYTEST) notebooks $(NBVAL)

# The browser test (every chapter in headless Chromium) runs beside pytest, on the second
# core, when Chromium is installed; its report is printed after pytest's, and either failing
# fails make test.
BROWSER_LOG := _build/lite-browser-test.log

test: $(STAMP) $(MARKET) $(LITE_TOOLS)
	$(BIN)/python tools/build_book.py --edition instructor --lang $(LANGS)
	$(BIN)/python tools/build_lite.py
	@if [ -x "$(CHROMIUM)" ]; then \
	  echo "browser test: every chapter in $(CHROMIUM), beside pytest (report after it)"; \
	  ( $(BIN)/python tools/browser_test.py --chromium "$(CHROMIUM)" > $(BROWSER_LOG) 2>&1; \
	    echo $$? > $(BROWSER_LOG).rc ) & \
	else \
	  echo "SKIPPED the browser test: no Chromium at $(CHROMIUM) (apt-get install chromium; make test-browser runs it alone)"; \
	  echo 0 > $(BROWSER_LOG).rc; : > $(BROWSER_LOG); \
	fi; \
	{ $(PYTEST) tests crmkit notebooks --doctest-modules $(NBVAL); echo $$? > _build/pytest.rc; } \
	  | tee _build/pytest.log; \
	rc=$$(cat _build/pytest.rc); wait; \
	cat $(BROWSER_LOG); brc=$$(cat $(BROWSER_LOG).rc); \
	tail -n 1 _build/pytest.log; \
	[ $$rc -eq 0 ] && [ $$brc -eq 0 ]

# the browser edition (JupyterLite + Pyodide, tools/build_lite.py) and its test in Chromium
# from the system's package manager (tools/browser_test.py)
$(LITE_TOOLS): $(STAMP) lite/requirements-build.txt
	$(BIN)/python -m pip install --quiet -r lite/requirements-build.txt
	touch $(LITE_TOOLS)

lite: $(LITE_TOOLS) $(MARKET)
	$(BIN)/python tools/build_lite.py

test-browser: lite
	$(BIN)/python tools/browser_test.py --chromium "$(CHROMIUM)"

translations: $(STAMP)
	$(BIN)/python tools/build_book.py --update-catalogs

# lifetimes (archived) needs old pandas/numpy: it lives in its own venv, for benchmarks only
LIFETIMES := .venv-lifetimes/.installed
$(LIFETIMES): benchmarks/requirements-lifetimes.txt
	$(PYTHON) -m venv .venv-lifetimes
	.venv-lifetimes/bin/python -m pip install --quiet -r benchmarks/requirements-lifetimes.txt
	touch $(LIFETIMES)

bench: $(STAMP) $(MARKET) $(LIFETIMES)
	$(BIN)/python -m benchmarks

lab: $(STAMP) $(MARKET)
	$(BIN)/jupyter lab notebooks

clean:
	rm -rf $(VENV) .venv-lifetimes _build datasets/market .pytest_cache .hypothesis .ruff_cache *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
