"""The report of bench/caseload.py: every page as a share of the hello-world's and of the
minimal signed-in page's throughput (bench/minimal_app.py, same database), p50 and p95."""

from __future__ import annotations

import datetime as dt
import os
import platform

#: Issue 16's goals, per page: the least share of the minimal signed-in page's throughput on
#: the same database, and the greatest p95 in ms (None: no p95 goal).
GOALS = {"/account": (0.50, None), "/caseload": (0.25, 100.0), "/patients/<id>": (0.20, 100.0)}
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
    lines.extend(_goal_lines(results, minimal))
    return "\n".join(lines) + "\n"


def _goal_lines(results: list[dict], minimal: dict[str, float]) -> list[str]:
    """One line per goal of the issue, each saying met or not met, and by what figures."""
    lines = []
    for page, (least_share, most_p95) in GOALS.items():
        measured = [r for r in results if r["page"] == page and r["server"].startswith("Stepcare")]
        met = all(r["rps"] / minimal[_database(r)] >= least_share
                  and (most_p95 is None or r["p95_ms"] <= most_p95) for r in measured)
        wanted = f">= {least_share:.0%} of the minimal page" + (
            f", p95 <= {most_p95:.0f} ms" if most_p95 is not None else "")
        figures = "; ".join(f"{_database(r)} {r['rps'] / minimal[_database(r)]:.1%}, p95 "
                            f"{r['p95_ms']:.0f} ms" for r in measured)
        lines.append(f"- Goal `{page}`: {wanted}: {'met' if met else 'not met'} ({figures}).")
    errors = sum(r["errors"] for r in results)
    lines.append(f"- Goal: no 5xx and no `database is locked`: "
                 f"{'met' if errors == 0 else f'not met ({errors} errors)'}.")
    return lines


def _database(result: dict) -> str | None:
    """'SQLite' for 'Stepcare, SQLite' and 'minimal signed-in, SQLite'; None for hello-world."""
    parts = result["server"].split(", ")
    return parts[1] if len(parts) == 2 else None


def _minimal_rps(results: list[dict]) -> dict[str, float]:
    return {_database(r) or "": r["rps"] for r in results
            if r["server"].startswith("minimal signed-in")}
