"""`toolshift bench` end to end on the local wheelhouse (offline, --runs 1). No timings are
asserted: only that every figure exists, the chart files are real PNG/SVG, and the history
holds the run."""

from __future__ import annotations

import io
import json
import sqlite3
import struct
import xml.etree.ElementTree as ET
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from toolshift.bench.scenarios import COMPARED, Scenario, Variant
from toolshift.cli.main import main


@dataclass(frozen=True)
class Ran:
    root: Path
    out: Path
    doc: dict[str, object]  # the --format json document


def _cli(argv: list[str]) -> tuple[int, str]:
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(argv)
    return code, buf.getvalue()


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> Ran:
    root = tmp_path_factory.mktemp("svc")
    (root / "requirements.txt").write_text("# runtime\nbeta==1.2\ngamma[fast]==0.9\n")
    (root / "requirements-dev.txt").write_text("devtool==3.0\n")
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "main.py").write_text("import beta\nimport gamma\nimport delta\n")
    out = root / "charts"
    code, text = _cli(
        [
            "bench",
            str(root),
            "--runs",
            "1",
            "--find-links",
            str(wheelhouse),
            "--offline",
            "--out",
            str(out),
            "--format",
            "json",
        ]
    )
    assert code == 0, text
    return Ran(root, out, json.loads(text))


def _series(doc: dict[str, object]) -> list[dict[str, Any]]:
    series = doc["series"]
    assert isinstance(series, list)
    return series


@pytest.mark.slow
def test_every_scenario_is_measured(ran: Ran) -> None:
    series = _series(ran.doc)
    whole = {(s["scenario"], s["variant"]) for s in series if not s["category"] and s["times"]}
    expected = {(Scenario.VENV.value, Variant.UV.value)}
    for scenario in COMPARED:
        for variant in Variant:
            if scenario is Scenario.RESOLVE and variant is Variant.UV_BYTECODE:
                continue
            expected.add((scenario.value, variant.value))
    for variant in Variant:
        expected.add((Scenario.STARTUP.value, variant.value))
    assert expected <= whole
    assert not [s for s in series if s["error"]]
    for s in series:
        assert len(s["times"]) == 1  # --runs 1 / --category-runs 1: the warm-up is not counted
        assert s["min"] <= s["median"] <= s["max"]
    # the package set is the runtime requirements resolved (dev requirements left out)
    assert ran.doc["packages"] == ["alpha==2.0.0", "beta==1.2", "delta==1.0", "gamma==0.9"]
    assert ran.doc["entry"] == "app.main"
    startup = [s for s in series if s["scenario"] == "startup"]
    assert all(isinstance(s["peak_rss_kib"], int) and s["peak_rss_kib"] > 0 for s in startup)
    env = ran.doc["environment"]
    assert isinstance(env, dict)
    assert env["network"] is False and "offline" in env["index"]
    assert env["pip"] and env["uv"] and env["python"]
    # docker figures are skipped with a reason here (no engine on the test machines)
    skipped = ran.doc["skipped"]
    assert isinstance(skipped, list)
    assert any(s["what"] == "docker image build" and s["reason"] for s in skipped)
    total, measured = ran.doc["total_seconds"], ran.doc["measured_seconds"]
    assert isinstance(total, float) and isinstance(measured, float)
    assert 0 < measured <= total


@pytest.mark.slow
def test_categories_are_installed_alone(ran: Ran) -> None:
    per_cat = [s for s in _series(ran.doc) if s["category"]]
    # alpha/beta/gamma/delta are not in the category table: one "other" category, 4 packages
    assert {s["category"] for s in per_cat} == {"other"}
    assert {(s["scenario"], s["variant"]) for s in per_cat} == {
        (sc.value, v.value) for sc in (Scenario.COLD, Scenario.WARM) for v in Variant
    }
    assert all(s["packages"] == 4 for s in per_cat)


@pytest.mark.slow
def test_chart_files_are_real_png_and_svg(ran: Ran) -> None:
    png = (ran.out / "bench.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert width > 300 and height > 200
    root = ET.parse(ran.out / "bench.svg").getroot()
    assert root.tag.endswith("svg")
    text = (ran.out / "bench.svg").read_text()
    assert "uv+bytecode" in text  # the legend


@pytest.mark.slow
def test_history_rows_and_history_command(ran: Ran) -> None:
    db = ran.root / ".toolshift" / "bench.sqlite"
    with sqlite3.connect(db) as con:
        (runs,) = con.execute("SELECT count(*) FROM runs").fetchone()
        (series,) = con.execute("SELECT count(*) FROM series").fetchone()
        env = json.loads(con.execute("SELECT environment FROM runs").fetchone()[0])
    assert runs == 1
    assert series == len(_series(ran.doc))
    assert env["cpu"] and env["cores"] >= 1 and env["os"]
    code, text = _cli(["bench", str(ran.root), "--history", "--format", "json"])
    assert code == 0
    doc = json.loads(text)
    assert [r["id"] for r in doc["runs"]] == [ran.doc["run_id"]]
    assert doc["runs"][0]["packages"] == ran.doc["packages"]
    code, text = _cli(["bench", str(ran.root), "--history"])
    assert code == 0
    assert "bench history" in text and "install-cold" in text


def test_history_of_a_project_never_benched(tmp_path: Path) -> None:
    code, text = _cli(["bench", str(tmp_path), "--history"])
    assert code == 0
    assert "no bench runs recorded yet" in text
    assert not (tmp_path / ".toolshift").exists()


def test_offline_needs_find_links(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "requirements.txt").write_text("alpha\n")
    assert main(["bench", str(tmp_path), "--offline"]) == 2
    assert "--offline needs --find-links" in capsys.readouterr().err


@pytest.mark.network
def test_bench_against_pypi(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("six\n")
    argv = ["bench", str(tmp_path), "--runs", "1", "--no-categories", "--no-startup"]
    code, text = _cli([*argv, "--format", "json"])
    assert code == 0, text
    doc = json.loads(text)
    assert doc["environment"]["network"] is True
    assert [p.split("==")[0] for p in doc["packages"]] == ["six"]
    assert not [s for s in doc["series"] if s["error"]]
