#!/usr/bin/env bash
# Measure the book's build time, in one run: a cold build (execution cache and Sphinx's saved
# state cleared, every chapter executed) and a rebuild with no change, both with
# scripts/build_book.sh (warnings are errors), into a scratch directory so that _build/ is left
# alone. Prints both in seconds. Targets on 2 cores: cold <= 180 s, no-change rebuild <= 15 s.
# A benchmark, not a test: it prints and fails only if a build fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh book >/dev/null
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
log="$scratch/build.log"

run() {   # run <label>: one build, its wall time in seconds on stdout
  local start end
  start=$(date +%s.%N)
  if ! BOOK_OUTPUT="$scratch" bash scripts/build_book.sh >"$log" 2>&1; then
    echo "build failed ($1):" >&2; tail -40 "$log" >&2; exit 1
  fi
  end=$(date +%s.%N)
  .venv/bin/python -c "print($end - $start)"
}

cold=$(run cold)
executed=$(grep -c "Executing notebook" "$log" || true)
warm=$(run no-change)
reexecuted=$(grep -c "Executing notebook" "$log" || true)
printf 'cores: %s\n' "$(nproc)"
printf 'cold build:        %6.1f s  (%s notebooks executed; target <= 180 s)\n' "$cold" "$executed"
printf 'no-change rebuild: %6.1f s  (%s notebooks executed; target <= 15 s)\n' "$warm" "$reexecuted"
