"""The report of bench/caseload.py: every page as a share of the hello-world's and of the
minimal signed-in page's throughput (bench/minimal_app.py, same database), p50 and p95."""

from __future__ import annotations

import datetime as dt
import os
import platform

GOAL = 0.30
#: The signed-in floor: a page with no patient data that still does what every signed-in
#: request must (server-side session check and touch, user load, CSRF token, headers).
FLOOR_PAGE = "/account"


def report(results: list[dict], facts: dict, args, load_before: float,
           load_after: float) -> str:
    hello_rps = results[0]["rps"]
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## Caseload ({now})", "",
        f"`python bench/caseload.py{' --skip-postgres' if args.skip_postgres else ''} "
        f"--workers {args.workers} --duration {args.duration}`"
        f" ({args.duration} s per page, {args.connections} connections, "
        f"{args.workers} gunicorn sync workers, {results[0]['generator']} with "
        f"{args.threads} threads, loopback).", "",
        f"Python {platform.python_version()}, {os.cpu_count()} cores. Clinic: "
        f"{args.patients:,} patients; the therapist has {args.caseload}, each with "
        f"{args.weeks} weeks of weekly PHQ-9 and GAD-7. Load average (1 min) "
        f"{load_before:.2f} before, {load_after:.2f} after; the load generator shares the "
        "machine's cores with the server.", "",
        "| server | page | median | p95 | requests/s | of hello-world | of minimal signed-in "
        "| errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    minimal = _minimal_rps(results)
    for r in results:
        share = r["rps"] / hello_rps if hello_rps else 0
        floor = minimal.get(_database(r))
        of_minimal = f"{r['rps'] / floor:.1%}" if floor else "-"
        lines.append(f"| {r['server']} | `{r['page']}` | {r['p50_ms']:.1f} ms | "
                     f"{r['p95_ms']:.1f} ms | {r['rps']:.0f} | {share:.1%} | {of_minimal} | "
                     f"{r['errors']} |")
    lines.append("")
    lines.append(f"`{FLOOR_PAGE}` is the signed-in floor: it shows no patient data, but does what "
                 "every signed-in request must do (check and touch the server-side session, "
                 "load the user, issue a CSRF token, set the security headers). No signed-in "
                 "page can be faster than it.")
    lines.append("")
    lines.append("The minimal signed-in page (`bench/minimal_app.py`) is a plain Flask app served "
                 "the same way on the same database: Flask-Login loading the user from a "
                 "server-side session table and the user row (two ORM queries), a small Jinja "
                 "template with a CSRF token (Flask-WTF), Flask-Babel, Stepcare's security "
                 "headers and a commit. \"of minimal signed-in\" is each row's throughput over "
                 "that page's on the same database.")
    lines.append("")
    for label, f in facts.items():
        rows = ", ".join(f"{k} {v:,}" for k, v in f["rows"].items())
        lines.append(f"- {label}: seeded in {f['seed_seconds']:.1f} s ({rows}); SQL statements "
                     f"per request: `/caseload` {f['queries']['caseload']}, `/patients/<id>` "
                     f"{f['queries']['patient']}, `{FLOOR_PAGE}` {f['queries']['account']}.")
    met = all(r["rps"] / hello_rps >= GOAL for r in results if r["page"] == "/caseload")
    lines.append(f"- Goal: caseload >= {GOAL:.0%} of hello-world throughput: "
                 f"{'met' if met else 'not met'} ({_shares(results, '/caseload', hello_rps)}).")
    lines.append(f"- The signed-in floor `{FLOOR_PAGE}` reaches "
                 f"{_shares(results, FLOOR_PAGE, hello_rps)} of the hello-world.")
    return "\n".join(lines) + "\n"


def _shares(results: list[dict], page: str, hello_rps: float) -> str:
    """'SQLite 0.4%, PostgreSQL 0.5%': each database's share of the hello-world for a page."""
    return ", ".join(f"{r['server'].split(', ')[1]} {r['rps'] / hello_rps:.1%}"
                     for r in results if r["page"] == page)




def _database(result: dict) -> str | None:
    """'SQLite' for 'Stepcare, SQLite' and 'minimal signed-in, SQLite'; None for hello-world."""
    parts = result["server"].split(", ")
    return parts[1] if len(parts) == 2 else None


def _minimal_rps(results: list[dict]) -> dict[str, float]:
    return {_database(r) or "": r["rps"] for r in results
            if r["server"].startswith("minimal signed-in")}
