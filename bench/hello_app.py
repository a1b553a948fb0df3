"""A bare Flask hello-world: the ceiling that bench/caseload.py compares the caseload with.

    gunicorn --workers 4 --bind 127.0.0.1:8001 'bench.hello_app:app'
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, world!"
