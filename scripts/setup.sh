#!/usr/bin/env bash
# Create .venv (Python 3.11) and install everything the course needs into it.
# Safe to run again: it reinstalls only when requirements.txt, constraints.txt or pyproject.toml change.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 && \
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      PYTHON="$candidate"; break
    fi
  done
fi
if [ -z "$PYTHON" ]; then
  echo "setup: Python 3.11 is required (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi

bash scripts/system_packages.sh

stamp=.venv/.qkv-course-installed
want=$(cat requirements.txt constraints.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing requirements into .venv (a few minutes the first time)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip==26.3"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
  # jupyter-events asks for jsonschema[format-nongpl], which brings rfc3987-syntax: on import it
  # compiles 38 Earley grammars with lark, about 1 s in every process that imports nbformat (each
  # nbgrader command, qkv-grade and each of its workers). Nothing here checks IRI formats, and
  # jsonschema skips that check when the package is absent (pip check stays clean).
  .venv/bin/python -m pip uninstall --quiet --disable-pip-version-check -y rfc3987-syntax lark
  echo "$want" > "$stamp"
fi
