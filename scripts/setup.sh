#!/usr/bin/env bash
# Create .venv (Python 3.11) and install one of the course's install profiles into it (README,
# "Install profiles"):
#   bash scripts/setup.sh            the developer profile: everything (the book, the grader, the
#                                    tests), plus the Debian packages the tests need (apt, as root)
#   bash scripts/setup.sh book       the book profile only: what scripts/build_book.sh needs (no apt)
# Safe to run again: it installs only when requirements.txt, constraints.txt or pyproject.toml
# changed, or when the profile asked for is not yet in .venv (the developer profile holds the book's).
set -euo pipefail
cd "$(dirname "$0")/.."

profile="${1:-developer}"
case "$profile" in
  developer|book) ;;
  *) echo "setup: unknown profile '$profile' (developer or book)" >&2; exit 2 ;;
esac

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

if [ "$profile" = developer ]; then
  bash scripts/system_packages.sh
fi

# The stamp records the profile installed and the hash of the files that say what it holds.
stamp=.venv/.qkv-course-installed
want=$(cat requirements.txt constraints.txt pyproject.toml | sha256sum | cut -d' ' -f1)
read -r have_hash have_profile 2>/dev/null < "$stamp" || true
if [ "${have_hash:-}" = "$want" ] && { [ "${have_profile:-}" = "$profile" ] || [ "${have_profile:-}" = developer ]; }; then
  exit 0
fi

pip=(.venv/bin/python -m pip --quiet --disable-pip-version-check)
echo "setup: installing the $profile profile into .venv (a few minutes the first time)"
"${pip[@]}" install --upgrade "pip==26.3"
if [ "$profile" = book ]; then
  # README's book profile, exactly: pip install -e ".[book]" -c constraints.txt
  "${pip[@]}" install -e ".[book]" -c constraints.txt
else
  "${pip[@]}" install -r requirements.txt -c constraints.txt
  # jupyter-events asks for jsonschema[format-nongpl], which brings rfc3987-syntax: on import it
  # compiles 38 Earley grammars with lark, about 1 s in every process that imports nbformat (each
  # nbgrader command, qkv-grade and each of its workers). Nothing here checks IRI formats, and
  # jsonschema skips that check when the package is absent (pip check stays clean).
  "${pip[@]}" uninstall -y rfc3987-syntax lark
fi
echo "$want $profile" > "$stamp"
