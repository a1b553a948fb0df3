"""The one Markdown renderer for content: programme modules and the treatment terms.

Content is reviewed like code, but a content folder is still data: one settings set for
every text, and the HTML is sanitised with ``nh3`` (raw ``<script>``, event handlers and
``javascript:`` links are dropped), so a content edit cannot run script in a patient's
browser (the pages' CSP forbids inline script too).
"""

from __future__ import annotations

from functools import lru_cache

import markdown as markdown_lib
import nh3
from markupsafe import Markup

EXTENSIONS = ("extra", "sane_lists")
TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
})
ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
URL_SCHEMES = frozenset({"https", "http", "mailto", "tel"})


# Content texts are few and fixed (never a user's text), and a module page's Markdown took
# about 6 ms to render and sanitise on every view: each text is rendered once per process.
@lru_cache(maxsize=2048)
def render(text: str) -> Markup:
    """Markdown to sanitised HTML, safe to put in a template as it is."""
    html = markdown_lib.markdown(text, extensions=list(EXTENSIONS))
    clean = nh3.clean(html, tags=set(TAGS),
                      attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
                      url_schemes=set(URL_SCHEMES), link_rel="noopener noreferrer")
    return Markup(clean)  # noqa: S704 (sanitised by nh3 just above)
