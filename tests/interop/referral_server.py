"""A FHIR message receiver on loopback, for the referral message's tests.

It validates every POSTed body as a Bundle with fhir.resources, keeps it, and answers as
its ``mode`` says: ``ok`` (200), ``refuse`` (400 with an OperationOutcome) or ``slow``
(sleeps ``delay`` seconds before answering 200: longer than the sender's timeout).
"""

from __future__ import annotations

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome, OperationOutcomeIssue


class Receiver:
    def __init__(self) -> None:
        self.mode = "ok"
        self.delay = 2.0
        self.bundles: list[Bundle] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                bundle = Bundle.model_validate_json(body)  # a 500 if it does not validate
                receiver.bundles.append(bundle)
                if receiver.mode == "slow":
                    time.sleep(receiver.delay)
                if receiver.mode == "refuse":
                    answer = OperationOutcome(issue=[OperationOutcomeIssue(
                        severity="error", code="business-rule",
                        diagnostics="Patienten er ikke tilknyttet lægepraksis")])
                    self._answer(400, answer.model_dump_json())
                else:
                    self._answer(200, OperationOutcome(issue=[OperationOutcomeIssue(
                        severity="information", code="informational")]).model_dump_json())

            def _answer(self, status: int, body: str) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the sender gave up waiting
                    self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/fhir/$process-message"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
