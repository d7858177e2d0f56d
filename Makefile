# Two commands set everything up on a fresh machine (Python 3.10+ and make):
#   make lab    create .venv if needed, install, open JupyterLab on the series
#   make test   the same set-up, then the whole test suite
# A second run installs nothing: the install is redone only when
# pyproject.toml or constraints.txt changes (the stamp file records the last install).
# Versions are pinned by constraints.txt (`make lock` writes it; book/contributors.md, "Pinned versions").

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.lecture-lib-installed
LAB_ARGS ?=
# JupyterLab refuses to run as root unless told; containers and CI machines often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)
PYTEST_ARGS ?=
# The pins; `make lab CONSTRAINTS=` installs the newest versions pyproject.toml allows instead.
CONSTRAINTS ?= constraints.txt
CONSTRAINT_FLAG := $(if $(CONSTRAINTS),-c $(CONSTRAINTS),)
# A second environment whose NumPy is built against MKL (benchmarks/build_numpy_mkl.sh).
MKL_VENV ?= .venv-mkl
# One BLAS thread per process: `make test` (two workers on 2 cores) and the MKL run of test-machines.
ONE_THREAD := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

.PHONY: lab test test-machines lock exercises notebooks clean help lecture browser-deps sandbox-deps bench bench-mkl site

help:
	@echo "make lab        open the series in JupyterLab (sets up .venv first)"
	@echo "make test       run the whole test suite (sets up .venv first)"
	@echo "make test-machines  the notebooks again as other machines compute them (NumPy on MKL; OpenBLAS with its own threads)"
	@echo "make lock       re-pin every version (constraints.txt, environment.yml) from a fresh resolve"
	@echo "make exercises  regenerate exercises/ from solutions/"
	@echo "make notebooks  re-execute every notebook in place on a fresh kernel"
	@echo "make bench      engine speed and memory, notebook times, playground latency"
	@echo "make bench-mkl  engine speed on a NumPy built against MKL (PyTorch's BLAS), in .venv-mkl"
	@echo "make lecture CHAPTER=01  present a chapter: JupyterLab slide deck, large fonts, live sliders"
	@echo "make site       the series as a static web book in build/site/ (offline; notebooks not re-executed)"
	@echo "make browser-deps        install Chromium (system package) for the browser tests"
	@echo "make sandbox-deps        install bubblewrap (system package) for lecture-grade's sandbox"

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || \
		{ echo "Python 3.10 or newer is needed; '$(PYTHON)' is $$($(PYTHON) --version 2>&1). Try: make PYTHON=python3.11 ..."; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet $(CONSTRAINT_FLAG) -e '.[notebooks,test]'
	@touch $(STAMP)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb $(ROOT_FLAG) $(LAB_ARGS)

# Two pytest workers on the 2 cores (pyproject's -n 2), one BLAS thread each: two multi-threaded BLAS
# pools on 2 cores spin against each other and make small products up to 30 times slower.
test: $(STAMP)
	$(ONE_THREAD) $(PY) -m pytest $(PYTEST_ARGS)

# The notebooks' committed outputs, recomputed as two other machines would: NumPy built against
# MKL instead of OpenBLAS (.venv-mkl, see benchmarks/build_numpy_mkl.sh), and OpenBLAS with its own
# thread count.
# The OpenBLAS kernel variables are left as the machine sets them (some machines need them).
# (make test itself runs with one BLAS thread per worker; here the second run keeps the machine's own
# BLAS threads, one notebook at a time.)
test-machines: $(MKL_VENV)/.lecture-lib-installed $(STAMP)
	$(MKL_VENV)/bin/python -c 'import numpy; print("NumPy", numpy.__version__, "on", numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"])'
	$(ONE_THREAD) $(MKL_VENV)/bin/python -m pytest notebooks solutions $(PYTEST_ARGS)
	$(PY) -m pytest -n 0 notebooks solutions $(PYTEST_ARGS)

# Re-pin: the newest versions pyproject.toml allows, resolved in a fresh environment.
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet '.[notebooks,test,site]'
	.venv-lock/bin/python -m lecture_lib.tools.lock .venv-lock/bin/python
	rm -rf .venv-lock
	@echo "Now re-execute the notebooks (make notebooks) and run make test before committing."

# The web book (book/conf.py): the site extra (Sphinx, MyST-NB, the theme, MathJax), pinned, into the
# same venv; then the committed notebooks, not re-executed, as static HTML in build/site/.
# -W: a broken link or cross-reference fails the build.
SITE_STAMP := $(VENV)/.lecture-lib-site-installed
SITE_DIR ?= build/site
$(SITE_STAMP): $(STAMP) pyproject.toml $(CONSTRAINTS)
	$(PY) -m pip install --quiet $(CONSTRAINT_FLAG) -e '.[notebooks,test,site]'
	@touch $@

# The widget manager and require.js from the npm registry (pinned), so the sliders render on the page
# from their saved state, served by the site itself; book/conf.py uses them when they are here. Without
# npm the book is built without them (each slider cell then says it runs live with make lab).
WIDGET_VENDOR := build/site-vendor
HTML_MANAGER ?= @jupyter-widgets/html-manager@1.0.15
REQUIREJS ?= requirejs@2.3.7
$(WIDGET_VENDOR)/embed-amd.js:
	@if command -v npm >/dev/null; then \
		rm -rf build/site-npm && mkdir -p build/site-npm $(WIDGET_VENDOR) && cd build/site-npm && \
		npm pack --silent $(HTML_MANAGER) $(REQUIREJS) >/dev/null && \
		tar xzf requirejs-*.tgz && cp package/require.js ../../$(WIDGET_VENDOR)/ && rm -rf package && \
		tar xzf jupyter-widgets-html-manager-*.tgz && \
		cp package/dist/embed-amd.js package/dist/*.woff* package/dist/*.ttf package/dist/*.eot package/dist/*.svg \
			../../$(WIDGET_VENDOR)/ && \
		cd ../.. && rm -rf build/site-npm; \
	else echo "WARNING: no npm: the book is built without the widget manager (sliders say they run live in make lab)."; fi

# axe-core (npm) for the browser suite's accessibility check of every page (tests/browser/test_site_in_browser.py
# injects it); not part of the site. Without npm that check is skipped and says why.
AXE_VENDOR := build/browser-vendor
AXE_CORE ?= axe-core@4.14.1
$(AXE_VENDOR)/axe.min.js:
	@if command -v npm >/dev/null; then \
		rm -rf build/axe-npm && mkdir -p build/axe-npm $(AXE_VENDOR) && cd build/axe-npm && \
		npm pack --silent $(AXE_CORE) >/dev/null && tar xzf axe-core-*.tgz && \
		cp package/axe.min.js package/LICENSE ../../$(AXE_VENDOR)/ && cd ../.. && rm -rf build/axe-npm; \
	else echo "WARNING: no npm: the browser suite's accessibility check (axe-core) will be skipped."; fi

site: $(SITE_STAMP) $(WIDGET_VENDOR)/embed-amd.js $(AXE_VENDOR)/axe.min.js
	rm -rf $(SITE_DIR)
	$(PY) -m sphinx -b html -q -W --keep-going -c book . $(SITE_DIR)
	@echo "The book: $(SITE_DIR)/index.html (open it from the folder, or serve it: $(PY) -m http.server -d $(SITE_DIR))"

exercises: $(STAMP)
	$(PY) -m lecture_lib.tools.exercises

notebooks: $(STAMP)
	$(PY) -m lecture_lib.tools.run_notebooks notebooks solutions

# Engine speed against hand NumPy/PyTorch/sklearn, memory, notebook times, playground latency
# (benchmarks/README.md). OpenBLAS tuning variables are unset for this command only, never in tests.
bench: $(STAMP)
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) benchmarks/run.py

# PyTorch for the engine benchmark's comparison (the CPU wheel on these machines).
BENCH_MKL_TORCH ?= torch==2.13.0
# The engine benchmark again, on a NumPy compiled against MKL (the BLAS of PyTorch's CPU wheel):
# equal matrix products, so the ratio to PyTorch measures the engines (benchmarks/README.md).
$(MKL_VENV)/.numpy-mkl-built: benchmarks/build_numpy_mkl.sh $(STAMP)
	sh benchmarks/build_numpy_mkl.sh $(MKL_VENV) $(PY)
	@touch $@

# The project itself in .venv-mkl, pinned; the MKL NumPy stays (it has the pinned version).
$(MKL_VENV)/.lecture-lib-installed: $(MKL_VENV)/.numpy-mkl-built pyproject.toml $(CONSTRAINTS)
	$(MKL_VENV)/bin/pip install --quiet $(CONSTRAINT_FLAG) -e '.[notebooks,test]'
	$(MKL_VENV)/bin/python -c 'import numpy, sys; blas = numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]; sys.exit(0 if "mkl" in blas else "NumPy in $(MKL_VENV) is on " + blas + ", not MKL")'
	@touch $@

bench-mkl: $(MKL_VENV)/.lecture-lib-installed
	$(MKL_VENV)/bin/pip install --quiet $(BENCH_MKL_TORCH)
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(MKL_VENV)/bin/python benchmarks/run.py --only engine

clean:
	rm -rf $(VENV) $(MKL_VENV) build *.egg-info

# Lecture mode: one chapter as a slide deck in JupyterLab, sliders live (lecture_lib/tools/lecture.py).
CHAPTER ?= 00
LECTURE_ARGS ?=
lecture: $(STAMP)
	$(PY) -m lecture_lib.tools.lecture $(CHAPTER) $(LECTURE_ARGS)

# The browser tests (tests/browser) drive Debian's Chromium; without it they are skipped.
# A failed install (e.g. the package mirror is unreachable) warns instead of failing the test run.
CHROMIUM ?= /usr/bin/chromium
browser-deps:
	@if [ -x "$(CHROMIUM)" ]; then echo "Chromium found: $(CHROMIUM)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		{ apt-get update -q && apt-get install -y -q chromium; } || \
		echo "WARNING: installing Chromium failed (see above); the browser tests will be skipped and say so."; \
	else echo "No Chromium at $(CHROMIUM): install it with your package manager (sudo apt-get install chromium)" \
		"or point LECTURE_CHROMIUM at one; the browser tests are skipped without it."; fi

# The grader's sandbox (lecture_lib/grading/sandbox.py): Debian's bubblewrap. As root with apt-get it is
# installed; otherwise the command to run is printed. A failed install warns: lecture-grade then runs
# kernels without a sandbox, says so in its summary, and the sandbox tests are skipped with the reason.
sandbox-deps:
	@if command -v bwrap >/dev/null; then echo "bubblewrap found: $$(bwrap --version)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		{ apt-get update -q && apt-get install -y -q bubblewrap; } || \
		echo "WARNING: installing bubblewrap failed (see above); lecture-grade will grade without a sandbox and say so."; \
	else echo "No bwrap: install it with your package manager (sudo apt-get install bubblewrap);" \
		"lecture-grade grades without a sandbox until then and says so in its summary."; fi
