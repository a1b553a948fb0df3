"""Which modules to suggest first, and why (explainable rules, optionally an encoder).

Three sources, each giving reasons the patient can read:

* the screening answers and scores (:data:`RULES`), which screening hands over through
  ``app.signals.intake_profile``;
* topics the patient named in the intake's free text (what brings them, their goals),
  found by Danish and English keyword rules (:data:`TOPICS`), always;
* when the offline text model is available (``textmodel.mode() == "model"``), the
  embedding similarity between that text and each module's title and summary. Module
  vectors are cached by the module's ``content_hash``, so edited content is re-embedded.

The self-help library is ranked as a whole; in a guided programme only the optional
modules are reordered (into the optional modules' places). The same answers always give
the same order.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

import textmodel
from app import signals
from app.accounts.models import User
from programmes.models import Enrolment, ModuleRecord

log = logging.getLogger(__name__)

ALWAYS_LAST = "help"

# How much each kind of reason weighs: the patient's own words count most.
TEXT_WEIGHT, SIMILAR_WEIGHT, RULE_WEIGHT = 5, 2, 1
#: The cosine similarity (intake text vs module title + summary) from which a module fits.
SIMILARITY_THRESHOLD = 0.42


@dataclass(frozen=True)
class Topic:
    id: str
    name: Any  # shown in the reason
    tags: frozenset[str]  # module tags about this topic
    pattern: re.Pattern[str]  # en + da word beginnings


def _words(*stems: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(stems) + r")", re.IGNORECASE)


TOPICS = (
    Topic("sleep", _l("sleep"), frozenset({"sleep"}), _words(
        "sleep", "slept", "insomnia", "awake at night", "nightmare", "tired", "exhausted",
        "søvn", "sove", "sover", "sov ", "vågen", "vågner", "mareridt", "træt")),
    Topic("worry", _l("worry"), frozenset({"worry", "uncertainty", "worry-time"}), _words(
        "worr", "anxious", "anxiety", "nervous", "uncertain",
        "bekymr", "angst", "nervøs", "ængstelig", "usikker")),
    Topic("stress", _l("stress"), frozenset({"stress"}), _words(
        "stress", "overwhelm", "pressure", "burn out", "burnout", "burnt out", "too much",
        "presset", "pres ", "overvæld", "udbrændt", "for meget")),
    Topic("mood", _l("low mood"), frozenset({"mood"}), _words(
        "low mood", "sad\\b", "sadness", "feeling down", "feel down", "depress", "unhappy", "empty",
        "nedtrykt", "trist", "ked af", "deprim", "humør", "tom ")),
    Topic("activity", _l("energy and activity"),
          frozenset({"activity", "behavioural-activation", "activity-scheduling"}), _words(
        "energy", "motivat", "interest", "can't get going", "lazy", "stuck in bed",
        "energi", "motivation", "lyst", "overskud", "kommer ikke i gang")),
    Topic("self-compassion", _l("being hard on yourself"),
          frozenset({"self-compassion", "self-criticism"}), _words(
        "hard on myself", "self-critic", "criticis", "criticiz", "worthless", "guilt",
        "ashamed", "shame", "not good enough",
        "selvkriti", "kritiser", "skyld", "skam", "værdiløs", "ikke god nok")),
    Topic("breathing", _l("tension"), frozenset({"breathing", "relaxation", "body"}), _words(
        "tense", "tension", "breath", "relax", "on edge",
        "anspændt", "spændt", "vejrtrækning", "åndedræt", "afslap")),
    Topic("panic", _l("panic"), frozenset({"panic"}), _words(
        "panic", "heart racing", "panik", "hjertebanken")),
    Topic("rumination", _l("going over things again and again"),
          frozenset({"rumination", "brooding"}), _words(
        "overthink", "ruminat", "brood", "dwell", "can't stop thinking",
        "grubl", "tankemylder", "kværn")),
    Topic("avoidance", _l("avoiding things"), frozenset({"avoidance", "exposure"}), _words(
        "avoid", "undgå", "undgår")),
)

# (module tag, test on the screening answers, reason shown to the patient)
RULES = [
    ("sleep", lambda a: a.get("phq9_3", 0) >= 2,
     _l("Because you told us that sleep has been hard.")),
    ("worry", lambda a: a.get("gad7_total", 0) >= 8 or a.get("gad7_2", 0) >= 2,
     _l("Because worry has been taking up a lot of room.")),
    ("stress", lambda a: a.get("wsas_total", 0) >= 10 or a.get("gad7_total", 0) >= 5,
     _l("Because life has felt demanding lately.")),
    ("activity", lambda a: a.get("phq9_1", 0) >= 2 or a.get("phq9_4", 0) >= 2,
     _l("Because you have had little energy or interest in things.")),
    ("mood", lambda a: a.get("phq9_2", 0) >= 2,
     _l("Because you have been feeling down.")),
    ("self-compassion", lambda a: a.get("phq9_6", 0) >= 2,
     _l("Because you have been hard on yourself.")),
    ("breathing", lambda a: a.get("gad7_total", 0) >= 5,
     _l("Because you have felt tense or on edge.")),
]


@dataclass(frozen=True)
class Suggestion:
    module: ModuleRecord
    reasons: tuple[Any, ...]
    score: int = 0


#: What the rankings draw on: screening answers and the intake's free text.
Profile = signals.IntakeProfile


def profile_for(patient: User) -> Profile:
    """The patient's screening answers and intake text (empty before a screening)."""
    found = signals.answers(signals.intake_profile, patient)
    return found[0] if found else Profile()


def mentioned_topics(texts: tuple[str, ...] | list[str]) -> list[Topic]:
    """The topics the patient's words name (keyword rules, Danish and English)."""
    joined = " ".join(" ".join(t.split()) for t in texts) + " "
    return [topic for topic in TOPICS if topic.pattern.search(joined)]


def _topic_of(module: ModuleRecord) -> Any:
    for tag in module.tags:
        for topic in TOPICS:
            if tag in topic.tags:
                return topic.name
    return module.text("title", "en")


# --- embedding similarity (only when the text model is there) ---------------------------------

# module id -> (content_hash, unit vector): refreshed when the module's content changes.
_module_vectors: dict[int, tuple[str, Any]] = {}


def _module_text(module: ModuleRecord) -> str:
    return f"{module.text('title', 'en')}. {module.text('summary', 'en')}"


def similar_modules(modules: list[ModuleRecord], texts: tuple[str, ...]) -> dict[int, float]:
    """Module id -> best cosine to the patient's text, for those over the threshold.

    Empty in "rules" mode, for text in a language the encoder does not know, or on any
    failure of the model layer (logged): the keyword rules then stand alone.
    """
    if not texts or not modules:
        return {}
    try:
        if textmodel.mode() != "model":
            return {}
        encoder = textmodel.get_encoder()
        supported = encoder.languages()
        if supported:
            texts = tuple(t for t in texts
                          if textmodel.guess_language(t) in (None, *supported))
            if not texts:
                return {}
        todo = [m for m in modules
                if _module_vectors.get(m.id, ("",))[0] != m.content_hash]
        if todo:
            vectors = encoder.embed([_module_text(m) for m in todo])
            for module, vector in zip(todo, vectors, strict=True):
                _module_vectors[module.id] = (module.content_hash, vector)
        import numpy as np

        matrix = np.stack([_module_vectors[m.id][1] for m in modules])
        scores = encoder.similarity(list(texts), matrix).max(axis=0)
    except Exception:
        log.exception("module similarity failed; using the keyword rules only")
        return {}
    return {m.id: round(float(s), 4) for m, s in zip(modules, scores, strict=True)
            if s >= SIMILARITY_THRESHOLD}


# --- ranking -------------------------------------------------------------------------------


def _suggest(module: ModuleRecord, profile: Profile, topics: list[Topic],
             similar: dict[int, float]) -> Suggestion:
    reasons: list[Any] = []
    score = 0
    if ALWAYS_LAST not in module.tags:
        for topic in topics:
            if topic.tags & set(module.tags):
                reasons.append(_l("Because you mentioned %(topic)s.", topic=topic.name))
                score += TEXT_WEIGHT
        if not reasons and module.id in similar:
            reasons.append(_l("Because what you wrote is close to %(topic)s.",
                              topic=_topic_of(module)))
            score += SIMILAR_WEIGHT
    if profile.answers:
        for tag, test, reason in RULES:
            if tag in module.tags and test(profile.answers):
                reasons.append(reason)
                score += RULE_WEIGHT
    return Suggestion(module, tuple(reasons), score)


def rank(modules: list[ModuleRecord], answers: dict[str, int] | Profile) -> list[Suggestion]:
    """Most reasons first (the patient's words weigh most); "more help" always last."""
    profile = answers if isinstance(answers, Profile) else Profile(answers)
    topics = mentioned_topics(profile.texts)
    similar = similar_modules([m for m in modules if ALWAYS_LAST not in m.tags], profile.texts)
    suggestions = [_suggest(m, profile, topics, similar) for m in modules]
    return sorted(suggestions, key=lambda s: (ALWAYS_LAST in s.module.tags, -s.score,
                                              s.module.position))


def suggestions_for(patient: User, enrolments: list[Enrolment]) -> list[Suggestion]:
    self_help = [e for e in enrolments if e.programme.step == 1]
    if not self_help:
        return []
    return rank(self_help[0].programme.current_modules, profile_for(patient))


def module_order(patient: User, enrolment: Enrolment) -> dict[int, tuple[Any, ...]]:
    """Each recommended module's reasons, to show beside it (self-help: every module;
    a guided programme: its optional modules)."""
    modules = enrolment.programme.current_modules
    if enrolment.programme.step != 1:
        modules = [m for m in modules if m.optional]
    if not modules:
        return {}
    return {s.module.id: s.reasons for s in rank(modules, profile_for(patient))}


def ordered_modules(patient: User, enrolment: Enrolment) -> list[ModuleRecord]:
    """The programme's modules for display: in a guided programme the required modules keep
    their places and the optional ones fill the optional places in recommended order; the
    self-help library is listed in recommended order."""
    modules = enrolment.programme.current_modules
    profile = profile_for(patient)
    if enrolment.programme.step == 1:
        return [s.module for s in rank(modules, profile)]
    optional = iter(s.module for s in rank([m for m in modules if m.optional], profile))
    return [next(optional) if m.optional else m for m in modules]
