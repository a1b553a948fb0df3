"""Admit -> first decoded frame on both sides, in Chromium, through Stepcare's real signalling.

Usage (from the repository root; run by hand, never by pytest)::

    python bench/video_first_frame.py                 # 10 calls on SQLite; print the report
    python bench/video_first_frame.py --append        # also append it to bench/RESULTS.md
    python bench/video_first_frame.py --calls 20 --database postgresql --workers 4

Stepcare runs under gunicorn (threaded workers). For each call, two fresh Chromium contexts
(fake camera and microphone, loopback only) open the room: the patient first, then the
therapist, who clicks "Let … in" once the waiting patient shows. Each page records, with
``Date.now()`` (one clock: same machine), when its first video frame was decoded
(``getStats``: ``framesDecoded > 0``), polled every 5 ms. The figure is that time minus the
moment of the click. Goal: <= 1 s on loopback.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from video_common import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    COOKIE_NAME,
    add_server_options,
    machine_line,
    percentile,
    run_and_publish,
    running_server,
)

GOAL_MS = 1000
# The tests' peer-connection watcher (statistics of the page's live connection).
PEER_WATCH = Path(__file__).resolve().parent.parent / "tests" / "video" / "peer_watch.js"
MILESTONES = ("therapist live", "therapist offer-sent", "patient live", "patient offer-received",
              "patient answer-sent", "therapist answer-received", "therapist connected",
              "patient connected", "therapist", "patient")
# Injected after load: note the first decoded frame's time (5 ms resolution).
WATCH_FIRST_FRAME = """() => {
  window.__firstFrameAt = null;
  const timer = setInterval(async () => {
    const stats = await window.peerWatch.stats();
    if (!stats || stats.framesDecoded === 0) return;
    window.__firstFrameAt = Date.now();
    clearInterval(timer);
  }, 5);
}"""
MARKS = """() => Object.fromEntries(performance.getEntriesByType('mark')
  .filter((m) => m.name.startsWith('stepcare:'))
  .map((m) => [m.name.slice(9), performance.timeOrigin + m.startTime]))"""
ADMIT = """() => {
  window.__admitAt = Date.now();
  document.getElementById('call-admit').click();
  return window.__admitAt;
}"""


def one_call(browser, base_url: str, room) -> dict[str, float]:
    contexts, pages = [], []
    for cookie in (room.patient_cookie, room.therapist_cookie):
        context = browser.new_context()
        context.add_init_script(path=PEER_WATCH)
        context.add_cookies([{"name": COOKIE_NAME, "value": cookie, "url": base_url}])
        contexts.append(context)
        pages.append(context.new_page())
    patient, therapist = pages
    try:
        patient.goto(f"{base_url}/video/{room.room_id}")
        # The therapist's "Let ... in" shows once the patient waits in the room.
        therapist.goto(f"{base_url}/video/{room.room_id}")
        therapist.wait_for_selector("#call-admit:not([hidden])")
        for page in pages:
            page.evaluate(WATCH_FIRST_FRAME)
        admitted_at = therapist.evaluate(ADMIT)
        result = {}
        for name, page in (("patient", patient), ("therapist", therapist)):
            page.wait_for_function("() => window.__firstFrameAt", timeout=15_000)
            result[name] = page.evaluate("() => window.__firstFrameAt") - admitted_at
            for milestone, at in page.evaluate(MARKS).items():
                result[f"{name} {milestone}"] = at - admitted_at
        return result
    finally:
        for context in contexts:
            context.close()


def run(args) -> str:
    from playwright.sync_api import sync_playwright

    with running_server(args.database, args.workers, args.threads, args.calls + 1) as (
            server, rooms, _extra), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        one_call(browser, server.url, rooms[0])  # warm-up: imports, first JIT
        calls = [one_call(browser, server.url, room) for room in rooms[1:]]
        browser.close()
    return report(args, calls)


def report(args, calls: list[dict[str, float]]) -> str:
    both = [max(c["patient"], c["therapist"]) for c in calls]
    lines = [
        machine_line(),
        f"{args.calls} calls after one warm-up, {args.database}, gunicorn "
        f"{args.workers} worker(s) x {args.threads} threads, Chromium with fake devices "
        "(640x480), loopback only, trickle ICE, no STUN/TURN.",
        "",
        "| measure | median | p95 | max | goal |",
        "|---|---|---|---|---|",
    ]
    for label, values in (("admit -> first frame, patient", [c["patient"] for c in calls]),
                          ("admit -> first frame, therapist", [c["therapist"] for c in calls]),
                          ("admit -> first frame on both sides", both)):
        lines.append(f"| {label} | {statistics.median(values):.0f} ms | "
                     f"{percentile(values, 95):.0f} ms | {max(values):.0f} ms | "
                     f"{'<= 1000 ms' if 'both' in label else ''} |")
    verdict = "met" if percentile(both, 95) <= GOAL_MS else "NOT met"
    lines += ["", f"Goal (<= {GOAL_MS} ms on both sides, p95): {verdict}.", "",
              "Where the time goes (median ms after the click): " + ", ".join(
                  f"{step if ' ' in step else step + ' first frame'} "
                  f"{statistics.median(c[step] for c in calls if step in c):.0f}"
                  for step in MILESTONES if any(step in c for c in calls)) + "."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=10)
    add_server_options(parser, threads=32)
    run_and_publish(parser, "Admit to first frame", run)


if __name__ == "__main__":
    main()
