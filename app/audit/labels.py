"""What each audited resource is called on the patient's access log, in her language.

The names are keyed by the resource types the packages write; a type not named
here is shown as a part of the record, never as its internal name.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

RESOURCE_LABELS = {
    "access_log": _l("your access log"),
    "account": _l("your account"),
    "appointment": _l("an appointment"),
    "appointment_row": _l("your appointments, in a list"),
    "appointment_today_row": _l("today's appointments, in a list"),
    "care_assignment": _l("who your therapist is"),
    "care_episode": _l("your course of treatment"),
    "caseload_row": _l("the therapist's list of patients"),
    "clinical_alert": _l("a clinical alert"),
    "clinician_note": _l("a clinician's note"),
    "clinician_notification": _l("a notice to your therapist"),
    "consent": _l("your consent"),
    "enrolment": _l("your programme"),
    "erasure_request": _l("your request for erasure"),
    "erasure_request_row": _l("the list of requests for erasure"),
    "exercise_answer": _l("an exercise answer"),
    "exercise_history": _l("your exercises"),
    "homework": _l("your homework"),
    "kept_draft": _l("text you wrote, kept when you were signed out"),
    "homework_row": _l("homework waiting for feedback, in a list"),
    "measure_series": _l("your questionnaire scores over time"),
    "message": _l("a message"),
    "message_thread": _l("your messages"),
    "message_thread_row": _l("the list of message threads"),
    "module": _l("a programme module"),
    "module_progress": _l("your progress in a module"),
    "mood_diary": _l("your mood diary"),
    "mood_entry": _l("a mood diary entry"),
    "patient": _l("your record"),
    "patient_export": _l("a copy of all your data"),
    "patient_contact": _l("your contact details"),
    "patient_list_row": _l("the list of all patients"),
    "questionnaire_response": _l("questionnaire answers"),
    "referral_letter": _l("a referral letter"),
    "research_export": _l("a research export"),
    "risk_alert": _l("a risk alert"),
    "risk_alert_row": _l("the list of risk alerts"),
    "risk_contact_attempt": _l("an attempt to contact you after a risk alert"),
    "safety_plan": _l("your safety plan"),
    "safety_plan_version": _l("a version of your safety plan"),
    "screening": _l("your screening"),
    "screening_queue_row": _l("the list of screenings to review"),
    "step": _l("your treatment step"),
    "treatment_contact": _l("a treatment contact"),
    "video_ice_servers": _l("connection details for a video call"),
    "video_room": _l("a video call"),
    "vr_assignment": _l("the virtual-reality scenes your therapist suggested"),
    "vr_rating": _l("an anxiety rating in a virtual-reality exercise"),
    "vr_session": _l("a virtual-reality exposure exercise"),
}

OTHER = _l("another part of your record")


def resource_label(resource_type: str) -> str:
    return str(RESOURCE_LABELS.get(resource_type, OTHER))


def is_list_view(resource_type: str) -> bool:
    """A row on someone's list page: many of these a day say little each, so they are grouped."""
    return resource_type.endswith("_row")
