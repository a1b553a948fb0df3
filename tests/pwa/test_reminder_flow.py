"""Shared by the push tests: a reminder that is due (Theo's feedback on Alice's homework)."""

from __future__ import annotations

from app.accounts.models import User
from app.db import db
from programmes import operations as programmes
from programmes.models import HomeworkSubmission


def give_feedback(app, personas) -> None:
    with app.app_context():
        submission = db.session.get(HomeworkSubmission, personas.alice_submission)
        programmes.give_feedback(submission, by=db.session.get(User, personas.theo.id),
                                 text="Well done.")
        db.session.commit()
