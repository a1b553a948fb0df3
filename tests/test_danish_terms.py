"""One Danish word for the clinician role: "behandler", never "terapeut"."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
# "fysioterapeut" (physiotherapist) is another profession, not the role in Stepcare.
THERAPIST = re.compile(r"(?<!fysio)terapeut", re.IGNORECASE)


def test_it_never_calls_the_clinician_terapeut_in_the_danish_catalogue():
    with open(ROOT / "app/translations/da/LC_MESSAGES/messages.po", "rb") as po:
        catalogue = read_po(po, locale="da")
    texts = [s for m in catalogue if m.id
             for s in (m.string if isinstance(m.string, tuple) else (m.string,))]
    assert [t for t in texts if THERAPIST.search(t)] == []


def test_it_never_calls_the_clinician_terapeut_in_the_danish_content():
    files = [*ROOT.glob("content/**/*.da.md"), *ROOT.glob("content/**/*.yaml")]
    found = [f"{path.relative_to(ROOT)}:{n}" for path in files
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if THERAPIST.search(line)]
    assert files and found == []
