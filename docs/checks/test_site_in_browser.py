"""The built docs site, checked in a real browser.

Builds the site with ``mkdocs build --strict``, serves it on localhost and drives the system's
headless Chromium through playwright (never a browser of playwright's own) at a desktop
(1280x800) and a phone (390x844) width. It needs the ``docs`` extra and Chromium
(``apt-get install -y chromium``; ``CHROMIUM=/path`` names another binary), which a machine with
only Python and pip lacks: so it is not part of the test suite (``tests/``) but a check of its
own, which ``.ci/run`` installs Chromium for and runs::

    python -m pytest docs/checks

Without Chromium it fails; it never skips.
"""

from __future__ import annotations

import functools
import http.server
import importlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import guided_actions
from guided_actions.rules import BUILTIN_RULES

ROOT = Path(__file__).resolve().parents[2]
HOOKS = ROOT / "docs" / "hooks"


def _hook(name: str) -> Any:
    """A module of docs/hooks/, loaded from its file (the hooks are not a package)."""
    module_name = f"guided_actions_docs_{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, HOOKS / f"{name}.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
#: Pages checked at both widths: the README-size examples, the wide tables, the API reference.
PAGES = (
    "",
    "tutorial/getting-started/",
    "reference/rules/",
    "reference/rules/newly_assigned_contacts/",
    "reference/api/",
    "reference/api/guided_actions/",
    "reference/cli/",
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail(
            f"Chromium not found ({path}): apt-get install -y chromium, or set CHROMIUM=/path"
        )
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built strictly from the working tree."""
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    """The built site served on localhost, in a thread."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium from the system packages, driven by playwright."""
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield context
        finally:
            context.close()


def _open(browser: Any, url: str, viewport: dict[str, int]) -> Any:
    page = browser.new_page()
    page.set_viewport_size(viewport)
    response = page.goto(url, wait_until="load")
    assert response is not None
    assert response.status == 200, url
    return page


VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])


class TestBuiltSite:
    def test_every_public_name_has_an_anchor(self, site: Path) -> None:
        """The generated API page has an anchor for every name of ``__all__``, and each public
        module's page one for every name of its own."""
        api_pages = _hook("api_pages")
        for module in ["guided_actions", *api_pages.public_modules()]:
            html = (site / "reference" / "api" / module / "index.html").read_text("utf-8")
            names = importlib.import_module(module).__all__
            missing = [n for n in names if f'id="{module}.{n}"' not in html]
            assert not missing, (module, missing)

    def test_cross_references_resolve(self, site: Path) -> None:
        """The package docstring's roles became links to the generated entries."""
        html = (site / "reference" / "api" / "guided_actions" / "index.html").read_text("utf-8")
        for name in ("Snapshot", "evaluate", "explain"):
            assert re.search(rf'<a class="autorefs[^"]*"[^>]*href="#guided_actions\.{name}"', html)
        assert ":class:`" not in html
        assert ":func:`" not in html
        assert "``" not in html

    def test_sitemap_lists_the_pages(self, site: Path) -> None:
        sitemap = (site / "sitemap.xml").read_text("utf-8")
        assert "https://guided-actions.github.io/guided_actions/reference/rules/" in sitemap

    def test_edit_and_repository_links(self, site: Path) -> None:
        html = (site / "tutorial" / "getting-started" / "index.html").read_text("utf-8")
        assert 'href="https://github.com/guided-actions/guided_actions"' in html
        assert (
            "https://github.com/guided-actions/guided_actions/edit/main/docs/tutorial/"
            "getting-started.md" in html
        )

    @VIEWPORTS
    @pytest.mark.parametrize("path", PAGES)
    def test_page_loads_without_horizontal_overflow(
        self, browser: Any, server: str, viewport: dict[str, int], path: str
    ) -> None:
        """The page loads, and its body is no wider than the window (wide tables and code
        scroll or wrap inside their own frames)."""
        page = _open(browser, server + path, viewport)
        try:
            assert page.title()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], (path, width)
        finally:
            page.close()

    @VIEWPORTS
    def test_rule_ids_are_each_on_one_line(
        self, browser: Any, server: str, viewport: dict[str, int]
    ) -> None:
        """Every rule id of the rules index is one box on one line, never broken mid-word."""
        page = _open(browser, server + "reference/rules/", viewport)
        try:
            boxes = page.evaluate(
                """() => [...document.querySelectorAll("article table td:nth-child(2) code")]
                .map(e => [e.textContent, e.getClientRects().length])"""
            )
        finally:
            page.close()
        assert [text for text, _ in boxes] == [cls.id for cls in BUILTIN_RULES]
        assert all(rects == 1 for _, rects in boxes), boxes

    @VIEWPORTS
    def test_readme_size_examples_do_not_scroll(
        self, browser: Any, server: str, viewport: dict[str, int]
    ) -> None:
        """No code block of the tutorial hides its lines behind a scroll bar."""
        page = _open(browser, server + "tutorial/getting-started/", viewport)
        try:
            hidden = page.evaluate(
                """() => [...document.querySelectorAll("article pre > code")]
                .filter(e => e.scrollWidth > e.clientWidth + 1)
                .map(e => e.textContent.slice(0, 60))"""
            )
        finally:
            page.close()
        assert hidden == []

    def test_output_looks_different_from_code(self, browser: Any, server: str) -> None:
        """An output block is titled "Output" and styled apart from the code before it."""
        page = _open(browser, server + "tutorial/getting-started/", DESKTOP)
        try:
            styles = page.evaluate(
                """() => {
                const output = document.querySelector("article .output");
                const code = document.querySelector("article div.highlight:not(.output)");
                const look = e => [getComputedStyle(e).borderLeftWidth,
                                   getComputedStyle(e.querySelector("code")).backgroundColor];
                return {title: output.querySelector(".filename").textContent,
                        output: look(output), code: look(code)};
            }"""
            )
        finally:
            page.close()
        assert styles["title"] == "Output"
        assert styles["output"][0] != "0px"
        assert styles["output"] != styles["code"]

    def test_dark_mode_toggle(self, browser: Any, server: str) -> None:
        """The palette toggle exists and switches the page to the dark scheme and back."""
        page = _open(browser, server, DESKTOP)
        try:
            scheme = "document.body.getAttribute('data-md-color-scheme')"
            assert page.evaluate(scheme) == "default"
            page.locator("label.md-header__button[for='__palette_1']").click()
            assert page.evaluate(scheme) == "slate"
            page.locator("label.md-header__button[for='__palette_0']").click()
            assert page.evaluate(scheme) == "default"
        finally:
            page.close()

    def test_api_reference_shows_every_public_name(self, browser: Any, server: str) -> None:
        """In the browser, the generated API page has an element for every ``__all__`` name."""
        page = _open(browser, server + "reference/api/guided_actions/", DESKTOP)
        try:
            missing = page.evaluate(
                "names => names.filter(n => !document.getElementById('guided_actions.' + n))",
                list(guided_actions.__all__),
            )
        finally:
            page.close()
        assert missing == []
