"""The documentation site in a real headless browser: Debian's chromium and chromium-driver,
driven by selenium, over the site built from this checkout's reports (rnnspec/site.py, then
mkdocs) and served on 127.0.0.1 by http.server.

Without a browser the tests skip, saying why, except in CI (``CI=true``), where a missing
browser fails them: .ci/run installs chromium and chromium-driver before ``make test``.
Screenshots of the GRU page and of the matrix page go to build/screenshots/ (not committed).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

from rnnspec import is_table_file
from rnnspec.site import build

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
SHOTS = ROOT / "build" / "screenshots"


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} (CI installs it: .ci/run)")
    pytest.skip(what)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built as `make docs` builds it, into a temporary folder."""
    try:
        import material  # noqa: F401
        import mkdocs  # noqa: F401
    except ImportError:
        _missing("mkdocs-material is not installed (requirements/docs.txt)")
    out = tmp_path_factory.mktemp("docs")
    build(out, out / "site")
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-f", str(out / "mkdocs.yml")],
        check=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
    )
    return out / "site"


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if CHROMIUM is None or CHROMEDRIVER is None:
        _missing("no chromium/chromedriver here (apt-get install chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed (requirements/dev.txt)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1440,1000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _wait(driver: object, css: str, timeout: float = 20) -> list[object]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: d.find_elements(By.CSS_SELECTOR, css))  # type: ignore[attr-defined, no-any-return]


def test_search_for_gru_return_state_finds_the_gru_row(browser: object, served: str) -> None:
    browser.get(served)  # type: ignore[attr-defined]
    box = _wait(browser, "input.md-search__input")[0]
    box.click()  # type: ignore[attr-defined]
    box.send_keys("GRU return_state")  # type: ignore[attr-defined]
    hits = _wait(browser, ".md-search-result__item a")
    found = [(h.get_attribute("href"), h.text) for h in hits]  # type: ignore[attr-defined]
    gru = [(href, text) for href, text in found if "/tables/gru/" in href]
    assert gru, f"no GRU result among {[href for href, _ in found][:8]}"
    assert any("state" in text and "return_state=true" in text for _href, text in gru), gru[:3]


def test_summary_links_reach_every_table(browser: object, served: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(served + "contract/")  # type: ignore[attr-defined]
    links = {
        a.text: a.get_attribute("href")
        for a in browser.find_elements(By.CSS_SELECTOR, "article table a")  # type: ignore[attr-defined]
        if "/tables/" in (a.get_attribute("href") or "")
    }
    tables = {p.stem for p in (ROOT / "spec").iterdir() if is_table_file(p)}
    assert {urlparse(href).path.rstrip("/").rsplit("/", 1)[-1] for href in links.values()} == tables
    for title, href in links.items():
        browser.get(href)  # type: ignore[attr-defined]
        assert browser.find_element(By.CSS_SELECTOR, "article h1").text.startswith(title)  # type: ignore[attr-defined]


def test_screenshots_of_the_gru_and_matrix_pages(browser: object, served: str) -> None:
    from selenium.webdriver.common.by import By

    SHOTS.mkdir(parents=True, exist_ok=True)
    for page, name in (("tables/gru/", "gru.png"), ("matrix-report/", "matrix.png")):
        browser.get(served + page)  # type: ignore[attr-defined]
        assert browser.find_element(By.CSS_SELECTOR, "article h1").text  # type: ignore[attr-defined]
        assert browser.save_screenshot(str(SHOTS / name))  # type: ignore[attr-defined]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        for key in ("href", "src"):
            if found.get(key) and tag in ("a", "link", "img", "script"):
                self.hrefs.append(str(found[key]))


def broken_links(site: Path) -> list[str]:
    """Every link between the site's pages whose page or anchor does not exist."""
    pages: dict[str, _Links] = {}
    for html in site.rglob("*.html"):
        parser = _Links()
        parser.feed(html.read_text(encoding="utf-8"))
        pages[html.relative_to(site).as_posix()] = parser
    broken = []
    for name, parser in pages.items():
        base = "http://site/" + name
        for href in parser.hrefs:
            target, anchor = urldefrag(urljoin(base, href))
            if not target.startswith("http://site/"):
                continue
            path = target.removeprefix("http://site/")
            path = path + "index.html" if path == "" or path.endswith("/") else path
            if not (site / path).exists():
                broken.append(f"{name}: {href} (no {path})")
            elif anchor and path in pages and anchor not in pages[path].ids:
                broken.append(f"{name}: {href} (no #{anchor} in {path})")
    return broken


def test_no_broken_links(site: Path) -> None:
    assert broken_links(site) == []


def test_the_link_check_finds_a_broken_link(site: Path, tmp_path: Path) -> None:
    """The check above can fail: a copy of the site with one page gone has broken links."""
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    shutil.rmtree(copy / "tables" / "gru")
    assert any("tables/gru" in b for b in broken_links(copy))
