"""Start-up stays light: create_app imports no ML library and loads no model; without
the ml extra the app runs in rules mode."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CREATE_APP = """
import json, sys
{prelude}
import app
import textmodel
from screening import risk_model
flask_app = app.create_app({{"TESTING": True, "SECRET_KEY": "x" * 40,
    "SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": sys.argv[1]}})
imported = {{m: m in sys.modules for m in ("torch", "transformers", "numpy")}}
status = textmodel.status()
loaded = textmodel.get_encoder().loaded
signals = []
if "signals" in sys.argv:
    signals = risk_model.risk_signals("Work is fine. I want to kill myself.")
print(json.dumps({{"imported": imported, "mode": status.mode, "reason": status.reason,
    "loaded": loaded, "signals": [[s.sentence, list(s.layers)] for s in signals]}}))
"""

# Makes torch and transformers unimportable, as without the ml extra.
BLOCK_ML = """
import importlib.abc
class _NoML(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "transformers"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, _NoML())
"""


def _run(tmp_path, prelude: str = "", *args: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", CREATE_APP.format(prelude=prelude), str(tmp_path), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_imports_no_ml_library_when_creating_the_app(tmp_path):
    out = _run(tmp_path)
    assert out["imported"] == {"torch": False, "transformers": False, "numpy": False}


def test_it_does_not_load_the_model_when_creating_the_app_or_reading_the_mode(tmp_path):
    out = _run(tmp_path)
    assert out["loaded"] is False and out["mode"] in ("model", "rules")


def test_it_runs_on_rules_without_the_ml_extra(tmp_path):
    out = _run(tmp_path, BLOCK_ML, "signals")
    assert out["mode"] == "rules"
    assert "torch and transformers not installed" in out["reason"]
    assert out["signals"] == [["I want to kill myself.", ["rules"]]]
