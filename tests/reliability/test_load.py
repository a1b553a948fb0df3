"""About 50 users through the real flows against gunicorn: no server error, nothing lost.

bench/load.py runs the same flows for 60 s and prints the figures (bench/RESULTS.md). One
test, because the load is the expensive part and both findings come from the same run.
"""

from bench.load import lost_writes, run_load
from bench.server import stored_writes
from tests.reliability.conftest import demo_clinic


def test_it_serves_fifty_users_without_a_server_error_or_a_lost_write(tmp_path, serve):
    env = demo_clinic(tmp_path, "load")
    server = serve(env, workers=3, threads=8)
    tally = run_load(server.base, stored_writes(env)["patients"], users=50, seconds=15)
    server.stop()
    print(tally.table())  # shown with -s, and under a failure
    assert dict(tally.errors) == {}
    assert lost_writes(env, tally) == {"diary": [], "answers": [], "messages": []}
    # The flows really ran (each user goes round at least once, however slow the machine).
    assert tally.ok["caseload"] and tally.ok["reply send"]
    assert tally.saved["diary"] and tally.saved["answers"] and tally.saved["messages"]
