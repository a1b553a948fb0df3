"""``stack_table`` (``_table.html``) renders the hand-written tables it replaced (issue 11),
compared as parsed HTML: a hidden or shown caption, an actions column, an id, and the
sentence a page without rows shows instead."""

# ruff: noqa: E501 (the hand-written tables are quoted as they stood, one line a row)
from __future__ import annotations

from flask import render_template_string

from tests.test_shared_markup import canonical

MACRO = '{% from "_table.html" import stack_table %}'
ROWS = """{% for name in rows %}<tr><td data-label="Name">{{ name }}</td></tr>{% endfor %}"""

CASES = [
    (  # hidden caption, an actions column and an id (erasure requests); no empty sentence
        """<div class="table-wrap">
<table class="stack" id="erasure-requests">
  <caption class="visually-hidden">{{ "Erasure requests" }}</caption>
  <thead><tr><th scope="col">{{ "Patient" }}</th><th scope="col">{{ "Status" }}</th><th scope="col"><span class="visually-hidden">{{ _("Actions") }}</span></th></tr></thead>
  <tbody>
  """ + ROWS + """
  </tbody>
</table>
</div>""",
        """{% call stack_table("Erasure requests", ["Patient", "Status"], actions=True, id="erasure-requests") %}""" + ROWS + "{% endcall %}",
    ),
    (  # a shown caption and a sentence for no rows (risk alerts, review queue)
        """{% if rows %}
<div class="table-wrap">
<table class="stack">
  <caption>{{ "Open alerts first" }}</caption>
  <thead><tr><th scope="col">{{ "Patient" }}</th><th scope="col">{{ "Why" }}</th></tr></thead>
  <tbody>
  """ + ROWS + """
  </tbody>
</table>
</div>
{% else %}
<p class="empty">{{ "No open risk alerts." }}</p>
{% endif %}""",
        """{% call stack_table("Open alerts first", ["Patient", "Why"], rows, empty="No open risk alerts.", caption_hidden=False) %}""" + ROWS + "{% endcall %}",
    ),
]


def test_it_renders_stack_table_as_the_hand_written_tables_it_replaced(app):
    with app.test_request_context():
        for rows in (["Alice <A>", "Bob"], []):
            for by_hand, with_macro in CASES:
                expected = canonical(render_template_string(by_hand, rows=rows))
                assert canonical(render_template_string(MACRO + with_macro, rows=rows)) == expected
    assert any("'No open risk alerts.'" in line for line in expected)
