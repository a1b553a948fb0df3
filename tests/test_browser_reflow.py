"""In Chromium: no signed-in page is wider than a 320 px phone or a 1280 px desktop.

WCAG 1.4.10 (reflow): content fits 320 CSS px without the page scrolling sideways. Every
GET page of the access matrix without an object id, for every persona allowed in, plus the
patient record, a programme module, a risk alert and the outcomes page. One browser
context per persona; each page is loaded once and measured at both widths.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.browser_pages import WIDTHS, document_width, is_clinician, sign_in, urls

# Every object page needs an object: the world gets a follow-up of Alice's that is due.
WITH_DUE_FOLLOW_UP = True

pytestmark = pytest.mark.browser


# The innermost elements that stick out past the right edge: named in a failure, to fix.
STICKING_OUT = """width => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 1 && !e.querySelector('*'))
  .slice(0, 3).map(e => e.tagName.toLowerCase() + '.' + (e.getAttribute('class') || ''))"""

# Tables wider than their box, other than those in a focusable scroll region (the outcomes):
# on a phone the others must reflow (stacked rows), not hide columns off to the side.
CLIPPED_TABLES = """() => [...document.querySelectorAll('table')]
  .filter(t => !t.closest('[role=region][tabindex="0"]'))
  .filter(t => t.getBoundingClientRect().width > t.parentElement.clientWidth + 1)
  .map(t => t.id || t.getAttribute('class') || 'table')"""

# Chart labels smaller than 12 px on screen: a label's font size (viewBox units) scaled by
# the chart's rendered width over its viewBox width.
SMALL_LABELS = """() => [...document.querySelectorAll('svg.chart text')]
  .map(t => parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.clientWidth
            / t.ownerSVGElement.viewBox.baseVal.width)
  .filter(px => px < 12).map(px => 'chart label ' + px.toFixed(1) + ' px')"""


def measure(app, base: str, browser: Browser, personas) -> dict[tuple[str, str, int], tuple]:
    """(persona, path, viewport width) -> (the document's scrollWidth, what sticks out)."""
    widths: dict[tuple[str, str, int], tuple] = {}
    for name, user in personas.all().items():
        context = browser.new_context(viewport=WIDTHS[0])
        page = context.new_page()
        sign_in(page, base, user.email, clinician=is_clinician(name))
        for path in urls(app, personas, name):
            page.set_viewport_size(WIDTHS[0])
            page.goto(base + path)
            for viewport in WIDTHS:
                page.set_viewport_size(viewport)
                width = document_width(page)
                culprits = (page.evaluate(STICKING_OUT, viewport["width"])
                            if width > viewport["width"] else [])
                culprits += page.evaluate(CLIPPED_TABLES) + page.evaluate(SMALL_LABELS)
                widths[name, path, viewport["width"]] = (width, culprits)
        context.close()
    return widths


def test_it_fits_every_page_at_320px_and_1280px(app, live_server, browser: Browser, screened):
    widths = measure(app, live_server, browser, screened)
    for (name, path, viewport), (width, _culprits) in sorted(widths.items()):
        print(f"{name:5} {viewport:5} {width:5} {path}")  # noqa: T201 - the widths, with -s
    too_wide = {key: found for key, found in widths.items() if found[0] > key[2] or found[1]}
    assert len({path for _name, path, _w in widths}) >= 30
    assert not too_wide, too_wide
