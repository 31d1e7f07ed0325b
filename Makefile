# Two commands: `make sweep` (the main job) and `make test` (with `make test-all`, its slow tier too). All set up
# .venv/ first when it is missing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ALL_SIZES := xs,s,m,l,full
SIZES ?= $(ALL_SIZES)
OUT ?= runs
# Only the full sweep publishes to results/ and the README; `make sweep SIZES=xs` writes only to $(OUT).
PUBLISH := $(if $(filter $(ALL_SIZES),$(SIZES)),--publish results,)

.PHONY: setup test test-all sweep report publish export notebooks clean-venv bench

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.lock settings.ini setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip==26.3
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (dose_response)" >/dev/null
	touch $@

# The notebooks and the package must agree: exporting changes nothing that is committed, and the
# notebooks are stored clean (nbdev_clean changes nothing either).
export: setup
	$(BIN)/nbdev_export
	@if [ -n "$$(git status --porcelain -- dose_response)" ]; then \
	  echo "nbdev_export changed dose_response/: export from the notebooks and commit"; \
	  git status --porcelain -- dose_response; git --no-pager diff --stat -- dose_response; exit 1; fi
	$(BIN)/nbdev_clean
	@if [ -n "$$(git status --porcelain -- nbs)" ]; then \
	  echo "nbdev_clean changed nbs/: run it and commit"; git status --porcelain -- nbs; exit 1; fi

# Two tiers (tests/conftest.py says which tests are slow): `make test` for every change, `make test-all` before a merge.
test: setup export
	@grep -m1 "model name" /proc/cpuinfo 2>/dev/null || true
	$(BIN)/nbdev_test --n_workers 2
	$(BIN)/python -m pytest -q -m "not slow" tests

test-all: test
	$(BIN)/python -m pytest -q -m slow tests

sweep: setup
	$(BIN)/dose-response sweep --sizes $(SIZES) --out $(OUT) --resume $(PUBLISH)

report: setup
	$(BIN)/dose-response report --out $(OUT)

# Explicit: copy the report of the runs in $(OUT) to results/ and rewrite the README's sweep sections.
publish: setup
	$(BIN)/dose-response report --out $(OUT) --publish results

# Execute the notebooks in place so that they are read with their outputs; nbdev_clean strips the noise.
NOTEBOOKS := index 00_data 00a_wells 00b_reading 00c_simulation 01_model 01a_curve 01b_choices 01c_kernel 01d_likelihood 02_inference 02a_fitrecord 02b_precondition 02c_nuts 02d_advi 02e_block_advi 03_diagnostics 03a_convergence 04_compare 05_run 05a_many 05b_report 06_sweep 07_cli 08_robustness 08a_screens 09_real_data 10_analysis 11_calibration 12_checks 13_performance
notebooks: setup
	cd nbs && for nb in $(NOTEBOOKS); do ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace $$nb.ipynb || exit 1; done
	$(BIN)/nbdev_clean

# `make bench` measures one size in one process (default: full) and writes bench/$(BENCH_SIZE).json
BENCH_SIZE ?= full
bench: setup
	$(BIN)/dose-response bench --size $(BENCH_SIZE) --out bench/$(BENCH_SIZE).json

clean-venv:
	rm -rf $(VENV)
