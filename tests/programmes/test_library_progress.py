"""The self-help library counts every module it lists."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from app.accounts.models import User
from app.caseload.operations import set_step
from app.db import db
from tests.helpers import sign_in


def test_it_counts_every_module_of_the_self_help_library(app, client, personas):
    with app.app_context():
        set_step(db.session.get(User, personas.bob.id), 1, by=None)
        db.session.commit()
    sign_in(app, client, personas.bob)
    soup = BeautifulSoup(client.get("/programmes/self-help").get_data(as_text=True),
                         "html.parser")
    listed = len(soup.select("ol.module-list > li"))
    label = soup.find(class_="progress-label").get_text(strip=True)
    assert listed > 1
    assert re.fullmatch(rf"0 of {listed} modules done", label)
