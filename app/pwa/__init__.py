"""The installable web app: its manifest, its service worker and the offline page.

The worker (app/static/js/sw.js, served at ``/sw.js`` so that its scope is the whole site)
keeps only the app shell: the files under /static/ and the offline page. It never keeps a
page, because a page may show patient data (security requirement 15).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, current_app, jsonify, render_template, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from app.openapi import operation

bp = Blueprint("pwa", __name__)

STATIC = Path(__file__).resolve().parent.parent / "static"
THEME_COLOUR = "#2f6f73"  # --accent in app/static/css/stepcare.css
BACKGROUND_COLOUR = "#f6f8f7"  # --paper
#: (file under static/img/icons, size, purpose)
ICONS = (
    ("icon-192.png", 192, "any"),
    ("icon-512.png", 512, "any"),
    ("icon-maskable-192.png", 192, "maskable"),
    ("icon-maskable-512.png", 512, "maskable"),
)


def manifest_data() -> dict:
    return {
        "id": "/",
        "name": _("Stepcare: help for mood, worry and stress"),
        "short_name": "Stepcare",
        "description": _("Online help for mood, worry and stress, step by step, with your "
                         "therapist."),
        "lang": str(get_locale()),
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [{"src": url_for("static", filename=f"img/icons/{name}"),
                   "sizes": f"{size}x{size}", "type": "image/png", "purpose": purpose}
                  for name, size, purpose in ICONS],
    }


@bp.route("/manifest.webmanifest")
@operation("The web app manifest, in the visitor's language (installing Stepcare).",
           public=True, responses={200: (None, "The manifest (application/manifest+json).")})
def manifest():
    """The manifest in the visitor's language (the switcher's, the user's or the browser's)."""
    response = jsonify(manifest_data())
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Vary"] = "Cookie, Accept-Language"
    return response


@bp.route("/sw.js")
def service_worker():
    """Served from the root so that its scope is the whole site; always checked for updates."""
    response = send_file(STATIC / "js" / "sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/offline")
def offline():
    """What the worker shows when a page cannot be loaded. It names nobody: the worker
    fetches it without cookies and keeps it, so it must read as well for anyone."""
    response = current_app.make_response(render_template("pwa/offline.html"))
    response.headers["Cache-Control"] = "no-cache"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
