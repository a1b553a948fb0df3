"""What programmes announce (blinker signals)."""

from blinker import Namespace

_signals = Namespace()

#: A patient sent homework to their therapist. kwargs: submission.
homework_submitted = _signals.signal("homework-submitted")
#: A therapist wrote feedback on homework. kwargs: submission.
feedback_given = _signals.signal("feedback-given")
