#!/usr/bin/env bash
# Set up .venv with the book profile (if needed: README, "Install profiles") and build the book
# to _build/html, with warnings as errors.
# Chapters are executed through jupyter-cache: a rebuild with no change re-executes nothing.
# BOOK_OUTPUT=DIR builds into DIR/_build instead (the tests use a fresh directory).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh book

# jupyter-cache keys each chapter on its own code only. A change to what the book imports
# changes what chapters print and plot: the qkv_course package but its checks (no page runs
# them, so a feedback message can change without re-executing the book), the grader's catalog
# of graded items and solutions/ (the instructor guide's table of points), and book/data/ (the
# measurements chapters plot). Such a change invalidates the cache as a whole, and Sphinx's
# saved doctrees too: Sphinx re-reads only the pages whose own source changed.
out="${BOOK_OUTPUT:-.}"
mkdir -p "$out/_build"
package_hash=$(find qkv_course qkv_grader/catalog.py solutions $(ls -d book/data 2>/dev/null) -path qkv_course/checks -prune -o -type f \( -name '*.py' -o -name '*.csv' -o -name '*.ipynb' \) -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ "$(cat "$out/_build/.qkv_course_hash" 2>/dev/null)" != "$package_hash" ]; then
  rm -rf "$out/_build/.jupyter_cache" "$out/_build/.doctrees"
  echo "$package_hash" > "$out/_build/.qkv_course_hash"
fi

export PATH="$PWD/.venv/bin:$PATH"
jupyter-book build . --path-output "$out" -W -n --keep-going "$@"
