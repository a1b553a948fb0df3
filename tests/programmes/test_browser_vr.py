"""In Chromium with software WebGL: the heights scene draws at every level, and a patient
rates SUDS through a session, reloads in the middle and carries on."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from app.db import db
from programmes.models import VrSession
from tests.browser_pages import sign_in, switch_language
from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.programmes.vr_support import HEIGHTS, open_exposure

pytestmark = pytest.mark.browser
# Software WebGL (SwiftShader through ANGLE): these tests only, the others keep the GPU off.
WEBGL_ARGS = [a for a in CHROMIUM_ARGS if a != "--disable-gpu"] + [
    "--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
    "--ignore-gpu-blocklist"]

# Renders one frame and reads it back at once (before the page composites it), so no
# preserveDrawingBuffer is needed: how many distinct colours, and the camera's height.
READ_FRAME = """() => {
  const scene = document.querySelector('a-scene');
  scene.renderer.render(scene.object3D, scene.camera);
  const gl = scene.renderer.getContext();
  const w = gl.drawingBufferWidth, h = gl.drawingBufferHeight;
  const pixels = new Uint8Array(w * h * 4);
  gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
  const colours = new Set();
  for (let i = 0; i < pixels.length; i += 4 * 97) colours.add(pixels.slice(i, i + 3).join());
  const y = new AFRAME.THREE.Vector3();
  scene.camera.getWorldPosition(y);
  return {colours: colours.size, cameraY: y.y, width: w};
}"""

FRAME_RATE = """() => new Promise((done) => {
  let frames = 0; const start = performance.now();
  const tick = () => { frames += 1;
    if (performance.now() - start < 2000) requestAnimationFrame(tick);
    else done(frames * 1000 / (performance.now() - start)); };
  requestAnimationFrame(tick);
})"""


@pytest.fixture
def webgl_page(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=WEBGL_ARGS)
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    yield context.new_page()
    context.close()
    browser.close()


@pytest.fixture
def alice_in_exposure(app, personas):
    with app.app_context():
        open_exposure(personas.alice.id, personas.theo.id)
    return personas.alice


def rate(page: Page, suds: int) -> None:
    page.locator("[data-vr-suds]").fill(str(suds))
    page.locator("[data-vr-save]").click()
    # Software WebGL takes most of the CPU in a loaded run: give the reply time.
    expect(page.locator("[data-vr-status]")).to_contain_text(f"Saved: {suds}", timeout=20_000)


def wait_for_scene(page: Page) -> None:
    page.wait_for_function("() => { const s = document.querySelector('a-scene');"
                           " return s && s.hasLoaded && s.renderer; }", timeout=60_000)


def at_level(page: Page, level: int) -> None:
    expect(page.locator("#vr")).to_have_attribute("data-level", str(level))
    expect(page.locator("#vr")).to_have_attribute("data-phase", "during")


def test_it_draws_the_heights_scene_at_every_level_and_continues_after_a_reload(
        app, live_server, webgl_page: Page, alice_in_exposure):
    page = webgl_page
    sign_in(page, live_server, alice_in_exposure.email)
    page.goto(live_server + HEIGHTS)
    wait_for_scene(page)
    rate(page, 25)  # before
    heights = []
    for level in range(1, 6):
        at_level(page, level)
        frame = page.evaluate(READ_FRAME)
        assert frame["colours"] > 3, f"level {level} drew a blank canvas"
        heights.append(frame["cameraY"])
        rate(page, 30 + level * 10)
        if level == 2:  # a reload in the middle continues the same session
            page.reload()
            wait_for_scene(page)
            at_level(page, 2)
            expect(page.locator("[data-vr-next]")).to_be_visible()
        if level < 5:
            page.locator("[data-vr-next]").click()
    assert heights == sorted(heights) and heights[-1] - heights[0] > 80  # 1st to 30th floor
    fps = page.evaluate(FRAME_RATE)
    print(f"heights scene, software WebGL: {fps:.1f} frames per second")
    page.locator("[data-vr-finish]").click()
    expect(page.locator("a-scene")).to_have_count(0)
    rate(page, 35)  # after
    expect(page.locator("[data-vr-done]")).to_be_visible()
    with app.app_context():
        session = db.session.execute(db.select(VrSession)).scalar_one()
        assert session.highest_level == 5
        assert [(r.phase, r.level, r.suds) for r in session.ratings] == [
            ("before", 0, 25), ("during", 1, 40), ("during", 2, 50), ("during", 3, 60),
            ("during", 4, 70), ("during", 5, 80), ("after", 5, 35)]


def test_it_stops_at_once_and_asks_for_the_rating_after(
        app, live_server, webgl_page: Page, alice_in_exposure):
    page = webgl_page
    sign_in(page, live_server, alice_in_exposure.email)
    page.goto(live_server + HEIGHTS)
    wait_for_scene(page)
    rate(page, 40)
    page.get_by_role("button", name="Stop now").click()
    expect(page.locator("a-scene")).to_have_count(0)
    expect(page.locator("#vr")).to_have_attribute("data-phase", "after")


def test_it_offers_the_ladder_on_a_device_without_webgl(
        app, live_server, page: Page, alice_in_exposure):
    page.add_init_script("delete window.WebGLRenderingContext;"
                         " delete window.WebGL2RenderingContext;")
    sign_in(page, live_server, alice_in_exposure.email)
    page.goto(live_server + HEIGHTS)
    notice = page.locator("[data-vr-unsupported]")
    expect(notice).to_be_visible()
    expect(notice.get_by_role("link")).to_have_attribute(
        "href", "/programmes/anxiety/exposure#block-my-fear-ladder")
    expect(page.locator("a-scene")).to_have_count(0)


def test_it_keeps_a_rating_made_before_the_session_reply_arrives(
        app, live_server, page: Page, alice_in_exposure):
    held = []
    sign_in(page, live_server, alice_in_exposure.email)
    page.route("**/vr/vr-heights/session", lambda route: held.append(route))
    page.goto(live_server + HEIGHTS)
    for _ in range(200):
        if held:
            break
        page.wait_for_timeout(50)
    page.locator("[data-vr-suds]").fill("45")
    page.locator("[data-vr-save]").click()
    expect(page.locator("[data-vr-status]")).to_have_text("Saving…")
    held[0].continue_()
    expect(page.locator("[data-vr-status]")).to_have_text("Saved: 45")
    expect(page.locator("#vr")).to_have_attribute("data-phase", "during")
    with app.app_context():
        session = db.session.execute(db.select(VrSession)).scalar_one()
        assert [(r.phase, r.suds) for r in session.ratings] == [("before", 45)]


# How many people-shaped figures each scene shows: more at every level.
FIGURES = "() => document.querySelectorAll('a-scene a-sphere').length"


@pytest.mark.parametrize("scene", ["crowd", "speaking"])
def test_it_grows_the_crowd_and_the_audience_level_by_level(
        app, live_server, webgl_page: Page, alice_in_exposure, scene):
    page = webgl_page
    sign_in(page, live_server, alice_in_exposure.email)
    page.goto(f"{live_server}/programmes/anxiety/exposure/vr/vr-{scene}")
    wait_for_scene(page)
    rate(page, 20)
    figures = []
    for level in range(1, 6):
        at_level(page, level)
        assert page.evaluate(READ_FRAME)["colours"] > 3, f"level {level} drew a blank canvas"
        figures.append(page.evaluate(FIGURES))
        rate(page, 20 + level * 5)
        if level < 5:
            page.locator("[data-vr-next]").click()
    assert figures == sorted(figures) and figures[-1] > figures[0] * 5


def test_it_has_no_axe_violations_around_the_scene(
        app, live_server, playwright, alice_in_exposure):
    from tests.test_browser_axe import AXE, RUN_AXE, TAGS
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=WEBGL_ARGS)
    context = browser.new_context(viewport={"width": 320, "height": 640})
    context.add_init_script(path=AXE / "axe.min.js")
    page = context.new_page()
    try:
        sign_in(page, live_server, alice_in_exposure.email)
        found = []
        for url in (HEIGHTS, "/programmes/anxiety/exposure"):
            for language in ("en", "da"):
                page.goto(live_server + url)
                switch_language(page, language)
                if url == HEIGHTS:
                    wait_for_scene(page)
                for width in (320, 1280):
                    page.set_viewport_size({"width": width, "height": 800})
                    found += [f"{v['id']} {url} {language} {width}: {v['targets']}"
                              for v in page.evaluate(RUN_AXE, TAGS)]
        assert not found, "\n".join(found)
    finally:
        context.close()
        browser.close()


def test_it_keeps_stop_now_on_screen_on_a_phone(
        app, live_server, webgl_page: Page, alice_in_exposure):
    page = webgl_page
    page.set_viewport_size({"width": 360, "height": 640})
    sign_in(page, live_server, alice_in_exposure.email)
    page.goto(live_server + HEIGHTS)
    wait_for_scene(page)
    stop = page.get_by_role("button", name="Stop now")
    for scroll in ("0", "document.body.scrollHeight"):
        page.evaluate(f"window.scrollTo(0, {scroll})")
        expect(stop).to_be_in_viewport()


def test_it_starts_at_the_level_the_therapist_assigned(
        app, live_server, page: Page, alice_in_exposure, personas):
    from app.accounts.models import User
    from programmes import vr_care

    with app.app_context():
        vr_care.assign(db.session.get(User, alice_in_exposure.id), "heights", 3,
                       by=db.session.get(User, personas.theo.id))
        db.session.commit()
    sign_in(page, live_server, alice_in_exposure.email)
    page.goto(live_server + HEIGHTS)
    expect(page.locator(".vr-assigned")).to_contain_text("You start at level 3")
    rate(page, 30)  # before
    at_level(page, 3)
    rate(page, 55)
    expect(page.locator("[data-vr-next]")).to_be_visible()
    with app.app_context():
        session = db.session.execute(db.select(VrSession)).scalar_one()
        assert session.start_level == 3 and session.highest_level == 3
        assert [(r.phase, r.level, r.suds) for r in session.ratings] == [
            ("before", 0, 30), ("during", 3, 55)]
