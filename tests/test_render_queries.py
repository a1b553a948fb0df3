"""No SQL statement (no query, no audit row) runs while a template renders.

Every page reads what it shows, and writes its audit rows, before ``render_template``:
the panels, caseload cells and menu badges that the packages contribute too. Checked on
every route of the access matrix, for every persona allowed in, by counting statements
between Flask's ``before_render_template`` and ``template_rendered`` signals.
"""

from __future__ import annotations

import pytest
from flask import before_render_template, template_rendered
from sqlalchemy import event

from app.db import db
from tests.test_access_matrix import OBJECT_PAGES, ROLE_PAGES, _request

# Every object page needs an object: the world gets a follow-up of Alice's that is due.
WITH_DUE_FOLLOW_UP = True


class RenderWatch:
    """Records each SQL statement sent while one of the app's templates renders."""

    def __init__(self, app):
        self.app = app
        with app.app_context():
            self.engine = db.engine
        self.rendering: list[str] = []
        self.statements: list[tuple[str, str]] = []
        self.rendered: list[str] = []

    def _before(self, sender, template, context, **_kwargs):
        self.rendering.append(template.name)

    def _after(self, sender, template, context, **_kwargs):
        self.rendering.pop()
        self.rendered.append(template.name)

    def _statement(self, conn, cursor, statement, parameters, context, executemany):
        if self.rendering:
            self.statements.append((self.rendering[-1], " ".join(statement.split())[:160]))

    def __enter__(self):
        before_render_template.connect(self._before, self.app)
        template_rendered.connect(self._after, self.app)
        event.listen(self.engine, "before_cursor_execute", self._statement)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._statement)
        template_rendered.disconnect(self._after, self.app)
        before_render_template.disconnect(self._before, self.app)


PAGES = {**{endpoint: (lambda p: {}, allowed) for endpoint, allowed in ROLE_PAGES.items()},
         **OBJECT_PAGES}


@pytest.mark.parametrize("endpoint", sorted(PAGES))
def test_it_runs_no_query_while_a_page_renders(app, screened, endpoint):
    make_args, allowed = PAGES[endpoint]
    for role in sorted(allowed):
        client = app.test_client()
        with RenderWatch(app) as watch:
            response = _request(app, client, screened, endpoint, role, make_args(screened))
        assert response.status_code < 500, (role, response.status_code)
        assert watch.statements == [], f"{endpoint} as {role}: {watch.statements}"


def test_it_would_see_a_query_in_a_template(app, personas):
    """The watch itself: a template that reads a lazy relationship is caught."""
    from flask import render_template_string

    from app.caseload.models import CareAssignment
    from app.caseload.operations import assign

    with app.app_context():
        assign(db.session.merge(personas.alice), db.session.merge(personas.theo), by=None)
        db.session.commit()
    with app.test_request_context(), RenderWatch(app) as watch:
        assignment = db.session.execute(db.select(CareAssignment)).scalars().first()
        render_template_string("{{ assignment.therapist.name }}", assignment=assignment)
    assert len(watch.statements) == 1
