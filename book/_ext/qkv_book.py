"""Sphinx extension of the qkv-course book (listed in _config.yml under sphinx: local_extensions).

* Thebe's scripts are left out of every page. Jupyter Book always loads sphinx-thebe, which the
  book does not use (no live code), and it adds its configuration script twice, which is a
  JavaScript error on every page ("Identifier 'THEBE_JS_URL' has already been declared"), and
  names a CDN (unpkg.com) for its library.
* The repository's address is written once, in _config.yml (``html_theme_options``:
  ``repository_url``, ``repository_branch``, ``launch_buttons``), and every launch link is made
  from it: the roles ``{binder}`on Binder <notebooks/ps01_search/search.ipynb>```,
  ``{colab}`in Colab <notebooks/...>``` and ``{pipinstall}`torch``` (the ``%pip install`` line
  of the course package from that repository, with its extras) in the chapters, and the header's
  launch buttons, which sphinx-book-theme points at the page's source (a MyST ``.md`` that Colab
  cannot open): on a chapter they open its problem set, ``notebooks/psNN_<key>/<key>.ipynb``,
  and on a page without one they are left out. A target that is not a file of the repository is
  a build warning (an error under ``-W``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.nodes import split_explicit_title

LOGGER = logging.getLogger(__name__)
CHAPTER = re.compile(r"book/(\d\d)_(\w+)$")


def _is_thebe(script: Any) -> bool:
    filename = str(getattr(script, "filename", script) or "")
    body = str(getattr(script, "attributes", {}).get("body", "") or "")
    return "thebe" in filename.lower() or "THEBE_JS_URL" in body


def drop_thebe_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """html-page-context: remove sphinx-thebe's scripts from the page."""
    if "script_files" in context:
        context["script_files"] = [s for s in context["script_files"] if not _is_thebe(s)]


# -- launch links, from the one repository address of _config.yml ---------------------------------

def _repository(app: Sphinx) -> dict[str, str]:
    options = app.config.html_theme_options or {}
    url = str(options.get("repository_url", "")).rstrip("/")
    buttons = options.get("launch_buttons", {}) or {}
    return {"url": url, "slug": urlsplit(url).path.strip("/"), "branch": str(options.get("repository_branch", "main")),
            "binder": str(buttons.get("binderhub_url", "https://mybinder.org")).rstrip("/"),
            "colab": str(buttons.get("colab_url", "https://colab.research.google.com")).rstrip("/")}


def binder_url(app: Sphinx, path: str) -> str:
    r = _repository(app)
    return f"{r['binder']}/v2/gh/{r['slug']}/{r['branch']}?urlpath=lab/tree/{path}"


def colab_url(app: Sphinx, path: str) -> str:
    r = _repository(app)
    return f"{r['colab']}/github/{r['slug']}/blob/{r['branch']}/{path}"


def problem_set(app: Sphinx, pagename: str) -> str | None:
    """The released notebook of the chapter ``pagename`` (repository-relative), or None."""
    m = CHAPTER.fullmatch(pagename)
    if not m:
        return None
    found = sorted((Path(app.srcdir) / "notebooks").glob(f"ps{m.group(1)}_{m.group(2)}/*.ipynb"))
    return found[0].relative_to(app.srcdir).as_posix() if found else None


def _launch_role(make_url):
    def role(name, rawtext, text, lineno, inliner, options=None, content=None):
        app = inliner.document.settings.env.app
        has_title, title, target = split_explicit_title(text)
        target = target.strip()
        if not (Path(app.srcdir) / target).is_file():
            LOGGER.warning(f"{name} link to {target!r}, which is not a file of the repository",
                           location=(inliner.document.settings.env.docname, lineno))
        node = nodes.reference(rawtext, title if has_title else target, refuri=make_url(app, target))
        return [node], []
    return role


def pipinstall_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{pipinstall}`torch``` -> ``%pip install "qkv-course[torch] @ git+<repository_url>"``."""
    app = inliner.document.settings.env.app
    extras = f"[{text.strip()}]" if text.strip() else ""
    line = f'%pip install "qkv-course{extras} @ git+{_repository(app)["url"]}"'
    return [nodes.literal(rawtext, line)], []


def launch_problem_sets(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """html-page-context, after sphinx-book-theme's: the header's Binder and Colab buttons open
    the chapter's problem set; pages without one get no launch buttons."""
    notebook = problem_set(app, pagename)
    groups = context.get("header_buttons") or []
    for group in list(groups):
        buttons = group.get("buttons") if isinstance(group, dict) else None
        if not buttons or not any(b.get("text") in ("Binder", "Colab") for b in buttons):
            continue
        if notebook is None:
            groups.remove(group)
            continue
        for b in buttons:
            if b.get("text") == "Binder":
                b["url"], b["tooltip"] = binder_url(app, notebook), "Open this chapter's problem set on Binder"
            elif b.get("text") == "Colab":
                b["url"], b["tooltip"] = colab_url(app, notebook), "Open this chapter's problem set in Colab"


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", drop_thebe_scripts, priority=900)
    app.connect("html-page-context", launch_problem_sets, priority=900)
    app.add_role("binder", _launch_role(binder_url))
    app.add_role("colab", _launch_role(colab_url))
    app.add_role("pipinstall", pipinstall_role)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
