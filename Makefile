# taizhang — the two commands of the README:
#   make report   set everything up, then write the 巴彦淖尔 ledger (HTML, PDF, Excel) and print the paths
#   make test     set everything up, then run the whole test suite (this is what CI runs)
# and, for analysts:
#   make lab      start JupyterLab (Chinese interface, the project's kernel)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
STORE  := inputs/taizhang.sqlite
PLAN   ?= bayannur
PERIOD ?=

.PHONY: setup system-deps sample report test lab clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

system-deps:
	bash tools/system_deps.sh

# deterministic sample returns of all five plans, validated and loaded into the store (unchanged files are skipped),
# then the 督办 loop over every sample month (answers, auto-closes, one manual close; months done are skipped)
sample: setup
	$(BIN)/taizhang sample --all-plans
	$(BIN)/taizhang ingest inputs/sample --store $(STORE) --quiet
	$(BIN)/taizhang supervise sample --all-plans --store $(STORE)

report: setup system-deps sample
	$(BIN)/taizhang run --plan $(PLAN) --store $(STORE) $(if $(PERIOD),--period $(PERIOD),)

test: setup system-deps
	$(BIN)/python -m pytest

lab: setup
	bash tools/lab.sh

clean:
	rm -rf $(VENV) reports/*/ reports/index.html inputs/sample inputs/taizhang.sqlite*
