"""A sentence's language, guessed from function words (Danish or English).

The encoders' model cards name the languages they were trained on; callers use this
guess to keep text in other languages away from them.
"""

from __future__ import annotations

import re


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Short, unambiguous function words of each language (a sentence-level guess only).
_STOPWORDS = {
    "da": _wordset(
        "jeg ikke det og er en et til på har med mig min mit mine så som den denne dette de "
        "du vi han hun var kan vil skal efter også men når hvis bare nogen noget aldrig alle "
        "hele være blive været mere fordi hvad hvor af fra sig sin sit selv ud op nu her der "
        "dag tror synes føler godt"
    ),
    "en": _wordset(
        "the and is are to a an of my me not it have has be been that was am for with on but "
        "just this so what when want can than rather myself i'm i'd i've i'll isn't don't "
        "can't won't feel feels life really about think would never wish were sometimes if "
        "you your"
    ),
}
_WORD = re.compile(r"[\w']+")


def guess_language(sentence: str) -> str | None:
    """ "da", "en" or None (undecided), from function words and the letters æ, ø and å."""
    words = _WORD.findall(sentence.lower().replace("\u2019", "'"))
    da = sum(w in _STOPWORDS["da"] for w in words) + 2 * sum(
        sentence.lower().count(c) for c in "æøå"
    )
    en = sum(w in _STOPWORDS["en"] for w in words)
    if da == en:
        return None
    return "da" if da > en else "en"
