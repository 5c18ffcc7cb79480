"""An interactive attention explorer for the book's static HTML.

:func:`explorer_html` turns a sentence's tokens and its attention weights, for one head or
several, into one self-contained piece of HTML (inline CSS and JavaScript, the weights embedded as
JSON): the reader clicks, hovers or tabs to a token and sees how that token's query shares its
weight over every key, with the weight written as a number in each cell and the cell shaded on the
colour-blind-safe ``cividis`` map; a head selector switches between heads. It needs no server, no
network and no library in the browser, so it works in the book opened from disk.

In a chapter::

    from IPython.display import HTML
    HTML(explorer_html(tokens, weights, heads=["head 0", "head 1"], title="..."))
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
from typing import Sequence

import numpy as np
from matplotlib import colormaps

from .validation import as_array

__all__ = ["explorer_data", "explorer_html", "palette"]

_counter = itertools.count()

#: Tolerance on "each row of weights sums to 1".
ROW_SUM_TOL = 1e-6


def palette(n: int = 32, cmap: str = "cividis") -> list[str]:
    """``n`` evenly spaced colours of a matplotlib colour map as ``#rrggbb`` strings, low to high."""
    if n < 2:
        raise ValueError(f"palette needs at least 2 colours, got n={n}")
    colours = colormaps[cmap](np.linspace(0.0, 1.0, n))[:, :3]
    return ["#" + "".join(f"{round(255 * c):02x}" for c in rgb) for rgb in colours]


def _check_weights(tokens: Sequence[str], weights: np.ndarray, heads: Sequence[str] | None) -> tuple[list[str], np.ndarray, list[str]]:
    if isinstance(tokens, str) or not isinstance(tokens, Sequence):
        raise ValueError(f"tokens must be a list of strings, got {type(tokens).__name__}")
    tokens = list(tokens)
    if not tokens:
        raise ValueError("tokens is empty: the explorer needs at least one token")
    bad = [t for t in tokens if not isinstance(t, str)]
    if bad:
        raise ValueError(f"tokens must be strings, got {type(bad[0]).__name__} {bad[0]!r}")
    w = as_array(weights, "weights")
    if w.ndim == 2:
        w = w[None]
    if w.ndim != 3:
        raise ValueError(f"weights must be (n, n) for one head or (heads, n, n), got shape {w.shape}")
    n = len(tokens)
    if w.shape[1:] != (n, n):
        raise ValueError(f"weights has shape {w.shape} but there are {n} tokens: each head's weights must be ({n}, {n})")
    if (w < 0).any():
        first = tuple(int(i) for i in np.argwhere(w < 0)[0])
        raise ValueError(f"weights must not be negative; weights{list(first)} is {w[first]:.3g}")
    sums = w.sum(axis=-1)
    off = ~((np.abs(sums - 1) <= ROW_SUM_TOL) | (sums == 0))
    if off.any():
        h, q = (int(i) for i in np.argwhere(off)[0])
        raise ValueError(
            f"each row of weights must sum to 1 (or be all zero, a query that may attend to nothing); "
            f"head {h}, query {q} ({tokens[q]!r}) sums to {sums[h, q]:.6g}"
        )
    if heads is None:
        heads = [f"head {i}" for i in range(w.shape[0])]
    else:
        if isinstance(heads, str):
            raise ValueError(f"heads must be a list of head names, got the string {heads!r}")
        heads = [str(h) for h in heads]
    if len(heads) != w.shape[0]:
        raise ValueError(f"{len(heads)} head names for {w.shape[0]} heads of weights (shape {w.shape})")
    if len(set(heads)) != len(heads):
        raise ValueError(f"head names must be distinct, got {heads}")
    return tokens, w, heads


def explorer_data(tokens: Sequence[str], weights: np.ndarray, heads: Sequence[str] | None = None) -> dict:
    """The JSON-ready data of an explorer, after checking the input.

    tokens: n strings; weights: ``(n, n)`` (one head) or ``(h, n, n)``, row ``i`` of a head the
    weights of token ``i``'s query over the n keys, each row summing to 1 (or all zero);
    heads: h names (default ``"head 0"``, ...). Returns ``{"tokens", "heads", "weights"}`` with
    ``weights`` a nested ``h x n x n`` list of floats, exactly the input values.
    """
    tokens, w, heads = _check_weights(tokens, weights, heads)
    return {"tokens": tokens, "heads": heads, "weights": w.tolist()}


_CSS = """
#{id} {{ border: 1px solid #8888; border-radius: .4rem; padding: .6rem .8rem; margin: 1rem 0; max-width: 100%; box-sizing: border-box; }}
#{id} .qkv-x-title {{ font-weight: 600; margin: 0 0 .4rem 0; }}
#{id} .qkv-x-help {{ font-size: .85rem; margin: 0 0 .5rem 0; }}
#{id} label {{ font-size: .9rem; margin-right: .4rem; }}
#{id} select {{ font-size: .9rem; max-width: 100%; }}
#{id} .qkv-x-row {{ display: flex; flex-wrap: wrap; gap: .3rem; margin: .5rem 0; }}
#{id} .qkv-x-rowlabel {{ font-size: .8rem; margin: .4rem 0 0 0; }}
#{id} button.qkv-x-token {{ font: inherit; font-size: .95rem; padding: .15rem .5rem; border: 1px solid #888; border-radius: .3rem; background: transparent; color: inherit; cursor: pointer; }}
#{id} button.qkv-x-token[aria-pressed="true"] {{ outline: 3px solid #e69f00; outline-offset: 1px; font-weight: 700; }}
#{id} button.qkv-x-token:focus-visible {{ outline: 3px solid #0072b2; outline-offset: 2px; }}
#{id} .qkv-x-key {{ display: inline-flex; flex-direction: column; align-items: center; min-width: 3.2rem; padding: .2rem .35rem; border-radius: .3rem; font-size: .9rem; }}
#{id} .qkv-x-key .qkv-x-w {{ font-variant-numeric: tabular-nums; font-size: .85rem; }}
#{id} .qkv-x-legend {{ display: flex; align-items: center; gap: .4rem; font-size: .8rem; margin-top: .3rem; }}
#{id} .qkv-x-bar {{ width: 8rem; height: .7rem; border: 1px solid #8888; background: linear-gradient(to right, {gradient}); }}
#{id} .qkv-x-summary {{ font-size: .9rem; margin: .4rem 0 0 0; }}
"""

_JS = """
(function () {{
  var root = document.getElementById("{id}");
  var data = JSON.parse(document.getElementById("{id}-data").textContent);
  var palette = {palette};
  var vmax = {vmax};
  var select = root.querySelector("select");
  var queries = root.querySelectorAll("button.qkv-x-token");
  var keys = root.querySelectorAll(".qkv-x-key");
  var summary = root.querySelector(".qkv-x-summary");
  var state = {{head: 0, query: 0}};
  function luminance(hex) {{
    var c = [1, 3, 5].map(function (i) {{ return parseInt(hex.substr(i, 2), 16) / 255; }});
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }}
  function show() {{
    var row = data.weights[state.head][state.query];
    var best = 0;
    for (var j = 0; j < row.length; j++) {{
      var w = row[j];
      if (w > row[best]) best = j;
      var colour = palette[Math.min(palette.length - 1, Math.round(w / vmax * (palette.length - 1)))];
      keys[j].style.background = colour;
      keys[j].style.color = luminance(colour) > 0.45 ? "#000" : "#fff";
      keys[j].querySelector(".qkv-x-w").textContent = w.toFixed(2);
      keys[j].setAttribute("data-weight", String(w));
    }}
    for (var i = 0; i < queries.length; i++) {{
      queries[i].setAttribute("aria-pressed", i === state.query ? "true" : "false");
    }}
    root.setAttribute("data-head", String(state.head));
    root.setAttribute("data-query", String(state.query));
    var total = row.reduce(function (a, b) {{ return a + b; }}, 0);
    summary.textContent = total === 0
      ? data.heads[state.head] + ": \\u201c" + data.tokens[state.query] + "\\u201d may attend to no token."
      : data.heads[state.head] + ": \\u201c" + data.tokens[state.query] + "\\u201d puts most weight, " +
        row[best].toFixed(2) + ", on \\u201c" + data.tokens[best] + "\\u201d (position " + best + ").";
  }}
  queries.forEach(function (button, i) {{
    function pick() {{ state.query = i; show(); }}
    button.addEventListener("click", pick);
    button.addEventListener("focus", pick);
    button.addEventListener("mouseenter", pick);
  }});
  if (select) select.addEventListener("change", function () {{ state.head = select.selectedIndex; show(); }});
  show();
}})();
"""


def _luminance(hex_colour: str) -> float:
    """Relative brightness (0 black to 1 white) of ``#rrggbb``, the same formula as the JavaScript."""
    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _json_for_script(obj: object) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``</script>`` can end it early)."""
    return json.dumps(obj, allow_nan=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def explorer_html(
    tokens: Sequence[str],
    weights: np.ndarray,
    heads: Sequence[str] | None = None,
    *,
    title: str = "",
    head_label: str = "Head",
    element_id: str | None = None,
) -> str:
    """Self-contained HTML (inline CSS, JavaScript and JSON data) of an attention explorer.

    tokens: n strings; weights: ``(n, n)`` for one head or ``(h, n, n)``, where row ``i`` of a
    head is token ``i``'s query's weights over the n keys (rows sum to 1, or are all zero for a
    query that may attend to nothing); heads: h head names, shown in a selector labelled
    ``head_label`` when h > 1 (the "heads" may also be other views, e.g. with and without a mask).
    The element gets a unique id (``element_id`` or one made from the data and a counter), so
    several explorers can share a page. The tokens are ``<button>`` elements: click, hover or
    focus (Tab) one to show its row; every key shows its weight as text and as a cividis shade.
    Raises ``ValueError`` naming the problem for bad tokens, shapes, weights or head names.
    """
    data = explorer_data(tokens, weights, heads)
    payload = _json_for_script(data)
    if element_id is None:
        digest = hashlib.sha1(payload.encode()).hexdigest()[:10]
        element_id = f"qkv-explorer-{digest}-{next(_counter)}"
    elif not element_id.replace("-", "").replace("_", "").isalnum() or not element_id[0].isalpha():
        raise ValueError(f"element_id must start with a letter and hold only letters, digits, - and _; got {element_id!r}")
    h = len(data["heads"])
    vmax = max(1e-12, float(np.max(np.asarray(data["weights"]))))
    colours = palette()
    esc = html.escape
    parts = [f'<div class="qkv-explorer" id="{element_id}" role="group" aria-label="{esc(title or "attention explorer")}">']
    parts.append(f"<style>{_CSS.format(id=element_id, gradient=', '.join(colours))}</style>")
    if title:
        parts.append(f'<p class="qkv-x-title">{esc(title)}</p>')
    parts.append('<p class="qkv-x-help">Click, hover or tab to a token to see how its query shares its '
                 "attention over the tokens (the keys); each key shows its weight.</p>")
    if h > 1:
        options = "".join(f'<option value="{i}">{esc(name)}</option>' for i, name in enumerate(data["heads"]))
        parts.append(f'<label for="{element_id}-head">{esc(head_label)}</label><select id="{element_id}-head">{options}</select>')
    parts.append('<p class="qkv-x-rowlabel">Query (attending):</p><div class="qkv-x-row">')
    parts.extend(f'<button type="button" class="qkv-x-token" data-index="{i}" aria-pressed="{str(i == 0).lower()}">'
                 f"{esc(t)}</button>" for i, t in enumerate(data["tokens"]))
    parts.append('</div><p class="qkv-x-rowlabel">Keys (attended to), with the weight of each:</p>'
                 '<div class="qkv-x-row">')
    first = data["weights"][0][0]   # shown before (or without) JavaScript: head 0, query 0
    for j, t in enumerate(data["tokens"]):
        colour = colours[min(len(colours) - 1, round(first[j] / vmax * (len(colours) - 1)))]
        text = "#000" if _luminance(colour) > 0.45 else "#fff"
        parts.append(f'<span class="qkv-x-key" data-index="{j}" style="background:{colour};color:{text}">'
                     f'<span>{esc(t)}</span><span class="qkv-x-w">{first[j]:.2f}</span></span>')
    parts.append("</div>")
    parts.append(f'<div class="qkv-x-legend" aria-hidden="true"><span>0</span><span class="qkv-x-bar"></span>'
                 f"<span>{vmax:.2f}</span><span>(weight, cividis colour map)</span></div>")
    parts.append('<p class="qkv-x-summary" aria-live="polite"></p>')
    parts.append(f'<script type="application/json" id="{element_id}-data">{payload}</script>')
    parts.append(f"<script>{_JS.format(id=element_id, palette=json.dumps(colours), vmax=repr(vmax))}</script>")
    parts.append("</div>")
    return "".join(parts)
