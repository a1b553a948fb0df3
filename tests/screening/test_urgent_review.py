"""Urgent review: PHQ-9 item 9 >= 2 or a current plan at intake puts the screening at the
top of the review queue with a visible deadline (content/routing.yaml: urgent_review)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from bs4 import BeautifulSoup

from app.db import db, utcnow
from screening import routing, urgency
from screening.models import Screening
from tests.conftest import INTAKE, complete_screening
from tests.helpers import sign_in

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"

FACTS = {"phq9_total": 10, "phq9_band": "moderate", "phq9_item9": 0, "gad7_total": 7,
         "gad7_band": "mild", "wsas_total": 12,
         **{k: INTAKE[k] for k in routing.INTAKE_FACTS}}


@pytest.mark.parametrize("changes,urgent", [
    ({"phq9_item9": 1}, False),
    ({"phq9_item9": 2}, True),
    ({"phq9_item9": 3}, True),
    ({"suicidal_plan": "yes"}, True),
    ({}, False),
])
def test_it_calls_for_urgent_review_from_the_shipped_rules(changes, urgent):
    shipped = routing.load_rules(CONTENT_DIR).urgent_review
    found = urgency.urgent_review({**FACTS, **changes}, shipped)
    assert (found is not None) is urgent
    if urgent:
        assert found.deadline_hours == 24


def test_it_reads_urgent_review_from_the_rules_file():
    document = {"version": 1, "fallback": {"step": 3, "reason": {"en": "x", "da": "x"}},
                "rules": [{"id": "any", "step": 2, "priority": 1, "reason": {"en": "x", "da": "x"},
                           "when": {"fact": "phq9_total", "op": ">=", "value": 0}}],
                "urgent_review": {"deadline_hours": 4,
                                  "when": {"fact": "phq9_total", "op": ">=", "value": 10}}}
    routing.parse_rules(document)  # the routing rules accept the block beside them
    rule = urgency.parse(document)
    assert urgency.urgent_review(FACTS, rule).deadline_hours == 4
    assert urgency.urgent_review({**FACTS, "phq9_total": 9}, rule) is None


def test_it_refuses_an_urgent_review_without_a_deadline():
    document = {"version": 1, "fallback": {"step": 3, "reason": {"en": "x", "da": "x"}},
                "rules": [{"id": "any", "step": 2, "priority": 1, "reason": {"en": "x", "da": "x"},
                           "when": {"fact": "phq9_total", "op": ">=", "value": 0}}],
                "urgent_review": {"when": {"fact": "phq9_total", "op": ">=", "value": 10}}}
    with pytest.raises(routing.RoutingRuleError, match="deadline_hours"):
        urgency.parse(document)


@pytest.mark.hazard("H-008")
def test_it_puts_urgent_screenings_first_with_a_deadline(app, client, personas):
    start = utcnow()
    with app.app_context():
        with time_machine.travel(start - timedelta(days=2), tick=False):
            older = complete_screening(personas.bob.id)  # waiting longest, not urgent
        with time_machine.travel(start - timedelta(hours=1), tick=False):
            urgent = complete_screening(personas.alice.id, phq9=(1, 1, 1, 1, 1, 1, 1, 1, 2))
        submitted = db.session.get(Screening, urgent).submitted_at
    sign_in(app, client, personas.ada)
    page = BeautifulSoup(client.get("/screening/reviews").get_data(as_text=True), "html.parser")
    rows = page.select("tbody tr")
    assert [r.a["href"] for r in rows] == [f"/screening/reviews/{urgent}",
                                           f"/screening/reviews/{older}"]
    assert rows[0].select_one(".urgent-review").get_text() == "Urgent review"
    assert rows[0].select_one(".review-deadline") is not None
    assert rows[1].select(".urgent-review") == []
    with app.app_context():
        deadline = urgency.review_deadline(db.session.get(Screening, urgent))
    assert deadline == submitted + timedelta(hours=24)


@pytest.mark.hazard("H-008")
def test_it_shows_the_deadline_on_the_review_page(app, client, personas):
    with app.app_context():
        urgent = complete_screening(personas.alice.id, intake={"suicidal_plan": "yes"})
    sign_in(app, client, personas.theo)
    page = BeautifulSoup(client.get(f"/screening/reviews/{urgent}").get_data(as_text=True),
                         "html.parser")
    assert page.select_one("p.urgent-review").get_text().startswith("Urgent review: review by")
