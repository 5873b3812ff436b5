"""The issue's target measured on a real-world Flask app from PyPI (network).

``benchmarks/flask_realworld.py`` downloads Flask's own sdist (pinned by sha256), makes a
service of its JavaScript example (``examples/javascript``, the smallest of the measured apps),
converts it with ``migrate --to fastapi``, starts the converted app and replays the app's own
test requests with ``verify --http``. The apps run on this interpreter (flask, fastapi, httpx
and pytest are toolshift's development dependencies), so only the download needs PyPI.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "flask_realworld.py"


@pytest.mark.network
@pytest.mark.timeout(120)
def test_smallest_real_world_app_converts_starts_and_answers_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = importlib.util.spec_from_file_location("flask_realworld", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules["flask_realworld"] = bench
    spec.loader.exec_module(bench)

    code = bench.main(
        ["--only", "js_example", "--python", sys.executable, "--work", str(tmp_path), "--json"]
    )
    assert code == 0
    (fig,) = json.loads(capsys.readouterr().out)
    assert fig["app"] == "js_example"
    assert fig["starts"], fig["start_error"]  # the converted app imports and starts
    assert fig["flask_imports_left"] == 0
    assert fig["from_tests"] == 8  # every request of the example's own tests
    assert fig["tests_regressions"] == 0
    assert fig["share"] >= 95.0  # same status and body after conversion
    # The one construct left for a person (a Flask signal in the tests) carries a TODO.
    assert fig["todos"] == 1
