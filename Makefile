# make demo: set up and run portlint on the bundled example monorepo.
# make test: set up and run the test suite. Both work on a machine with only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := examples/genai-monorepo

.PHONY: demo test setup docs bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	@echo "== portlint check $(DEMO)"
	@$(BIN)/portlint check $(DEMO); status=$$?; \
	  echo "(portlint check exited $$status: 1 means findings, which the demo has on purpose: see $(DEMO)/README.md)"
	@echo "== portlint audit $(DEMO)"
	$(BIN)/portlint audit $(DEMO) -o build/audit-demo.html
	@echo "open build/audit-demo.html in a browser (docs/audit.md)"

test: $(STAMP)
	$(BIN)/python -m pytest

docs: $(STAMP)
	$(BIN)/python -m portlint.docs

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info
