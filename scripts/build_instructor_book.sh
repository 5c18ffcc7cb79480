#!/usr/bin/env bash
# Build the instructor edition of the book: the student book plus a "Solutions" part with every
# assignment's nbgrader source notebook (solutions/*/*.ipynb: solution cells and hidden tests),
# into _build/instructor/_build/html (BOOK_OUTPUT=DIR: into DIR/_build/instructor/_build/html).
# Never publish this edition to students. The student book (scripts/build_book.sh) leaves
# solutions/ out altogether, and tests/test_book.py checks that it does.
#
# The configuration and table of contents are made from _config.yml and _toc.yml, so the two
# editions cannot drift apart. The chapters reuse the student build's execution cache (build the
# student book first for a quick instructor build); the solution notebooks are shown as they are,
# not executed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh book
out="$(realpath -m "${BOOK_OUTPUT:-.}")"
dest="$out/_build/instructor"
mkdir -p "$dest"
export PATH="$PWD/.venv/bin:$PATH"
python - "$PWD" "$out" "$dest" <<'PY'
import sys
from pathlib import Path

import yaml

repo, out, dest = (Path(p) for p in sys.argv[1:])
config = yaml.safe_load((repo / "_config.yml").read_text())
config["title"] += " (instructor edition)"
config["exclude_patterns"] = [p for p in config["exclude_patterns"] if p != "solutions"]
execute = config.setdefault("execute", {})
execute["cache"] = str(out / "_build" / ".jupyter_cache")      # the student build's cache
execute["exclude_patterns"] = ["solutions/*"]                    # shown as they are
# Paths in the configuration are relative to the repository; this copy lives in _build.
config["bibtex_bibfiles"] = [str(repo / p) for p in config["bibtex_bibfiles"]]
config["html"]["favicon"] = str(repo / config["html"]["favicon"])
sphinx = config["sphinx"]
sphinx["local_extensions"] = {k: str(repo / v) for k, v in sphinx["local_extensions"].items()}
sphinx["config"]["html_static_path"] = [str(repo / p) for p in sphinx["config"]["html_static_path"]]
(dest / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))

toc = yaml.safe_load((repo / "_toc.yml").read_text())
solutions = sorted(repo.glob("solutions/*/*.ipynb"))
toc["parts"].append({"caption": "Solutions (instructors only)",
                     "chapters": [{"file": str(nb.relative_to(repo).with_suffix(""))} for nb in solutions]})
(dest / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
PY
jupyter-book build . --config "$dest/_config.yml" --toc "$dest/_toc.yml" --path-output "$dest" \
  -W -n --keep-going "$@"
