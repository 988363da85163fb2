# taizhang — the two commands of the README:
#   make report   set everything up, then write the 巴彦淖尔 ledger for the default period and print its path
#   make test     set everything up, then run the whole test suite (this is what CI runs)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PLAN   ?= bayannur
PERIOD ?=

.PHONY: setup system-deps report test clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

system-deps:
	bash tools/system_deps.sh

report: setup
	$(BIN)/taizhang run --plan $(PLAN) $(if $(PERIOD),--period $(PERIOD),)

test: setup system-deps
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) reports/* inputs/sample
