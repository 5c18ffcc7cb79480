"""The glossary, notation and references pages hang together with the chapters, checked on the
MyST sources (fast; the book build in test_book.py checks that they render with no warnings):

* every {term} used anywhere in the book names an entry of the glossary, and every glossary entry
  is linked from some page other than the glossary itself;
* every {cite} key is an entry of book/references.bib, and every numbered chapter cites a source;
* roles appear only in prose, never inside code cells, where they would be shown as raw text;
* _config.yml hands the bibliography file to sphinxcontrib-bibtex.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
BOOK = REPO / "book"
PAGES = sorted(BOOK.glob("*.md"))
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]_*.md"))

TERM = re.compile(r"\{term\}`([^`]+)`")
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
FENCE = re.compile(r"^\s*(`{3,}|:{3,})(.*)$")


def term_target(text: str) -> str:
    """The entry a {term} role points to: 'heads <head>' -> 'head'. Sphinx matches terms
    case-insensitively."""
    m = re.fullmatch(r"(?s).*<([^<>]+)>\s*", text)
    return (m.group(1) if m else text).strip().lower()


def glossary_entries() -> list[set[str]]:
    """The glossary's entries, each the set of its (lower-cased) terms: consecutive unindented
    lines inside the {glossary} directive name one entry, its definition is indented below."""
    text = (BOOK / "glossary.md").read_text()
    m = re.search(r"^```\{glossary\}[^\n]*\n(.*?)^```\s*$", text, re.M | re.S)
    assert m, "book/glossary.md has no ```{glossary} directive"
    entries: list[set[str]] = []
    previous_was_term = False
    for line in m.group(1).splitlines():
        if line.strip() and not line[0].isspace() and not line.startswith(":"):
            if previous_was_term:
                entries[-1].add(line.strip().lower())
            else:
                entries.append({line.strip().lower()})
            previous_was_term = True
        else:
            previous_was_term = False
    return entries


def bib_keys() -> list[str]:
    return re.findall(r"^@\w+\{([^,\s]+),", (BOOK / "references.bib").read_text(), re.M)


def uses(pattern: re.Pattern, pages=PAGES) -> dict[str, list[str]]:
    """role text -> the pages that use it."""
    found: dict[str, list[str]] = {}
    for page in pages:
        for text in pattern.findall(page.read_text()):
            found.setdefault(text, []).append(page.name)
    return found


def code_cell_lines(page: Path):
    """(line number, line) of every line inside a code-cell (or plain code) fence."""
    stack: list[tuple[str, bool]] = []
    for number, line in enumerate(page.read_text().splitlines(), start=1):
        m = FENCE.match(line)
        if m:
            fence, rest = m.group(1), m.group(2).strip()
            if stack and stack[-1][0] == fence and not rest:
                stack.pop()
            else:
                is_code = not rest.startswith("{") or rest.startswith("{code-cell}")
                stack.append((fence, is_code))
            continue
        if any(is_code for _, is_code in stack):
            yield number, line


def test_glossary_has_the_key_terms_once():
    entries = glossary_entries()
    terms = [t for entry in entries for t in entry]
    assert len(terms) == len(set(terms)), "a term is defined twice in the glossary"
    for term in ["query", "key", "value", "attention weights", "score", "softmax", "temperature",
                 "log-sum-exp", "mask", "causal mask", "padding mask", "self-attention",
                 "cross-attention", "scaled dot-product attention", "head",
                 "multi-head attention", "projection", "embedding", "d_model", "d_k", "d_v",
                 "online softmax", "chunked attention", "flop"]:
        assert term in terms, f"the glossary does not define {term!r}"


def test_every_term_role_names_a_glossary_entry():
    terms = {t for entry in glossary_entries() for t in entry}
    unknown = {text: pages for text, pages in uses(TERM).items() if term_target(text) not in terms}
    assert not unknown, f"{{term}} roles with no glossary entry: {unknown}"


def test_every_glossary_entry_is_linked_from_the_book():
    used = {term_target(text) for text in uses(TERM, [p for p in PAGES if p.name != "glossary.md"])}
    unused = [sorted(entry) for entry in glossary_entries() if not entry & used]
    assert not unused, f"glossary entries that no page links with {{term}}: {unused}"


def test_every_citation_key_is_in_the_bibliography():
    keys = bib_keys()
    assert len(keys) == len(set(keys)), "a key appears twice in book/references.bib"
    missing = {key.strip(): pages for text, pages in uses(CITE).items()
               for key in text.split(",") if key.strip() not in keys}
    assert not missing, f"{{cite}} keys missing from book/references.bib: {missing}"


def test_primary_sources_are_in_the_bibliography():
    keys = set(bib_keys())
    for key in ["vaswani2017attention", "bahdanau2015neural", "devlin2019bert",
                "radford2019language", "dao2022flashattention", "milakov2018online",
                "wang2020minilm"]:
        assert key in keys


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_cites_a_source(chapter):
    assert CITE.search(chapter.read_text()), f"{chapter.name} cites no source with {{cite}}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_roles_only_in_prose(page):
    inside = [f"{page.name}:{n}: {line.strip()}" for n, line in code_cell_lines(page)
              if TERM.search(line) or CITE.search(line)]
    assert not inside, "a {term}/{cite} role inside a code cell renders as raw text:\n" + "\n".join(inside)


def test_config_loads_the_bibliography():
    config = yaml.safe_load((REPO / "_config.yml").read_text())
    bibfiles = config.get("bibtex_bibfiles")
    assert bibfiles, "_config.yml has no bibtex_bibfiles (sphinxcontrib-bibtex stays off)"
    for path in bibfiles:
        assert (REPO / path).is_file(), path


def test_reference_pages_exist():
    for name in ["glossary", "notation", "references"]:
        assert (BOOK / f"{name}.md").is_file()
    assert "```{bibliography}" in (BOOK / "references.md").read_text()
