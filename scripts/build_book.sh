#!/usr/bin/env bash
# Set up .venv (if needed) and build the book to _build/html, with warnings as errors.
# Chapters are executed through jupyter-cache: a rebuild with no change re-executes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# jupyter-cache keys each chapter on its own code only. A change to the qkv_course package
# changes what chapters print and plot, so it invalidates the cache as a whole.
mkdir -p _build
package_hash=$(find qkv_course -type f \( -name '*.py' -o -name '*.csv' \) -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ "$(cat _build/.qkv_course_hash 2>/dev/null)" != "$package_hash" ]; then
  rm -rf _build/.jupyter_cache
  echo "$package_hash" > _build/.qkv_course_hash
fi

export PATH="$PWD/.venv/bin:$PATH"
jupyter-book build . -W -n --keep-going "$@"
