#!/usr/bin/env bash
# Install the Debian packages the tests need, where they are missing:
#   chromium, chromium-driver   the browser tests of the rendered book (tests/test_browser.py)
#   postgresql                  the autograder's shared-gradebook test (a server started on loopback)
#   bubblewrap                  the sandbox that class-scale autograding runs each kernel in
# Needs apt-get and root (or sudo). Elsewhere it says what is missing and the tests that need it
# skip with that reason; under CI (CI=true) a missing package is an error.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
[ ${#need[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo -n"
if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
  echo "setup: installing Debian packages: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
elif [ "${CI:-}" = "true" ]; then
  echo "setup: cannot install ${need[*]} (no apt-get or no root)" >&2
  exit 1
else
  echo "setup: missing ${need[*]}; the tests that need them will be skipped" >&2
fi
