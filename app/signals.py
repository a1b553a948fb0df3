"""Events that cross domain boundaries.

Domains announce what happened here and others subscribe, so that, for
example, screening never imports programmes.
"""

from blinker import Namespace

_signals = Namespace()

#: A patient's step of care was set.
#: kwargs: patient, step, therapist (or None), decided_by, reason, context (dict).
step_assigned = _signals.signal("step-assigned")

#: A patient wrote free text of their own that a clinician may need to see (an exercise
#: answer, a diary note, a message). Screening scans it for risk language.
#: sender: the patient (User). kwargs: text (str), source ("exercise", "diary", "message").
#: Receivers must never raise: the patient's save comes first.
patient_text_written = _signals.signal("patient-text-written")
