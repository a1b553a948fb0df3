"""The one mapping from Stepcare's records to FHIR R4 resources (``fhir.resources.R4B``).

Every function takes the records it is given and returns a validated model object; none of
them queries for other patients' data, and none writes an audit row: reading patient data
for someone is the caller's act (the FHIR API, the patient's own export), so the caller
audits it. See docs/fhir.md for which elements are filled and why.
"""

from interop.fhir.audit import audit_event
from interop.fhir.care import appointment, communication, episode_of_care, split_episodes
from interop.fhir.diary import exercise_response, mood_observation
from interop.fhir.people import patient, practitioner
from interop.fhir.questionnaires import questionnaire, questionnaire_response
from interop.fhir.scores import score_observation

__all__ = [
    "appointment", "audit_event", "communication", "episode_of_care", "exercise_response",
    "mood_observation", "patient",
    "practitioner", "questionnaire", "questionnaire_response", "score_observation",
    "split_episodes",
]
