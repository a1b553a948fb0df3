"""``python -m tests.reliability.state``: what a crash may have left, read by a fresh process.

Prints JSON: screenings marked sent whose responses are not all there, responses that
belong to a screening still in progress, sent screenings per patient, and on SQLite the
result of ``PRAGMA integrity_check``.
"""

from __future__ import annotations

import json
from collections import Counter


def main() -> None:
    from app import create_app
    from app.accounts.models import User
    from app.db import db
    from screening import operations
    from screening.models import Answer, QuestionnaireResponse, Screening, ScreeningStatus

    with create_app().app_context():
        pages = set(operations.page_ids())
        partial, orphans, sent = [], [], Counter()
        for screening, email in db.session.execute(
                db.select(Screening, User.email).join(User, User.id == Screening.patient_id)):
            answered = {r.instrument_id for r in screening.responses if r.answers}
            if screening.status == ScreeningStatus.IN_PROGRESS:
                orphans += [r.id for r in screening.responses]
                continue
            sent[email] += 1
            if answered != pages or screening.submitted_at is None or screening.facts is None:
                partial.append(screening.id)
        empty = db.session.execute(
            db.select(QuestionnaireResponse.id).where(~QuestionnaireResponse.answers.any(
                Answer.id.is_not(None)))).scalars()
        integrity = None
        if db.engine.dialect.name == "sqlite":
            integrity = db.session.execute(db.text("PRAGMA integrity_check")).scalar_one()
        print(json.dumps({"partial": partial, "orphan_responses": orphans,
                          "empty_responses": list(empty), "sent": sent,
                          "integrity": integrity}))


if __name__ == "__main__":
    main()
