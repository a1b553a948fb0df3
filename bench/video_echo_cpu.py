"""CPU per pre-call echo session: the server-side aiortc peer decoding and re-encoding 640x480.

Usage (from the repository root; run by hand, never by pytest)::

    python bench/video_echo_cpu.py                    # 1 and 2 concurrent sessions
    python bench/video_echo_cpu.py --sessions 1 2 4 --append

Stepcare runs under gunicorn (one threaded worker, so every echo lands in the process that
is measured). Chromium pages (fake 640x480 camera) run the pre-call test; once every echo
shows decoded frames, the server's CPU time (user + system, all threads, from /proc) is
sampled over ``--seconds`` and divided by the wall time and the number of sessions. The
idle server's CPU over the same window is measured first and subtracted. The echoed
resolution is read from the page's ``getStats`` to show it stayed at 640x480.
Goal: <= 15% of one core per session.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from video_common import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    COOKIE_NAME,
    Server,
    cpu_seconds,
    machine_line,
    run_and_publish,
    running_server,
)

GOAL = 0.15
ECHO_STATS = """async () => {
  const pcs = window.__pcs || [];
  let frames = 0, width = 0, height = 0, fps = 0;
  for (const pc of pcs) {
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        frames += s.framesDecoded || 0; width = s.frameWidth || width;
        height = s.frameHeight || height; fps = s.framesPerSecond || fps;
      }
    });
  }
  return {frames, width, height, fps};
}"""
# Keep hold of the test page's peer connection, so the benchmark can read its statistics.
CAPTURE_PEERS = """() => {
  const Original = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = function (...args) {
    const pc = new Original(...args); window.__pcs.push(pc); return pc;
  };
  window.RTCPeerConnection.prototype = Original.prototype;
}"""


def measure(server: Server, seconds: float) -> float:
    pids = server.pids()
    before, started = cpu_seconds(pids), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(pids) - before) / (time.monotonic() - started)


def run_sessions(browser, server: Server, cookies: list[str], seconds: float) -> dict:
    contexts, pages = [], []
    for cookie in cookies:
        context = browser.new_context()
        context.add_cookies([{"name": COOKIE_NAME, "value": cookie, "url": server.url}])
        context.add_init_script(f"({CAPTURE_PEERS})()")
        page = context.new_page()
        page.goto(f"{server.url}/video/test")
        page.get_by_role("button", name="Start the test").click()
        contexts.append(context)
        pages.append(page)
    try:
        for page in pages:
            page.wait_for_selector('#check-connection[data-result="ok"]', timeout=30_000)
        time.sleep(2)  # past the encoders' start-up
        load = measure(server, seconds)
        stats = [page.evaluate(ECHO_STATS) for page in pages]
    finally:
        for context in contexts:
            context.close()
    return {"cpu": load, "stats": stats}


def run(args) -> str:
    from playwright.sync_api import sync_playwright

    most = max(args.sessions)
    with running_server("sqlite", 1, 16, rooms=0, extra_patients=most) as (
            server, _rooms, cookies), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        run_sessions(browser, server, cookies[:1], 2)  # warm-up
        time.sleep(3)
        idle = measure(server, args.seconds)
        results = {n: run_sessions(browser, server, cookies[:n], args.seconds)
                   for n in args.sessions}
        browser.close()
    return report(args, idle, results)


def report(args, idle: float, results: dict[int, dict]) -> str:
    lines = [
        machine_line(),
        f"One gunicorn worker; each session echoes Chromium's fake 640x480 camera (VP8); CPU "
        f"sampled over {args.seconds:.0f} s; idle server {idle * 100:.1f}% of one core, "
        "subtracted.",
        "",
        "| sessions | server CPU | per session | echoed video (last page) | goal |",
        "|---|---|---|---|---|",
    ]
    worst = 0.0
    for sessions, result in results.items():
        per = max(0.0, result["cpu"] - idle) / sessions
        worst = max(worst, per)
        last = result["stats"][-1]
        video = f"{last['width']}x{last['height']}, {last['fps'] or 0:.0f} fps"
        lines.append(f"| {sessions} | {result['cpu'] * 100:.1f}% | {per * 100:.1f}% of one core "
                     f"| {video} | <= 15% |")
    verdict = "met" if worst <= GOAL else "NOT met"
    lines += ["", f"Goal (<= 15% of one core per session at 640x480): {verdict}."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seconds", type=float, default=10.0)
    run_and_publish(parser, "CPU per echo session", run)


if __name__ == "__main__":
    main()
