# Two commands set everything up on a fresh machine (Python 3.10+ and make):
#   make lab    create .venv if needed, install, open JupyterLab on the series
#   make test   the same set-up, then the whole test suite
# A second run installs nothing: the install is redone only when
# pyproject.toml changes (the stamp file records the last install).

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.lecture-lib-installed
LAB_ARGS ?=
# JupyterLab refuses to run as root unless told; containers and CI machines often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)
PYTEST_ARGS ?=

.PHONY: lab test exercises notebooks clean help

help:
	@echo "make lab        open the series in JupyterLab (sets up .venv first)"
	@echo "make test       run the whole test suite (sets up .venv first)"
	@echo "make exercises  regenerate exercises/ from solutions/"
	@echo "make notebooks  re-execute every notebook in place on a fresh kernel"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || \
		{ echo "Python 3.10 or newer is needed; '$(PYTHON)' is $$($(PYTHON) --version 2>&1). Try: make PYTHON=python3.11 ..."; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[notebooks,test]'
	@touch $(STAMP)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb $(ROOT_FLAG) $(LAB_ARGS)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

exercises: $(STAMP)
	$(PY) -m lecture_lib.tools.exercises

notebooks: $(STAMP)
	$(PY) -m lecture_lib.tools.run_notebooks notebooks solutions

clean:
	rm -rf $(VENV) build *.egg-info
