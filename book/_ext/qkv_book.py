"""Sphinx extension of the qkv-course book (listed in _config.yml under sphinx: local_extensions).

* Thebe's scripts are left out of every page. Jupyter Book always loads sphinx-thebe, which the
  book does not use (no live code), and it adds its configuration script twice, which is a
  JavaScript error on every page ("Identifier 'THEBE_JS_URL' has already been declared"), and
  names a CDN (unpkg.com) for its library.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def _is_thebe(script: Any) -> bool:
    filename = str(getattr(script, "filename", script) or "")
    body = str(getattr(script, "attributes", {}).get("body", "") or "")
    return "thebe" in filename.lower() or "THEBE_JS_URL" in body


def drop_thebe_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """html-page-context: remove sphinx-thebe's scripts from the page."""
    if "script_files" in context:
        context["script_files"] = [s for s in context["script_files"] if not _is_thebe(s)]


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", drop_thebe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
