"""The video blueprint: pages in ``video.views``, the call API in ``video.api``."""

from flask import Blueprint

bp = Blueprint("video", __name__, template_folder="templates", static_folder="static",
               static_url_path="/video/static")
