#!/usr/bin/env bash
# Set up .venv (if needed) and run the whole test suite on every core (pytest-xdist, with
# --dist loadscope: a test module, or a class, runs on one worker, so the built book and each
# assignment's graded course, see tests/test_assignments.py, are made once).
# It ends with the 25 slowest tests (to keep the suite under its time budget).
# Extra arguments go to pytest, e.g. `-n 0` for one process or `-k ps04`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
# One worker more than the cores: about 40 % of a run on 2 cores is spent waiting (kernels starting,
# pip reading package indexes, time limits running out), measured as user + system CPU of 23.5
# core-minutes in a 20-minute run; a third worker fills that time. QKV_TEST_WORKERS sets another number.
workers="${QKV_TEST_WORKERS:-$(( $(nproc) + 1 ))}"
exec python -m pytest -n "$workers" --dist loadscope --no-loadscope-reorder --durations=25 "$@"
