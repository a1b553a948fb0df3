"""Signalling for many concurrent rooms, driven by the headless client (tests/video/client.py).

Usage (from the repository root; run by hand, never by pytest)::

    python bench/video_signalling.py                        # 50 rooms, SQLite
    python bench/video_signalling.py --database postgresql --workers 4 --append
    python bench/video_signalling.py --rooms 20 --media audio

Stepcare runs under gunicorn with threaded workers (a waiting long poll holds a thread, not
a process). All patients join their waiting rooms at once, then all therapists join and
admit them; each pair negotiates over the real endpoints (offer, answer, "connected") and
then idles on long polls for ``--idle`` seconds while the server's CPU is sampled. By
default the peers negotiate a data channel only (``--media none``), so that the figures are
signalling's and not a codec's; ``--media audio`` adds Opus silence.

Reported: rooms connected, admit -> connected (DTLS up on both sides), offer relay
latency (therapist's POST -> patient's poll answer), HTTP requests per room, and the
server's CPU while 2 x rooms long polls wait.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The headless client is test tooling (tests/video/client.py), not part of the product.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from video_common import (  # noqa: E402
    COOKIE_NAME,
    Server,
    add_server_options,
    cpu_seconds,
    machine_line,
    percentile,
    run_and_publish,
    running_server,
)


def client(url: str, room_id: str, cookie: str, media: str):
    from tests.video.client import CallClient

    return CallClient(url, room_id, cookies={COOKIE_NAME: cookie}, video=media == "video",
                      audio=media in ("audio", "video"), size=(160, 120), fps=5,
                      host_addresses=["127.0.0.1"])


def connected(c) -> bool:
    return c.timings.connected is not None


async def run_rooms(server: Server, rooms, args) -> dict:
    patients = [client(server.url, r.room_id, r.patient_cookie, args.media) for r in rooms]
    therapists = [client(server.url, r.room_id, r.therapist_cookie, args.media) for r in rooms]
    started = time.monotonic()
    try:
        await asyncio.gather(*(p.join() for p in patients))
        pids = server.pids()
        setup_cpu_before = cpu_seconds(pids)

        async def admit_later(index: int, therapist) -> None:
            await asyncio.sleep(index * args.spread / len(therapists))
            await therapist.join()

        await asyncio.gather(*(admit_later(i, t) for i, t in enumerate(therapists)))
        results = await asyncio.gather(
            *(c.wait_for(connected, args.timeout) for c in patients + therapists),
            return_exceptions=True)
        setup = time.monotonic() - started
        setup_cpu = cpu_seconds(pids) - setup_cpu_before
        requests_before = sum(c.requests for c in patients + therapists)
        cpu_before, idle_started = cpu_seconds(pids), time.monotonic()
        await asyncio.sleep(args.idle)
        idle_wall = time.monotonic() - idle_started
        idle_cpu = (cpu_seconds(pids) - cpu_before) / idle_wall
        idle_requests = sum(c.requests for c in patients + therapists) - requests_before
        return {
            "failures": sum(isinstance(r, Exception) for r in results),
            "setup": setup,
            "setup_cpu": setup_cpu,
            "admit_to_connected": [
                max(p.timings.connected, t.timings.connected) - t.timings.admitted
                for p, t in zip(patients, therapists, strict=True)
                if connected(p) and connected(t) and t.timings.admitted],
            "offer_relay": [
                p.timings.marks["received_offer"] - t.timings.marks["sent_offer"]
                for p, t in zip(patients, therapists, strict=True)
                if "received_offer" in p.timings.marks and "sent_offer" in t.timings.marks],
            "requests": [p.requests + t.requests for p, t in zip(patients, therapists,
                                                                     strict=True)],
            "idle_cpu": idle_cpu,
            "idle_requests_per_s": idle_requests / idle_wall,
            "errors": [e for c in patients + therapists for e in c.errors][:5],
        }
    finally:
        await asyncio.gather(*(c.close() for c in patients + therapists),
                             return_exceptions=True)


def run(args) -> str:
    with running_server(args.database, args.workers, args.threads, args.rooms) as (
            server, rooms, _extra):
        result = asyncio.run(run_rooms(server, rooms, args))
    return report(args, result)


def ms(values: list[float], q: float | None = None) -> str:
    if not values:
        return "–"
    value = statistics.median(values) if q is None else percentile(values, q)
    return f"{value * 1000:.0f} ms"


def report(args, r: dict) -> str:
    ok = args.rooms - (r["failures"] + 1) // 2 if r["failures"] else args.rooms
    lines = [
        machine_line(),
        f"{args.rooms} rooms ({2 * args.rooms} headless clients in one process, media: "
        f"{args.media}), {args.database}, gunicorn {args.workers} worker(s) x {args.threads} "
        "threads, loopback only. The clients share the 2 cores with the server.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| rooms connected | {ok} / {args.rooms} ({r['failures']} client(s) timed out) |",
        f"| therapists' arrival spread over | {args.spread:.0f} s |",
        f"| everyone joined, admitted and connected | {r['setup']:.1f} s |",
        f"| server CPU for admitting and connecting every room | {r['setup_cpu']:.1f} s "
        f"({r['setup_cpu'] / args.rooms * 1000:.0f} ms per room) |",
        f"| admit -> connected on both sides, median / p95 / max | "
        f"{ms(r['admit_to_connected'])} / {ms(r['admit_to_connected'], 95)} / "
        f"{ms(r['admit_to_connected'], 100)} |",
        f"| offer relay (POST -> the other tab's poll answers), median / p95 | "
        f"{ms(r['offer_relay'])} / {ms(r['offer_relay'], 95)} |",
        f"| HTTP requests per room to connect (both tabs), median | "
        f"{statistics.median(r['requests']):.0f} |",
        f"| idle: {2 * args.rooms} waiting long polls, requests/s | "
        f"{r['idle_requests_per_s']:.1f} |",
        f"| idle: server CPU over {args.idle:.0f} s | {r['idle_cpu'] * 100:.1f}% of one core |",
    ]
    if r["errors"]:
        lines += ["", "First errors: " + "; ".join(r["errors"])]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rooms", type=int, default=50)
    add_server_options(parser, threads=160)
    parser.add_argument("--media", choices=("none", "audio", "video"), default="none")
    parser.add_argument("--idle", type=float, default=20.0)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--spread", type=float, default=0.0,
                        help="seconds over which the therapists arrive (0: all at once)")
    run_and_publish(parser, "Signalling, concurrent rooms", run)


if __name__ == "__main__":
    main()
