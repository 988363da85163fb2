#!/usr/bin/env bash
# Start JupyterLab in the project: Simplified-Chinese interface, the project's Python (.venv) as kernel.
#
#   tools/lab.sh                  # or: make lab
#   tools/lab.sh --no-browser --port 8890      (any further options go to `jupyter lab`)
#
# The interface language comes from jupyter-config/labconfig/default_setting_overrides.json (a default the
# user may still change under 设置 → 语言); the notebooks' "python3" kernel is the .venv interpreter, and the
# same interpreter is also registered as the kernel "taizhang (Python 3)" inside the .venv.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${TAIZHANG_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"

if [ ! -x "$PY" ]; then
  echo "错误：找不到项目的 Python 环境 $VENV；请先按 README 安装（python -m venv .venv && .venv/bin/pip install -e '.[test]'）。" >&2
  exit 1
fi
if ! "$PY" -c "import jupyterlab, ipywidgets, jupyterlab_language_pack_zh_CN" 2>/dev/null; then
  echo "错误：$VENV 中缺少 JupyterLab、ipywidgets 或中文语言包；请运行 $VENV/bin/pip install -e '$ROOT[test]'。" >&2
  exit 1
fi

# the project's kernel, registered inside the venv (idempotent, no user-wide changes)
if [ ! -f "$VENV/share/jupyter/kernels/taizhang/kernel.json" ]; then
  "$PY" -m ipykernel install --sys-prefix --name taizhang --display-name "taizhang (Python 3)" >/dev/null
fi

export TAIZHANG_HOME="$ROOT"
export JUPYTER_PREFER_ENV_PATH=1                      # the venv's kernels before any user-wide ones
export JUPYTER_CONFIG_PATH="$ROOT/jupyter-config${JUPYTER_CONFIG_PATH:+:$JUPYTER_CONFIG_PATH}"

EXTRA=()
if [ "$(id -u)" = "0" ]; then EXTRA+=(--allow-root); fi   # containers and CI run as root

cd "$ROOT"
# the folder JupyterLab shows (default: the project; tests serve a temporary copy of the notebooks)
exec "$VENV/bin/jupyter" lab --ServerApp.root_dir="${TAIZHANG_LAB_ROOT:-$ROOT}" "${EXTRA[@]}" "$@"
