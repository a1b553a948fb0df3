"""The seven steps of the Stanley-Brown Safety Planning Intervention, in their order."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app import crisis


@dataclass(frozen=True)
class Section:
    id: str
    title: object  # lazy strings, translated when shown
    prompt: object


SECTIONS: tuple[Section, ...] = (
    Section("warning_signs", _l("My warning signs"),
            _l("Thoughts, feelings, situations or behaviour that tell me a crisis may be "
               "coming.")),
    Section("coping", _l("Things I can do on my own"),
            _l("Ways to take my mind off my problems without contacting anyone.")),
    Section("distractions", _l("People and places that take my mind off things"),
            _l("People I can be with and places I can go.")),
    Section("help_people", _l("People I can ask for help"),
            _l("Family or friends I can tell that I am not all right, with their numbers.")),
    Section("professionals", _l("Professionals and crisis lines"),
            _l("My therapist, my doctor and crisis lines I can call, day or night.")),
    Section("environment", _l("Making my surroundings safe"),
            _l("What I will do to keep means of harming myself away.")),
    Section("reasons", _l("My reasons for living"),
            _l("What matters most to me and is worth living for.")),
)
SECTION_IDS = tuple(section.id for section in SECTIONS)
MAX_ITEMS = 6  # per section: a full plan of short lines still prints on one page
MAX_ITEM_LENGTH = 300


def crisis_line_items(region: str) -> list[str]:
    """The region's crisis lines as plan items, to start the professionals' section with."""
    return [f"{line.name}: {line.number}. {line.note}" for line in crisis.lines_for(region)]


def empty() -> dict[str, list[str]]:
    return {section_id: [] for section_id in SECTION_IDS}
