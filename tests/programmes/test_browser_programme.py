"""In Chromium on a phone-sized screen: work through a depression module, lose nothing when
the session expires mid-exercise, and send homework that the therapist answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from app.accounts.models import UserSession
from app.db import db, utcnow
from tests.browser_pages import open_menu, sign_in
from tests.conftest import enrol
from tests.programmes.test_web import first_block, stored_answer

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def expire_sessions(app, user_id: int) -> None:
    with app.app_context():
        for record in db.session.execute(
            db.select(UserSession).where(UserSession.user_id == user_id)
        ).scalars():
            record.last_seen_at = utcnow() - timedelta(minutes=31)
        db.session.commit()


def test_it_keeps_every_word_through_a_session_expiry_and_sends_homework(
    app, live_server, page: Page, browser: Browser, personas, loaded_text_model
):
    with app.app_context():
        enrol(personas.alice.id, "depression", personas.theo.id)
    reflection = first_block(app, "reflection")
    homework = first_block(app, "homework")
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, personas.alice.email)
    open_menu(page)
    page.get_by_role("link", name="Programmes").click()
    page.locator(".card a.button").first.click()
    expect(page.locator("article.module h1").first).to_be_visible()

    box = page.locator(f'textarea[name="b-{reflection.id}-text"]')
    status = page.locator(f"#block-{reflection.id} [data-save-status]")
    box.fill("Cooking for friends.")
    expect(status).to_contain_text("Saved at", timeout=10_000)

    expire_sessions(app, personas.alice.id)
    box.press("End")
    box.type(" And walks by the sea.")
    expect(status).to_contain_text("You were signed out", timeout=10_000)
    assert box.input_value() == "Cooking for friends. And walks by the sea."

    second_tab = page.context.new_page()
    sign_in(second_tab, live_server, personas.alice.email)
    second_tab.close()
    page.locator(f"#block-{reflection.id} button[type=submit]").click()
    expect(status).to_contain_text("Saved at", timeout=10_000)
    page.reload()
    expect(page.locator(f'textarea[name="b-{reflection.id}-text"]')).to_have_value(
        "Cooking for friends. And walks by the sea.")
    assert page.evaluate("() => [localStorage.length, sessionStorage.length]") == [0, 0]

    page.locator(f'textarea[name="b-{homework.id}-text"]').fill("I went out twice this week.")
    expect(page.locator(f"#block-{homework.id} [data-save-status]")).to_contain_text(
        "Saved at", timeout=10_000)
    page.get_by_role("button", name="Send to my therapist").click()
    expect(page.get_by_text("Sent to your therapist.").first).to_be_visible()
    page.get_by_role("button", name="I have finished this module").click()
    expect(page.get_by_text("The module is marked as done.")).to_be_visible()

    therapist = browser.new_context().new_page()
    sign_in(therapist, live_server, personas.theo.email, clinician=True)
    therapist.get_by_role("link", name="Homework", exact=True).click()
    therapist.get_by_role("link", name="Alice Andersen").click()
    expect(therapist.get_by_text("I went out twice this week.")).to_be_visible()
    therapist.locator("#feedback").fill("Twice is a good start. Could one walk be with a friend?")
    therapist.get_by_role("button", name="Send feedback").click()
    expect(therapist.get_by_text("Your feedback is sent to the patient.")).to_be_visible()

    page.goto(live_server + "/programmes/depression/welcome")
    expect(page.get_by_text("Twice is a good start.")).to_be_visible()


def test_it_saves_what_was_typed_before_the_autosave_script_ran(
    app, live_server, page: Page, personas, loaded_text_model
):
    """On a slow phone the page shows before its module script runs; what the patient
    types in that moment is saved too."""
    with app.app_context():
        enrol(personas.alice.id, "depression", personas.theo.id)
    reflection = first_block(app, "reflection")
    sign_in(page, live_server, personas.alice.email)
    held = []
    page.route("**/autosave.js", lambda route: held.append(route))
    page.goto(live_server + "/programmes/depression/welcome", wait_until="commit")
    box = page.locator(f'textarea[name="b-{reflection.id}-text"]')
    box.fill("Typed while the page was still loading.")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    held[0].continue_()

    expect(page.locator(f"#block-{reflection.id} [data-save-status]")).to_contain_text(
        "Saved at", timeout=10_000)
    with app.app_context():
        assert stored_answer(app, reflection.id).data["text"] == (
            "Typed while the page was still loading.")
