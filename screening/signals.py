"""What screening announces to the rest of Stepcare (blinker signals)."""

from blinker import Namespace

_signals = Namespace()

#: A patient submitted a screening. kwargs: screening.
screening_completed = _signals.signal("screening-completed")
#: A risky answer raised an alert. kwargs: alert.
risk_alert_raised = _signals.signal("risk-alert-raised")
#: A weekly questionnaire was answered. kwargs: patient, responses.
measures_recorded = _signals.signal("measures-recorded")
