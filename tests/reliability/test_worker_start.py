"""A gunicorn worker loads the risk layers before its first request (app/gunicorn_conf.py).

Loaded by the first scan instead, the text model took seconds inside a diary save's
transaction, holding SQLite's write lock until other writers failed (test_load.py).
"""

import logging
from types import SimpleNamespace

from app import gunicorn_conf
from screening import language_alerts


def test_it_scans_a_text_before_the_worker_takes_a_request(app, monkeypatch):
    scanned = []
    monkeypatch.setattr(language_alerts, "flagged_sentences", scanned.append)
    worker = SimpleNamespace(wsgi=app, log=logging.getLogger("gunicorn.error"))
    gunicorn_conf.post_worker_init(worker)
    assert len(scanned) == 1

