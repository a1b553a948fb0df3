"""In Chromium: axe-core finds no WCAG 2.1 A or AA violation on any page.

Every page of every persona (the reflow test's list, plus the signed-out pages), in
English and Danish, at 320 px and 1280 px. One browser context per persona; each page is
loaded once per language and checked at both widths.

axe-core comes from npm, installed before pytest into build/axe (gitignored) by `.ci/run`
or by hand: `npm install --prefix build/axe axe-core@4.14.1`. Tests talk only to loopback,
so the test never installs it itself; without it the test fails (never skips), so a CI
run cannot pass without having checked.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.browser_pages import (
    WIDTHS,
    is_clinician,
    sign_in,
    signed_out_urls,
    switch_language,
    urls,
)

pytestmark = pytest.mark.browser
# Every object page needs an object: the world gets a follow-up of Alice's that is due.
WITH_DUE_FOLLOW_UP = True

DEFAULT_AXE = Path(__file__).parents[1] / "build/axe/node_modules/axe-core"
AXE = Path(os.environ.get("AXE_CORE_DIR", DEFAULT_AXE))
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LANGUAGES = ("en", "da")

# Violations only (the passes and incompletes cost time and are not asserted on).
RUN_AXE = """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                     resultTypes: ['violations']})
  .then(r => r.violations.map(v => ({
    id: v.id, nodes: v.nodes.length,
    targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))"""


@pytest.fixture(scope="session")
def axe_script() -> Path:
    script = AXE / "axe.min.js"
    if not script.is_file():
        pytest.fail(f"axe-core is not installed at {AXE}: run "
                    "`npm install --prefix build/axe axe-core@4.14.1` (as .ci/run does)")
    return script


def _check(page: Page, found: list[str], label: str) -> float:
    """Runs axe at each width; answers the seconds axe took."""
    started = time.perf_counter()
    for viewport in WIDTHS:
        page.set_viewport_size(viewport)
        for v in page.evaluate(RUN_AXE, TAGS):
            found.append(f"{v['id']} ({v['nodes']}) {label} {viewport['width']}px: "
                         + " | ".join(v["targets"]))
    return time.perf_counter() - started


def audit(app, base: str, browser: Browser, personas, script: Path) -> tuple[list[str], int]:
    """The violations found (one line each) and the number of pages checked."""
    found: list[str] = []
    checked, in_axe, started = 0, 0.0, time.perf_counter()
    visitors = {"visitor": None, **personas.all()}
    for name, user in visitors.items():
        context = browser.new_context(viewport=WIDTHS[0])
        # An init script runs in the page's main world, outside its CSP ("script-src
        # 'self'" refuses add_script_tag's inline <script>), on every document loaded.
        context.add_init_script(path=script)
        page = context.new_page()
        if user is None:
            page.goto(base + "/")
            paths = signed_out_urls(app)
        else:
            sign_in(page, base, user.email, clinician=is_clinician(name))
            paths = urls(app, personas, name)
        for language in LANGUAGES:
            switch_language(page, language)
            for path in paths:
                page.set_viewport_size(WIDTHS[0])
                page.goto(base + path)
                in_axe += _check(page, found, f"{name} {language} {path}")
                checked += 1
        context.close()
    print(f"axe: {checked} page loads, {2 * checked} runs: {in_axe:.1f} s in axe, "  # noqa: T201
          f"{time.perf_counter() - started:.1f} s in all")
    return found, checked


def test_it_finds_no_wcag_violation_on_any_page(app, live_server, browser: Browser, screened,
                                                axe_script):
    found, checked = audit(app, live_server, browser, screened, axe_script)
    assert checked >= 100
    assert not found, "\n".join(found)


def test_it_finds_no_wcag_violation_in_the_open_menu_at_320px(live_server, browser: Browser,
                                                               personas, axe_script):
    """The page sweep sees the phone's menu folded; here it is open, in both languages."""
    found: list[str] = []
    context = browser.new_context(viewport=WIDTHS[0])
    context.add_init_script(path=axe_script)
    page = context.new_page()
    sign_in(page, live_server, personas.ada.email, clinician=True)
    for language in LANGUAGES:
        switch_language(page, language)
        page.locator(".menu-button").click()
        for v in page.evaluate(RUN_AXE, TAGS):
            found.append(f"{v['id']} {language}: " + " | ".join(v["targets"]))
    context.close()
    assert not found, "\n".join(found)
