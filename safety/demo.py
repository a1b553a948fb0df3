"""Safety plans in the demo: the patients at risk, and the two demo patients who sign in."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from app.caseload.loaders import current_therapist_id
from app.db import db, utcnow
from app.signals import DemoClinic, DemoHook, answers, caseload_facts
from safety import operations
from safety.sections import crisis_line_items

PLANS: dict[str, dict[str, list[str]]] = {
    "da": {
        "warning_signs": ["Jeg trækker mig fra andre og bliver liggende i sengen",
                          "Tanken om at det hele er ligegyldigt kommer igen og igen",
                          "Jeg sover under fem timer flere nætter i træk"],
        "coping": ["Gå en tur rundt om søen, også når jeg ikke har lyst",
                   "Tage et varmt bad og lytte til min rolige playliste",
                   "Skrive tankerne ned i dagbogen i stedet for at tænke dem igen og igen"],
        "distractions": ["Drikke kaffe med Mette i Kaffebaren på hjørnet",
                         "Biblioteket på Krystalgade, hvor der er mennesker omkring mig"],
        "help_people": ["Min søster Louise: 22 45 67 89", "Min ven Jonas: 31 12 90 44"],
        "environment": ["Louise opbevarer mine sovepiller og giver mig en uges ad gangen",
                        "Ikke drikke alkohol, når jeg har det sådan"],
        "reasons": ["Min nevø Oskar, som jeg har lovet at lære at cykle",
                    "At se havet igen til sommer", "Min kat, Muffin"],
    },
    "en": {
        "warning_signs": ["I stop answering my phone and stay in bed",
                          "The thought that nothing matters keeps coming back",
                          "Sleeping less than five hours several nights running"],
        "coping": ["Walk round the lake, even when I don't feel like it",
                   "A hot shower and my calm playlist",
                   "Write the thoughts down in my diary instead of going over them again"],
        "distractions": ["Coffee with Sam at the café on the corner",
                         "The library, where there are people around me"],
        "help_people": ["My sister Hannah: +45 22 45 67 89", "My friend Tom: +45 31 12 90 44"],
        "environment": ["Hannah keeps my sleeping pills and gives me a week at a time",
                        "No alcohol when I feel like this"],
        "reasons": ["My nephew Oliver, who I promised to teach to ride a bike",
                    "Seeing the sea again next summer", "My cat, Muffin"],
    },
}


def _at_risk(patient_ids: list[int]) -> set[int]:
    """Patients with an open risk alert, as the caseload's facts tell (screening's)."""
    found: set[int] = set()
    for batch in answers(caseload_facts, None, patient_ids=patient_ids):
        for patient_id, facts in batch.by_patient.items():
            if getattr(facts, "open_risk_alerts", 0):
                found.add(patient_id)
    return found


def _plan(patient: Any, region: str, rng: random.Random) -> None:
    therapist_id = current_therapist_id(patient.id)
    if therapist_id is None:
        return
    therapist = db.session.get(type(patient), therapist_id)
    content = {key: list(items) for key, items in PLANS[patient.language].items()}
    professionals = ["Stepcare: " + therapist.name, *crisis_line_items(region)]
    first = operations.save_version(patient, {**content, "professionals": professionals},
                                    by=therapist, note="Lavet sammen i telefonen"
                                    if patient.language == "da" else "Made together by phone")
    first.created_at = utcnow() - timedelta(days=rng.randint(8, 20))
    extra = ("Ringe til Louise før det bliver for slemt" if patient.language == "da"
             else "Call Hannah before it gets too bad")
    operations.add_item(patient, "coping", extra, by=patient)


def populate(clinic: DemoClinic, rng: random.Random) -> None:
    from flask import current_app

    region = current_app.config["CRISIS_REGION"]
    ids = [p.id for p in clinic.patients]
    wanted = _at_risk(ids) | {clinic.patients[0].id, clinic.patients[3].id}
    for patient in clinic.patients:
        if patient.id in wanted:
            _plan(patient, region, rng)
    db.session.flush()


def hook(sender: Any) -> DemoHook:
    """After screening's (order 20), whose risk alerts say who is at risk."""
    return DemoHook(order=45, populate=populate)
