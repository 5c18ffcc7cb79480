"""The book as readers meet it, in a real browser: headless Chromium driven by Selenium.

The built HTML (the shared ``html`` fixture of tests/conftest.py, one build per test run) is
served on loopback by a ``http.server`` thread, and one Chromium, started once for the module,
visits every page of _toc.yml at desktop width (1280 px) and at phone width (390 px). On every
page: no JavaScript console error, no request leaves loopback (MathJax, fonts and scripts are all
served from _static), every image has loaded and has a caption and an alt text that says what it
shows, every equation is typeset, headings never skip a level, and at phone width the page does
not scroll sideways (tables and code may scroll inside their own box). Besides: the search page
finds "softmax", the download button offers the chapter as a notebook, a dropdown solution opens
when clicked, and the attention explorer answers clicks, the keyboard and its head selector.

Screenshots of every page at both widths are saved to $QKV_SCREENSHOTS (or a temporary folder).

Chromium and chromedriver come from Debian (scripts/system_packages.sh). Selenium is pointed at
them directly, so Selenium Manager never looks for a browser on the network. Without them the
tests skip, except under CI (CI=true), where a missing browser is a failure.
"""

from __future__ import annotations

import base64
import functools
import http.server
import json
import os
import re
import shutil
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from test_book import CHAPTERS, PAGES

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
DESKTOP, PHONE = (1280, 900), (390, 844)
EXPLORER_PAGES = ["book/04_attention", "book/06_multihead", "book/07_position",
                  "book/11_trained"]

if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
    reason = f"browser tests need {CHROMIUM} and {CHROMEDRIVER} (Debian: chromium, chromium-driver; scripts/system_packages.sh installs them)"
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"CI=true: {reason}")
    pytest.skip(reason, allow_module_level=True)

from selenium import webdriver  # noqa: E402  (after the skip: selenium is only needed here)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):   # keep the test output clean
        pass


@pytest.fixture(scope="module")
def server(html):
    """Base URL of the built book, served on 127.0.0.1 at a free port."""
    handler = functools.partial(QuietHandler, directory=str(html))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("QKV_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}",
                 f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    d = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    d.set_page_load_timeout(60)
    yield d
    d.quit()
    shutil.rmtree(profile, ignore_errors=True)


def set_width(driver, size: tuple[int, int]) -> None:
    width, height = size
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


def screenshot(driver, path: Path) -> None:
    """The whole page, not only the window."""
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    path.write_bytes(base64.b64decode(shot["data"]))


def requests_made(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


WAIT_FOR_MATHJAX = """
const done = arguments[arguments.length - 1];
if (!window.MathJax) { done("no MathJax"); return; }
const wait = () => (MathJax.startup && MathJax.startup.promise)
  ? MathJax.startup.promise.then(() => done("ok"), e => done("MathJax failed: " + e))
  : setTimeout(wait, 50);
wait();
"""

# Everything the per-page tests check, measured in one go.
INSPECT = r"""
const article = document.querySelector("article") || document.querySelector("main");
const base = s => decodeURIComponent((s || "").split("/").pop().split("?")[0]);
const imgs = [...article.querySelectorAll("img")].map(i => ({
  src: i.getAttribute("src"), loaded: i.complete && i.naturalWidth > 0, alt: (i.getAttribute("alt") || "").trim(),
  file: base(i.getAttribute("src"))}));
const figures = [...article.querySelectorAll("figure")].map(f => ({
  id: f.id, caption: f.querySelector("figcaption") ? f.querySelector("figcaption").innerText.trim() : ""}));
const math = [...article.querySelectorAll(".math")];
const untypeset = math.filter(m => !m.querySelector("mjx-container")).map(m => m.textContent.slice(0, 80));
const clone = article.cloneNode(true);
clone.querySelectorAll("pre, code, script, style, mjx-container, .highlight").forEach(e => e.remove());
const text = clone.textContent;
const raw = ["\\(", "\\[", "$$"].filter(t => text.includes(t)).map(t => {
  const i = text.indexOf(t); return text.slice(Math.max(0, i - 40), i + 60); });
const headings = [...article.querySelectorAll("h1, h2, h3, h4, h5, h6")].map(h => [+h.tagName[1], h.innerText.trim()]);
return {imgs, figures, math: math.length, untypeset, raw, headings};
"""

OVERFLOW = r"""
const width = window.innerWidth, page = document.documentElement.scrollWidth;
const wide = [];
if (page > width) {
  for (const e of document.querySelectorAll("body *")) {
    const r = e.getBoundingClientRect();
    if (r.right > width + 1 && r.width > 0) {
      let p = e.parentElement, scrolls = false;
      for (; p; p = p.parentElement) { const o = getComputedStyle(p).overflowX; if (o === "auto" || o === "scroll" || o === "hidden") { scrolls = true; break; } }
      if (!scrolls) wide.push(e.tagName.toLowerCase() + "." + [...e.classList].join(".") + " right=" + Math.round(r.right));
    }
  }
}
return {width, page, wide: wide.slice(0, 8)};
"""


@pytest.fixture(scope="module")
def visited(driver, server, shots) -> dict[str, dict]:
    """Every page of the book, visited once at both widths: what the tests below check."""
    results = {}
    driver.get_log("browser"), driver.get_log("performance")   # start with empty logs
    for page in PAGES:
        set_width(driver, DESKTOP)
        driver.get(server + page + ".html")
        mathjax = driver.execute_async_script(WAIT_FOR_MATHJAX)
        report = driver.execute_script(INSPECT)
        report["mathjax"] = mathjax
        name = page.replace("/", "_")
        screenshot(driver, shots / f"{name}-desktop.png")
        set_width(driver, PHONE)
        time.sleep(0.2)   # let the layout settle
        report["phone"] = driver.execute_script(OVERFLOW)
        screenshot(driver, shots / f"{name}-phone.png")
        report["console"] = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        report["requests"] = requests_made(driver)
        results[page] = report
    set_width(driver, DESKTOP)
    return results


@pytest.mark.parametrize("page", PAGES)
def test_no_javascript_errors(visited, page):
    assert not visited[page]["console"], f"{page}: console errors: {visited[page]['console']}"


@pytest.mark.parametrize("page", PAGES)
def test_no_request_leaves_loopback(visited, server, page):
    origin = urlsplit(server).netloc
    outside = [u for u in visited[page]["requests"]
               if not (u.startswith(("data:", "blob:", "about:", "chrome:", "chrome-untrusted:"))
                       or urlsplit(u).netloc == origin)]
    assert not outside, f"{page} fetched from outside loopback: {outside}"
    assert any(u.endswith(".html") for u in visited[page]["requests"]), "the request log is empty"


@pytest.mark.parametrize("page", PAGES)
def test_every_image_has_loaded_and_says_what_it_shows(visited, page):
    imgs = visited[page]["imgs"]
    assert not [i["src"] for i in imgs if not i["loaded"]], f"{page}: images that did not load"
    bad_alt = [i["src"] for i in imgs if not i["alt"] or i["alt"] == i["file"] or len(i["alt"]) < 20]
    assert not bad_alt, f"{page}: images without an alt text that describes them: {bad_alt}"
    uncaptioned = [f["id"] for f in visited[page]["figures"] if len(f["caption"]) < 20]
    assert not uncaptioned, f"{page}: figures without a caption: {uncaptioned}"
    if page in CHAPTERS:
        assert imgs and visited[page]["figures"], f"{page}: a chapter with no figure"


@pytest.mark.parametrize("page", PAGES)
def test_every_equation_is_typeset(visited, page):
    report = visited[page]
    if report["math"]:
        assert report["mathjax"] == "ok", f"{page}: {report['mathjax']}"
    assert not report["untypeset"], f"{page}: math left as TeX: {report['untypeset'][:3]}"
    assert not report["raw"], f"{page}: raw TeX visible in the text: {report['raw'][:3]}"
    if page in CHAPTERS:
        assert report["math"] > 0, f"{page}: a chapter with no equation"


@pytest.mark.parametrize("page", PAGES)
def test_headings_never_skip_a_level(visited, page):
    levels = [level for level, _ in visited[page]["headings"]]
    assert levels and levels[0] == 1 and levels.count(1) == 1, f"{page}: {visited[page]['headings'][:3]}"
    skips = [(a, b) for a, b in zip(visited[page]["headings"], visited[page]["headings"][1:]) if b[0] > a[0] + 1]
    assert not skips, f"{page}: heading level skipped: {skips}"


@pytest.mark.parametrize("page", PAGES)
def test_no_sideways_scrolling_on_a_phone(visited, page):
    phone = visited[page]["phone"]
    assert phone["width"] == PHONE[0]
    assert phone["page"] <= phone["width"], f"{page}: {phone['page']} px wide at {phone['width']} px: {phone['wide']}"


def test_screenshots_were_taken(visited, shots):
    for page in PAGES:
        for width in ("desktop", "phone"):
            path = shots / f"{page.replace('/', '_')}-{width}.png"
            assert path.stat().st_size > 10_000, f"{path} is (nearly) empty"


def _search_links(driver) -> list[str]:
    return [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "#search-results ul.search li a")]


def test_search_finds_softmax(driver, server):
    driver.get(server + "search.html?q=softmax")
    # Sphinx lists glossary terms first and pages as it scores them: wait for the search to end
    # (its summary says how many pages it found), then look for the softmax chapter.
    WebDriverWait(driver, 30).until(lambda d: "found" in " ".join(
        e.text for e in d.find_elements(By.CSS_SELECTOR, "#search-results p, #search-results .search-summary")))
    links = _search_links(driver)
    assert any("02_softmax" in href for href in links), links


@pytest.mark.parametrize("page", CHAPTERS)
def test_download_button_offers_the_chapter_as_a_notebook(driver, server, page):
    driver.get(server + page + ".html")
    driver.find_element(By.CSS_SELECTOR, ".dropdown-download-buttons button").click()
    link = WebDriverWait(driver, 5).until(
        lambda d: [a for a in d.find_elements(By.CSS_SELECTOR, ".dropdown-download-buttons a")
                   if a.get_attribute("href").endswith(".ipynb") and a.is_displayed()])[0]
    href = link.get_attribute("href")
    assert href.endswith(f"_sources/{page}.ipynb"), href
    with urllib.request.urlopen(href) as response:   # loopback only
        notebook = json.loads(response.read())
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert notebook["nbformat"] == 4 and code, f"{href} is not a notebook with code"
    assert any(c.get("outputs") for c in code), f"{href}: the notebook has no outputs (not the executed chapter)"


def test_dropdown_solutions_open_when_clicked(driver, server):
    driver.get(server + CHAPTERS[0] + ".html")
    solution = driver.find_element(By.CSS_SELECTOR, "div.solution.dropdown")
    body = solution.find_elements(By.CSS_SELECTOR, ":scope > :not(.admonition-title):not(button)")
    assert body and not any(e.is_displayed() for e in body), "the solution is visible before clicking"
    button = solution.find_element(By.CSS_SELECTOR, "button.toggle-button")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    WebDriverWait(driver, 5).until(lambda d: any(e.is_displayed() for e in body))


def explorer_state(root) -> tuple[list[float], str, str]:
    """(the weights shown, as numbers; the head; the query) of an explorer on the page."""
    shown = [float(e.text) for e in root.find_elements(By.CSS_SELECTOR, ".qkv-x-key .qkv-x-w")]
    return shown, root.get_attribute("data-head"), root.get_attribute("data-query")


def shows(state, weights_row, head: int, query: int) -> bool:
    """The explorer shows this row (to the 2 decimals it prints) of this head and query."""
    shown, h, q = state
    return (h, q) == (str(head), str(query)) and len(shown) == len(weights_row) and all(
        abs(a - b) <= 0.005 + 1e-9 for a, b in zip(shown, weights_row))


@pytest.mark.parametrize("page", EXPLORER_PAGES)
def test_explorer_follows_clicks_keys_and_heads(driver, server, page):
    driver.get(server + page + ".html")
    roots = driver.find_elements(By.CSS_SELECTOR, "div.qkv-explorer")
    assert roots, f"{page} has no attention explorer"
    root = roots[0]
    rid = root.get_attribute("id")
    data = json.loads(driver.find_element(By.ID, f"{rid}-data").get_attribute("textContent"))
    weights = data["weights"]
    row = lambda h, q: weights[h][q]   # noqa: E731
    differ = lambda a, b: max(abs(x - y) for x, y in zip(a, b)) > 0.01   # noqa: E731

    assert shows(explorer_state(root), row(0, 0), 0, 0), "before any click the explorer shows head 0, token 0"
    tokens = root.find_elements(By.CSS_SELECTOR, "button.qkv-x-token")
    assert [t.text for t in tokens] == data["tokens"]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", root)
    q = 2
    tokens[q].click()
    assert shows(explorer_state(root), row(0, q), 0, q)
    assert tokens[q].get_attribute("aria-pressed") == "true"
    assert differ(row(0, q), row(0, 0)), "test data: rows 0 and 2 should differ"

    select = Select(root.find_element(By.TAG_NAME, "select"))
    select.select_by_index(1)
    assert shows(explorer_state(root), row(1, q), 1, q)
    assert differ(row(1, q), row(0, q)), "test data: switching heads should change the weights"

    tokens[q].send_keys(Keys.TAB)   # the keyboard: Tab moves to the next token and shows its row
    assert driver.switch_to.active_element == tokens[q + 1]
    assert shows(explorer_state(root), row(1, q + 1), 1, q + 1)
    summary = root.find_element(By.CSS_SELECTOR, ".qkv-x-summary").text
    assert data["tokens"][q + 1] in summary and data["heads"][1] in summary


def test_two_explorers_on_a_page_do_not_interfere(driver, server):
    """Chapter 4's explorer is not the only script on the page: clicking it leaves others alone."""
    driver.get(server + EXPLORER_PAGES[1] + ".html")
    ids = [r.get_attribute("id") for r in driver.find_elements(By.CSS_SELECTOR, "div.qkv-explorer")]
    assert len(ids) == len(set(ids))
    all_ids = driver.execute_script("return [...document.querySelectorAll('[id]')].map(e => e.id)")
    dupes = {i for i in all_ids if all_ids.count(i) > 1}
    assert not dupes, f"duplicate ids on the page: {sorted(dupes)[:5]}"
