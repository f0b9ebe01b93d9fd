# make demo: set up and run portlint on the bundled example monorepo.
# make test: set up and run the test suite (cheap hostile cases included).
# make fuzz: the heavy hostile trees and FUZZ_SECONDS (default 600) of hypothesis over every reader.
# They work on a machine with only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := examples/genai-monorepo

.PHONY: demo test fuzz setup docs bench clean
FUZZ_SECONDS ?= 600

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

fuzz: $(STAMP)
	PORTLINT_HEAVY=1 $(BIN)/python -m pytest tests/test_hostile.py
	PORTLINT_FUZZ_SECONDS=$(FUZZ_SECONDS) $(BIN)/python -m pytest tests/test_fuzz.py

docs: $(STAMP)
	$(BIN)/python -m portlint.docs

# make bench: cold, warm and one-edit runs on 200 services, 2,000 services cold, and checkov when
# CHECKOV=/path/to/checkov is given (or checkov is on PATH).
bench: $(STAMP)
	$(BIN)/python bench/run.py --sizes 200 --scale 2000

clean:
	rm -rf $(VENV) build dist *.egg-info
