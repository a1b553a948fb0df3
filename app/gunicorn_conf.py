"""gunicorn settings: ``gunicorn --config python:app.gunicorn_conf ... 'app:create_app()'``.

Each worker loads what its first requests would otherwise load while holding the database
(the `worker_starting` signal: the text model), before it takes a request.
"""

from __future__ import annotations

import time
from typing import Any

# The load runs before a worker's first heartbeat; on a busy machine it can take longer
# than gunicorn's default 30 s, and the master would kill the worker mid-load, for ever.
timeout = 120


def post_worker_init(worker: Any) -> None:
    from app import signals

    app, started = worker.wsgi, time.monotonic()
    with app.app_context():
        signals.send(signals.worker_starting, app)
    worker.log.info("worker ready in %.1f s", time.monotonic() - started)
