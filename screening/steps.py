"""The four steps of care, in words a patient understands."""

from flask_babel import lazy_gettext as _l

STEP_NAMES = {
    1: _l("Self-help"),
    2: _l("Guided online programme"),
    3: _l("Video sessions with a therapist"),
    4: _l("Referral to other care"),
}

STEP_NEXT = {
    1: _l("You get access to short self-help modules that you work through at your own pace."),
    2: _l("You start an online programme of about 12 weeks. Your therapist reads your "
          "homework every week and writes back to you."),
    3: _l("Your therapist books video sessions with you. You talk face to face in your "
          "browser, with nothing to install."),
    4: _l("A clinician will contact you to find the right care with you, for example "
          "face-to-face treatment or a specialist."),
}

# One whole sentence per instrument: word order differs between languages.
SCORE_SENTENCES = {
    "phq9": _l("Your answers suggest %(level)s depression."),
    "gad7": _l("Your answers suggest %(level)s anxiety."),
    "wsas": _l("How much your difficulties affect your daily life: %(level)s."),
}
