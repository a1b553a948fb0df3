"""In Chromium at 320 px: a therapist pages through a long caseload."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser_pages import document_width, open_menu, sign_in
from tests.caseload.test_paging import add_patients

pytestmark = pytest.mark.browser


def test_it_pages_through_the_caseload_at_320px(app, live_server, page: Page, personas):
    add_patients(app, personas.theo.id, 11)  # with Alice: 12 patients, 3 pages of 5
    app.config["CASELOAD_PAGE_SIZE"] = 5
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, live_server, personas.theo.email, clinician=True)
    open_menu(page)
    page.get_by_role("link", name="Caseload", exact=True).first.click()
    pages = page.get_by_role("navigation", name="Caseload pages")
    rows = page.locator("table.caseload tbody th")
    seen = []
    for number in (1, 2, 3):
        expect(pages.locator("[aria-current=page]")).to_have_text(str(number))
        expect(pages).to_contain_text(f"Page {number} of 3")
        seen += rows.all_inner_texts()
        box = pages.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320
        if number < 3:
            pages.get_by_role("link", name="Next").click()
    assert pages.get_by_role("link", name="Next").count() == 0
    assert len(seen) == 12 and len(set(seen)) == 12
    assert document_width(page) <= 320
    pages.get_by_role("link", name="Previous").click()
    expect(pages.locator("[aria-current=page]")).to_have_text("2")
