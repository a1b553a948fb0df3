"""Load what ``reporting.outcomes`` needs for a date range, in a constant number of queries.

Only the patients with a discharge in the range are loaded, with every row up to the range's
end (their earlier episodes decide where each episode's measures may come from).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.caseload.models import CareAssignment, StepAssignment, TreatmentContact
from app.db import db
from reporting import outcomes
from screening.models import FollowUp, QuestionnaireResponse, ResponseContext, Screening


def clinic_report(start: date, end: date, zone: str) -> tuple[outcomes.Report, dict[int, str]]:
    """The report for [start, end] (days in the clinic's time zone), and therapist names."""
    since, until = outcomes.bounds(start, end, ZoneInfo(zone))
    referrals = db.session.execute(
        db.select(func.count()).select_from(Screening)
        .where(Screening.submitted_at >= since, Screening.submitted_at < until)
    ).scalar_one()
    discharged = (
        db.select(StepAssignment.patient_id)
        .where(StepAssignment.end_reason.is_not(None), StepAssignment.ended_at >= since,
               StepAssignment.ended_at < until)
        .distinct()
        .scalar_subquery()
    )
    steps = [
        outcomes.StepRow(*row) for row in db.session.execute(
            db.select(StepAssignment.patient_id, StepAssignment.step, StepAssignment.started_at,
                      StepAssignment.ended_at, StepAssignment.end_reason)
            .where(StepAssignment.patient_id.in_(discharged), StepAssignment.started_at < until)
            .order_by(StepAssignment.patient_id, StepAssignment.started_at, StepAssignment.id)
        )
    ]
    measures = [
        outcomes.Measure(patient_id, instrument_id, total, at,
                         context == ResponseContext.SCREENING)
        for patient_id, instrument_id, total, at, context in db.session.execute(
            db.select(QuestionnaireResponse.patient_id, QuestionnaireResponse.instrument_id,
                      QuestionnaireResponse.total, QuestionnaireResponse.submitted_at,
                      QuestionnaireResponse.context)
            .where(QuestionnaireResponse.patient_id.in_(discharged),
                   QuestionnaireResponse.instrument_id.in_(outcomes.OUTCOME_INSTRUMENTS),
                   QuestionnaireResponse.total.is_not(None),
                   QuestionnaireResponse.context != ResponseContext.FOLLOWUP,
                   QuestionnaireResponse.submitted_at < until)
        )
    ]
    contacts = [
        outcomes.Contact(*row) for row in db.session.execute(
            db.select(TreatmentContact.patient_id, TreatmentContact.occurred_at)
            .where(TreatmentContact.patient_id.in_(discharged),
                   TreatmentContact.occurred_at < until)
        )
    ]
    spell_rows = db.session.execute(
        db.select(CareAssignment.patient_id, CareAssignment.therapist_id,
                  CareAssignment.assigned_at, CareAssignment.ended_at, User.name)
        .join(User, User.id == CareAssignment.therapist_id)
        .where(CareAssignment.patient_id.in_(discharged), CareAssignment.assigned_at < until)
    ).all()
    spells = [outcomes.TherapistSpell(*row[:4]) for row in spell_rows]
    names = {row.therapist_id: row.name for row in spell_rows}
    episodes = outcomes.discharged_episodes(steps, measures, contacts, spells, since=since,
                                            until=until, follow_ups=_follow_ups(discharged))
    return outcomes.report(episodes, start=start, end=end, referrals=referrals), names


def _follow_ups(discharged) -> list[outcomes.FollowUpScores]:
    """Answered follow-ups of the patients discharged in the range, whenever answered: a
    follow-up comes months after the discharge it belongs to, often after the range."""
    phq9, gad7 = aliased(QuestionnaireResponse), aliased(QuestionnaireResponse)
    return [
        outcomes.FollowUpScores(*row) for row in db.session.execute(
            # The step row's end, not the follow-up's copy: the episode is matched by it.
            db.select(FollowUp.patient_id, StepAssignment.ended_at, phq9.total, gad7.total)
            .join(StepAssignment, StepAssignment.id == FollowUp.step_assignment_id)
            .join(phq9, phq9.id == FollowUp.phq9_response_id)
            .join(gad7, gad7.id == FollowUp.gad7_response_id)
            .where(FollowUp.patient_id.in_(discharged), FollowUp.completed_at.is_not(None))
        )
    ]


def today_in(zone: str) -> date:
    return datetime.now(ZoneInfo(zone)).date()
