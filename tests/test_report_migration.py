"""toolshift report: MIGRATION.md from a recorded journal, verify result and bench run.

The golden file is tests/fixtures/report/orders/MIGRATION.md; regenerate it with
``TOOLSHIFT_UPDATE_GOLDEN=1 uv run pytest tests/test_report_migration.py`` and read the diff.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from toolshift.apply import apply_plan
from toolshift.bench import store
from toolshift.bench.scenarios import (
    BenchEnvironment,
    BenchResult,
    Scenario,
    Series,
    Skipped,
    Variant,
)
from toolshift.cli.main import main
from toolshift.docker_engine import ImageFigures
from toolshift.errors import JournalError
from toolshift.model import FileChange, Plan
from toolshift.report.migration import (
    dependency_rows,
    gather,
    render_markdown,
    versions_from_lock,
    versions_from_requirements,
)

FIXTURE = Path(__file__).parent / "fixtures" / "report" / "orders"
ENTRY = "20260315T101500Z-a1b2c3"
NOW = "2026-03-16T09:00:00Z"

BENCH = BenchResult(
    root="/somewhere/orders",
    started="2026-03-15T11:00:00Z",
    environment=BenchEnvironment(
        cpu="Intel(R) Xeon(R) Processor",
        cores=2,
        os="Linux-6.1-x86_64",
        python="3.12.4",
        python_path="/usr/bin/python3.12",
        pip="24.2",
        uv="0.8.3",
        index="the default index (PyPI), unless the requirement files name another",
        network=True,
    ),
    package_source="uv.lock (uv export --frozen --no-hashes --no-emit-project --no-dev)",
    packages=("fastapi==0.115.0", "pydantic==2.8.2", "starlette==0.38.2"),
    runs=3,
    series=(
        Series(Scenario.VENV, Variant.UV, (0.02, 0.02, 0.03)),
        Series(Scenario.RESOLVE, Variant.PIP, (3.1, 3.0, 3.3)),
        Series(Scenario.RESOLVE, Variant.UV, (0.3, 0.2, 0.4)),
        Series(Scenario.COLD, Variant.PIP, (12.0, 11.0, 13.0)),
        Series(Scenario.COLD, Variant.UV, (1.5, 1.4, 1.6)),
        Series(Scenario.COLD, Variant.UV_BYTECODE, (5.0, 4.5, 5.5)),
        Series(Scenario.WARM, Variant.PIP, (8.0, 7.5, 8.5)),
        Series(Scenario.WARM, Variant.UV, (0.4, 0.4, 0.5)),
        Series(Scenario.WARM, Variant.UV_BYTECODE, (3.0, 2.9, 3.1)),
        Series(Scenario.NOOP, Variant.PIP, (1.2, 1.1, 1.3)),
        Series(Scenario.NOOP, Variant.UV, (0.05, 0.05, 0.06)),
        Series(Scenario.NOOP, Variant.UV_BYTECODE, (0.9, 0.8, 1.0)),
        Series(Scenario.COLD, Variant.PIP, (4.0,), category="web-framework", packages=3),
        Series(Scenario.COLD, Variant.UV, (0.5,), category="web-framework", packages=3),
        Series(Scenario.COLD, Variant.UV_BYTECODE, (1.5,), category="web-framework", packages=3),
        Series(Scenario.WARM, Variant.PIP, (3.0,), category="web-framework", packages=3),
        Series(Scenario.WARM, Variant.UV, (0.25,), category="web-framework", packages=3),
        Series(Scenario.WARM, Variant.UV_BYTECODE, (1.0,), category="web-framework", packages=3),
        Series(Scenario.COLD, Variant.PIP, (), category="database", error="exit 1: no wheel"),
        Series(Scenario.STARTUP, Variant.PIP, (0.5, 0.5, 0.6), peak_rss_kib=50000),
        Series(Scenario.STARTUP, Variant.UV, (1.9, 1.8, 2.0), peak_rss_kib=52000),
        Series(Scenario.STARTUP, Variant.UV_BYTECODE, (0.5, 0.5, 0.5), peak_rss_kib=50000),
    ),
    skipped=(Skipped("per-category installs", "recorded for the golden file"),),
    entry="app.main",
    total_seconds=150.0,
    measured_seconds=148.0,
    prepare_seconds=1.5,
    notes=("image builds on Docker engine 26.1.5",),
    images=(
        ImageFigures(
            "Dockerfile",
            61.0,
            1.5,
            48.0,
            412_000_000,
            side="before",
            dependency_file="requirements.txt",
            entry_id=ENTRY,
            base_images=("python:3.12-slim",),
            dependency_change="httpx==0.27.0 appended to requirements.txt",
        ),
        ImageFigures(
            "Dockerfile",
            24.0,
            1.2,
            9.5,
            298_000_000,
            side="after",
            dependency_file="uv.lock",
            base_images=("ghcr.io/astral-sh/uv:0.8.3", "python:3.12-slim"),
            pulled=("ghcr.io/astral-sh/uv:0.8.3",),
            cache_mount=True,
            dependency_change=(
                "httpx==0.27.0 added with `uv add --no-sync` (pyproject.toml and uv.lock)"
            ),
        ),
    ),
)


def _project(tmp_path: Path, *, verify: bool = True, bench: bool = True) -> Path:
    root = tmp_path / "orders"
    shutil.copytree(FIXTURE / "project", root)
    shutil.copytree(FIXTURE / "toolshift", root / ".toolshift")
    if not verify:
        shutil.rmtree(root / ".toolshift" / "verify")
    if bench:
        store.save(root, BENCH)
        chart = root / ".toolshift" / "bench" / "bench.svg"
        chart.parent.mkdir(parents=True)
        chart.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>\n")
    return root


def test_golden_migration_md(tmp_path: Path) -> None:
    root = _project(tmp_path)
    text = render_markdown(gather(root, out=root / "MIGRATION.md", now=NOW))
    golden = FIXTURE / "MIGRATION.md"
    if os.environ.get("TOOLSHIFT_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
    # no absolute path of the test machine leaks into the document
    assert str(tmp_path) not in text


def test_facts_in_the_golden_file_come_from_the_inputs(tmp_path: Path) -> None:
    root = _project(tmp_path)
    inputs = gather(root, out=root / "MIGRATION.md", now=NOW)
    assert inputs.entry.id == ENTRY
    assert inputs.source_tool == "pip"
    assert inputs.before["sqlalchemy"] == "2.0.30"  # from the journal's backup
    assert inputs.after["sqlalchemy"] == "2.0.31"  # from uv.lock
    assert "orders" not in inputs.after  # the project itself is not a dependency
    assert inputs.chart == ".toolshift/bench/bench.svg"
    assert inputs.verify is not None and not inputs.verify.ok
    text = render_markdown(inputs)
    assert "| `Dockerfile` | modified | TS201, TS202 | uv copied from its image" in text
    # no reason recorded: the rule's own description is used
    assert "remove requirements files that pyproject.toml now replaces" in text
    assert "| sqlalchemy | 2.0.30 | 2.0.31 | upgraded |" in text
    assert "| typing-extensions | - | 4.12.2 | not pinned before |" in text
    assert "toolshift undo --id 20260315T101500Z-a1b2c3" in text
    assert "git checkout HEAD -- requirements.txt requirements-dev.txt Dockerfile" in text
    assert "rm -f pyproject.toml uv.lock" in text
    assert "Fix what verification found: compare, audit." in text
    # verify --audit, read back from last.json
    assert inputs.verify.audit is not None and inputs.verify.audit.audited_after == 7
    assert (
        "| new | sqlalchemy | - | 2.0.31 | GHSA-test-0000-0002 (CVE-0000-0002) | 2.0.32 |" in text
    )
    assert "| pre-existing | pyjwt | 2.8.0 | 2.8.0 | GHSA-test-0000-0003 | 2.10.0 |" in text
    assert "7 packages audited after, 7 before; 1 new, 1 pre-existing, 1 fixed." in text
    # bench --docker figures, read back from bench.sqlite
    assert "### Images" in text
    assert "| `Dockerfile` | build, cold (--no-cache) | 61.0 s | 24.0 s | 2.5x |" in text
    assert "| `Dockerfile` | image size | 412 MB | 298 MB | 1.4x |" in text
    # verify --http, read back from http.json
    assert inputs.http is not None and inputs.http.requests == 7
    assert "| 7 | 3 | 3 | 1 |" in text
    assert "| error page with no handler: body differs | 2 |" in text
    assert "| `POST /orders` | probe: bad JSON | 400 -> 422 | status 400 -> 422 |" in text
    assert "- [ ] Fix the 1 HTTP regression listed above" in text
    assert "| install, cold cache | 12.000 s (11.000-13.000) |" in text
    assert (
        "| web-framework | 3 | 4.00 s | 0.50 s | 1.50 s | 3.00 s | 0.25 s | 1.00 s | 12.0x |"
        in text
    )
    assert "| database | 0 | failed | - |" in text


def test_missing_results_are_named_not_invented(tmp_path: Path) -> None:
    root = _project(tmp_path, verify=False, bench=False)
    text = render_markdown(gather(root, now=NOW))
    assert "not verified yet: run `toolshift verify`." in text
    assert "Not measured yet: run `toolshift bench`.\n\n## Python version\n" in text
    assert "- [ ] Run `toolshift verify`" in text
    assert "(bench)" not in text and "(verify)" not in text
    assert "![pip vs uv]" not in text


def test_verify_result_of_another_entry_is_not_used(tmp_path: Path) -> None:
    root = _project(tmp_path)
    last = root / ".toolshift" / "verify" / "last.json"
    last.write_text(last.read_text().replace(ENTRY, "20260101T000000Z-ffffff"))
    inputs = gather(root, now=NOW)
    assert inputs.verify is None
    assert "20260101T000000Z-ffffff" in inputs.verify_note
    text = render_markdown(inputs)
    assert "the last verification was against journal entry 20260101T000000Z-ffffff" in text


def test_unknown_id_and_empty_journal(tmp_path: Path) -> None:
    root = _project(tmp_path)
    with pytest.raises(JournalError, match="no journal entry"):
        gather(root, "nope")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(JournalError, match="no applied migration"):
        gather(empty)


def test_cli_writes_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path)
    out = tmp_path / "MIGRATION.md"
    assert main(["report", str(root), "-o", str(out), "--id", ENTRY]) == 0
    text = out.read_text()
    assert text.startswith("# Migration of orders: pip -> uv\n")
    # the chart link is relative to where the report is written
    assert "](orders/.toolshift/bench/bench.svg)" in text
    assert main(["report", str(root)]) == 0
    assert capsys.readouterr().out.startswith("# Migration of orders")
    assert main(["report", str(tmp_path / "missing")]) == 2


def test_reasons_that_apply_recorded_reach_the_report(tmp_path: Path) -> None:
    root = tmp_path / "svc"
    root.mkdir()
    (root / "requirements.txt").write_text("alpha==1.0.0\n")
    plan = Plan(
        root=str(root),
        target="uv",
        changes=(
            FileChange(
                "requirements.txt",
                b"alpha==1.0.0\n",
                b"alpha==1.1.0\n",
                ("TS999",),
                ("a reason the planner gave",),
            ),
        ),
    )
    entry = apply_plan(plan, command="toolshift migrate --to uv .")
    text = render_markdown(gather(root, now=NOW))
    assert f"journal entry `{entry.id}`" in text
    assert "| `requirements.txt` | modified | TS999 | a reason the planner gave |" in text
    assert "| alpha | 1.0.0 | 1.1.0 | upgraded |" in text


def test_version_readers() -> None:
    lock = (
        'version = 1\n[[package]]\nname = "Foo_Bar"\nversion = "1.0"\n'
        'source = { registry = "https://pypi.org/simple" }\n'
        '[[package]]\nname = "me"\nversion = "0.1"\nsource = { editable = "." }\n'
    )
    assert versions_from_lock(lock) == {"foo-bar": "1.0"}
    reqs = {"b.txt": "alpha==2.0\n", "a.txt": "alpha==1.0\nbeta>=1\n# c==1\n"}
    assert versions_from_requirements(reqs) == {"alpha": "1.0"}
    rows = dependency_rows({"fastapi": "1.0", "pytest": "8.0"}, {"fastapi": "0.9", "zzz": "1"})
    assert [(r.name, r.change) for r in rows] == [
        ("fastapi", "downgraded"),
        ("pytest", "removed"),
        ("zzz", "added"),
    ]


def test_reads_what_verify_saves(tmp_path: Path) -> None:
    from toolshift.verify import Check, CheckStatus, VerifyResult, save_result

    root = _project(tmp_path, verify=False)
    result = VerifyResult(
        root=str(root),
        entry_id=ENTRY,
        checks=(Check("pip-check", CheckStatus.PASSED, "no broken requirements"),),
        seconds=3.0,
    )
    assert save_result(root, result) is not None
    inputs = gather(root, now=NOW)
    assert inputs.verify == result
    assert "| pip-check | ✅ passed | no broken requirements |" in render_markdown(inputs)


def test_uv_to_pip_reads_the_lock_before_and_requirements_after(tmp_path: Path) -> None:
    root = tmp_path / "svc"
    root.mkdir()
    lock = (
        "version = 1\n"
        '[[package]]\nname = "svc"\nversion = "0.1.0"\nsource = { virtual = "." }\n'
        '[[package]]\nname = "alpha"\nversion = "1.0.0"\n'
        'source = { registry = "https://pypi.org/simple" }\n'
        '[[package]]\nname = "beta"\nversion = "1.2"\n'
        'source = { registry = "https://pypi.org/simple" }\n'
    )
    (root / "uv.lock").write_text(lock)
    plan = Plan(
        root=str(root),
        target="pip",
        changes=(
            FileChange("uv.lock", lock.encode(), None, ("TS122",)),
            FileChange("requirements.txt", None, b"alpha==1.0.0\nbeta==1.2\n", ("TS121",)),
        ),
    )
    apply_plan(plan, command="toolshift migrate --to pip .")
    inputs = gather(root, now=NOW)
    assert inputs.source_tool == "uv" and inputs.before_complete
    assert inputs.before == {"alpha": "1.0.0", "beta": "1.2"}
    assert inputs.before_source == "uv.lock from the journal's backup"
    assert inputs.after == {"alpha": "1.0.0", "beta": "1.2"}
    assert inputs.after_source == "requirements.txt"
    text = render_markdown(inputs)
    assert text.startswith("# Migration of svc: uv -> pip\n")
    assert "| `uv.lock` | deleted | TS122 | remove uv.lock" in text
    assert "2 same." in text
    assert "git checkout HEAD -- uv.lock\nrm -f requirements.txt\n" in text


def test_audit_that_was_not_available_says_why_and_claims_nothing(tmp_path: Path) -> None:
    import json

    root = _project(tmp_path)
    last = root / ".toolshift" / "verify" / "last.json"
    doc = json.loads(last.read_text())
    doc["audit"] = {
        "service": "pypi",
        "available": False,
        "unavailable": "pip-audit could not audit any of the 7 package(s) of the after "
        "environment: Dependency not found on PyPI and could not be audited: fastapi (0.115.0)",
        "findings": [],
    }
    last.write_text(json.dumps(doc))
    text = render_markdown(gather(root, now=NOW))
    assert (
        "- [ ] Audit the dependencies for known vulnerabilities where pip-audit's service "
        "answers (`toolshift verify --audit` could not, see above).\n" in text
    )
    section = text.split("## Security audit\n\n", 1)[1].split("\n## ", 1)[0]
    assert section == (
        "Audit not available: pip-audit could not audit any of the 7 package(s) of the after "
        "environment: Dependency not found on PyPI and could not be audited: fastapi "
        "(0.115.0).\n"
    )
    # verify ran without --audit: the report names the command, and nothing more
    del doc["audit"]
    last.write_text(json.dumps(doc))
    text = render_markdown(gather(root, now=NOW))
    assert "## Security audit\n\nNot audited: run `toolshift verify --audit`.\n" in text
    assert "vulnerabilit" not in text.split("## Security audit", 1)[1].split("## ", 1)[0]
    assert "Audit the dependencies" not in text


def test_http_result_of_another_entry_is_not_used(tmp_path: Path) -> None:
    root = _project(tmp_path)
    http = root / ".toolshift" / "verify" / "http.json"
    http.write_text(http.read_text().replace(ENTRY, "20260101T000000Z-ffffff"))
    inputs = gather(root, now=NOW)
    assert inputs.http is None
    text = render_markdown(inputs)
    assert (
        "## HTTP equivalence\n\nthe last HTTP replay was against journal entry "
        "20260101T000000Z-ffffff, not 20260315T101500Z-a1b2c3.\n" in text
    )
    # no replay at all, after a toolchain migration: no section
    http.unlink()
    assert "## HTTP equivalence" not in render_markdown(gather(root, now=NOW))
    # ... after a --to fastapi one: the command that would measure it
    manifest = root / ".toolshift" / "history" / ENTRY / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"target": "uv"', '"target": "fastapi"'))
    text = render_markdown(gather(root, now=NOW))
    assert "## HTTP equivalence\n\nnot replayed yet: run `toolshift verify --http`.\n" in text


def test_reads_what_verify_http_saves(tmp_path: Path) -> None:
    from toolshift.http_equivalence import (
        Answer,
        HttpResult,
        Outcome,
        Request,
        Verdict,
    )
    from toolshift.verify import save_http_result

    root = _project(tmp_path)
    (root / ".toolshift" / "verify" / "http.json").unlink()
    ok, err = Answer(200, {}, "{}"), Answer(500, {}, "boom")
    result = HttpResult(
        app="app.main:app",
        entry_id=ENTRY,
        python="python",
        recorded=2,
        probes=0,
        tests_summary="2 passed",
        outcomes=(
            Outcome(Request("GET", "/a", source="t::a"), ok, ok, Verdict.EQUAL),
            Outcome(
                Request("GET", "/b?token=https://u:pw@x.example", source="t::b"),
                ok,
                err,
                Verdict.REGRESSION,
                ("status 200 -> 500",),
            ),
        ),
    )
    path = save_http_result(root, result.to_json())
    assert path is not None and "pw@" not in path.read_text()
    inputs = gather(root, now=NOW)
    assert inputs.http is not None
    assert (inputs.http.requests, inputs.http.equal, len(inputs.http.regressions)) == (2, 1, 1)
    text = render_markdown(inputs)
    assert "| 2 | 1 | 0 | 1 |" in text
    assert "| `GET /b?token=https://****:****@x.example` | t::b | 200 -> 500 |" in text
