#!/bin/sh
# Build a second environment whose NumPy is compiled against Intel MKL, the BLAS that
# PyTorch's CPU wheel uses, so that `make bench-mkl` compares the engines on equal matrix
# products (benchmarks/README.md, "NumPy on MKL"), and so that `make test-machines` can check
# the notebooks' outputs on another BLAS. Everything comes from PyPI: MKL's
# headers and libraries (mkl-devel), the build tools, NumPy's source of the same version
# as the main environment's. The build takes about 5 minutes on 2 cores (pip caches the
# wheel: a second build is quick). The package itself never needs it.
#
# usage: sh benchmarks/build_numpy_mkl.sh VENV BASE_PYTHON
#   VENV         the environment to create (.venv-mkl)
#   BASE_PYTHON  the main environment's python; its NumPy version is built
# BENCH_MKL_EXTRAS (default: none) are installed too; `make bench-mkl` adds PyTorch itself,
# `make test-machines` needs none.
set -eu
venv=$1
base_python=$2
extras=${BENCH_MKL_EXTRAS-}
numpy_version=$("$base_python" -c 'import numpy; print(numpy.__version__)')

"$base_python" -m venv "$venv"
"$venv/bin/pip" install --quiet mkl-devel meson-python meson ninja cython threadpoolctl
# meson finds MKL through the pkg-config files of mkl-devel, and cython on PATH.
PATH="$(cd "$venv" && pwd)/bin:$PATH" PKG_CONFIG_PATH="$(cd "$venv" && pwd)/lib/pkgconfig" \
	"$venv/bin/pip" install --quiet "numpy==$numpy_version" --no-binary numpy --no-build-isolation \
	-Csetup-args=-Dblas=mkl-dynamic-lp64-iomp -Csetup-args=-Dlapack=mkl-dynamic-lp64-iomp
if [ -n "$extras" ]; then
	# shellcheck disable=SC2086  # several requirements, split on purpose
	"$venv/bin/pip" install --quiet $extras
fi
"$venv/bin/python" -c 'import numpy; c = numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]; print("NumPy", numpy.__version__, "on", c["name"], c.get("version"))'
