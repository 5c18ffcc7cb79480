#!/usr/bin/env bash
# Set up .venv (if needed) and run the whole test suite on every core (pytest-xdist; the tests that
# share the built book or an assignment's graded course stay on one worker, see tests/conftest.py).
# Extra arguments go to pytest, e.g. `-n 0` for one process or `-k ps04`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
exec python -m pytest -n auto --dist loadgroup "$@"
