#!/usr/bin/env bash
# Installs JupyterLab and Plotly's JupyterLab renderer (the `plotly` Python package ships the
# `jupyterlab-plotly` extension) into .venv-lab, a virtual environment on top of Debian's Jupyter packages.
# Idempotent: does nothing when they are there. Used by .ci/run (for test/jupyterlab.test.ts) and by users:
#   scripts/setup-jupyterlab.sh
#   JUPYTER_PATH=$PWD/.jupyter .venv-lab/bin/jupyter-lab
# pip reads its usual configuration (index or local wheel mirror). On a machine with no route to PyPI, set
# PIP_RETRIES=0 to skip its retries (CI does) — each unreachable index otherwise costs seconds per package.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-lab
PY=/usr/bin/python3

if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
# Debian's Jupyter (a venv without the system packages misses a dependency) and venv support.
need=()
for p in jupyter-client jupyter-notebook jupyter-nbconvert python3-venv; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup-jupyterlab: installing Debian packages: ${need[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

versions() {
  "$VENV/bin/python" -c 'from importlib.metadata import version as v; print("JupyterLab", v("jupyterlab"), "with jupyterlab-plotly", v("plotly"))' 2>/dev/null
}
installed() {
  [ -x "$VENV/bin/jupyter-lab" ] && [ -d "$VENV/share/jupyter/labextensions/jupyterlab-plotly" ] && versions >/dev/null
}

if ! installed; then
  [ -x "$VENV/bin/python" ] || "$PY" -m venv --system-site-packages "$VENV"
  echo "setup-jupyterlab: pip install jupyterlab plotly into $VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check jupyterlab plotly
  installed || { echo "setup-jupyterlab: JupyterLab or jupyterlab-plotly is missing after the install" >&2; exit 1; }
fi
echo "setup-jupyterlab: $(versions) in $VENV"
