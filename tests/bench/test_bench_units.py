"""bench's pure parts (command builders, pins, summaries) and its store, without installs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from toolshift.bench import store
from toolshift.bench.runner import find_entry
from toolshift.bench.scenarios import (
    BenchEnvironment,
    BenchResult,
    IndexArgs,
    Scenario,
    Series,
    Skipped,
    Variant,
    markdown_table,
    measured_statement,
    parse_pins,
    pip_install,
    pip_resolve,
    ratio,
    summary_rows,
    uv_install,
    uv_resolve,
)
from toolshift.errors import InputError

ENV = BenchEnvironment(
    cpu="Test CPU",
    cores=2,
    os="Linux-test",
    python="3.12.1",
    python_path="/usr/bin/python3",
    pip="25.0",
    uv="0.9.0",
    index="the default index (PyPI)",
    network=True,
)


def result(**kw: object) -> BenchResult:
    series = (
        Series(Scenario.VENV, Variant.UV, (0.02, 0.03)),
        Series(Scenario.RESOLVE, Variant.PIP, (2.0, 3.0, 4.0)),
        Series(Scenario.RESOLVE, Variant.UV, (0.5, 0.5, 0.5)),
        Series(Scenario.COLD, Variant.PIP, (10.0, 12.0, 11.0)),
        Series(Scenario.COLD, Variant.UV, (1.0, 1.0, 1.0)),
        Series(Scenario.COLD, Variant.UV_BYTECODE, (4.0, 4.0, 4.0)),
        Series(Scenario.WARM, Variant.PIP, (), error="exit 1: boom"),
        Series(Scenario.WARM, Variant.UV, (0.2, 0.2, 0.2)),
        Series(Scenario.COLD, Variant.PIP, (3.0,), category="web-framework", packages=3),
        Series(Scenario.COLD, Variant.UV, (1.5,), category="web-framework", packages=3),
        Series(Scenario.STARTUP, Variant.UV, (0.3, 0.3, 0.3), peak_rss_kib=40000),
    )
    base: dict[str, object] = {
        "root": "/svc",
        "started": "2026-01-02T03:04:05Z",
        "environment": ENV,
        "package_source": "the runtime requirement files requirements.txt",
        "packages": ("fastapi==0.1", "starlette==0.2"),
        "runs": 3,
        "series": series,
        "skipped": (Skipped("docker image build", "no docker command on this machine"),),
        "entry": "app.main",
        "total_seconds": 60.0,
        "measured_seconds": 59.0,
        "prepare_seconds": 0.5,
    }
    base.update(kw)
    return BenchResult(**base)  # type: ignore[arg-type]


def test_pip_resolve_is_a_dry_run_report_of_the_same_files() -> None:
    idx = IndexArgs("/wheels", offline=True)
    argv = pip_resolve("/v/bin/python", ["/p/requirements.txt"], "/c", idx)
    assert argv[:4] == ["/v/bin/python", "-m", "pip", "install"]
    for flag in ("--dry-run", "--ignore-installed"):
        assert flag in argv
    assert argv[argv.index("--report") + 1] == "-"
    assert argv[argv.index("--cache-dir") + 1] == "/c"
    assert argv[-2:] == ["-r", "/p/requirements.txt"]
    assert "--no-index" in argv and argv[argv.index("--find-links") + 1] == "/wheels"
    uv = uv_resolve("uv", "/v/bin/python", ["/p/requirements.txt"], "/c", idx)
    assert uv[:3] == ["uv", "pip", "compile"]
    assert uv[-1] == "/p/requirements.txt"
    assert "--offline" in uv and "--no-index" in uv


def test_install_commands_differ_only_where_the_tools_do() -> None:
    idx = IndexArgs()
    assert IndexArgs().pip() == [] and IndexArgs().uv() == []
    pip = pip_install("/v/bin/python", ["r.txt"], "/c", idx, no_deps=True)
    assert "--no-deps" in pip and "--compile-bytecode" not in pip
    plain = uv_install("uv", "/v/bin/python", ["r.txt"], "/c", idx, bytecode=False)
    compiled = uv_install("uv", "/v/bin/python", ["r.txt"], "/c", idx, bytecode=True)
    assert "--compile-bytecode" not in plain
    assert [a for a in compiled if a != "--compile-bytecode"] == plain
    assert plain[plain.index("--python") + 1] == "/v/bin/python"


def test_parse_pins_reads_compiled_output() -> None:
    text = (
        "# via something\n"
        "--index-url https://example.org/simple\n"
        "alpha==2.0.0\n"
        "    # via beta\n"
        "uvicorn[standard]==0.30.0 ; python_version >= '3.8'\n"
        "beta >= 1\n"
        "-e ./local\n"
    )
    assert parse_pins(text) == [("alpha", "2.0.0"), ("uvicorn", "0.30.0")]


def test_series_statistics_and_ratios() -> None:
    r = result()
    pip = r.get(Scenario.COLD, Variant.PIP)
    assert pip is not None and (pip.min, pip.median, pip.max) == (10.0, 11.0, 12.0)
    assert ratio(pip, r.get(Scenario.COLD, Variant.UV)) == 11.0
    assert ratio(pip, r.get(Scenario.COLD, Variant.UV_BYTECODE)) == 2.75
    # a failed series or a missing one gives no ratio, never a made-up number
    assert ratio(r.get(Scenario.WARM, Variant.PIP), r.get(Scenario.WARM, Variant.UV)) is None
    assert ratio(pip, r.get(Scenario.NOOP, Variant.UV)) is None
    assert r.overhead_seconds == pytest.approx(1.0)
    assert r.categories() == ["web-framework"]


def test_summary_rows_raw_and_fair_ratio() -> None:
    rows = {row.label: row for row in summary_rows(result())}
    cold = rows["install, cold cache"]
    assert (cold.raw, cold.fair) == ("11.0x", "2.8x")
    assert cold.pip == "11.000 s (10.000-12.000)"
    assert rows["resolve"].uv_bytecode == "n/a" and rows["resolve"].raw == "6.0x"
    assert rows["install, warm cache"].pip == "failed"
    assert rows["install, warm cache"].raw == "-"
    assert "no-op install" not in rows  # nothing measured, no row
    assert rows["startup (first import)"].uv == "0.300 s (0.300-0.300)"
    cat = summary_rows(result(), "web-framework")
    assert [(c.label, c.raw) for c in cat] == [("install, cold cache", "2.0x")]
    table = markdown_table(result())
    assert table.splitlines()[0].startswith("| scenario | pip | uv |")
    assert "| install, cold cache | 11.000 s (10.000-12.000) |" in table


def test_measured_statement_says_whether_the_network_counts() -> None:
    assert "network time to the index is included" in measured_statement(result())
    offline = result(environment=BenchEnvironment(**{**ENV.to_dict(), "network": False}))  # type: ignore[arg-type]
    assert "no network" in measured_statement(offline)
    assert "pip 25.0 and uv 0.9.0 on Python 3.12.1" in measured_statement(offline)


def test_store_round_trip(tmp_path: Path) -> None:
    assert store.load(tmp_path) == []
    first = store.save(tmp_path, result())
    second = store.save(tmp_path, result(started="2026-01-03T00:00:00Z"))
    assert second > first
    runs = store.load(tmp_path)
    assert [h.id for h in runs] == [first, second]
    back = runs[0].result
    assert back == result()
    assert runs[1].result.started == "2026-01-03T00:00:00Z"
    # the journal folder's .gitignore keeps the database out of commits
    assert (tmp_path / ".toolshift" / ".gitignore").is_file()


def test_store_refuses_a_newer_schema_and_garbage(tmp_path: Path) -> None:
    db = store.db_path(tmp_path)
    db.parent.mkdir()
    with sqlite3.connect(db) as con:
        con.execute("PRAGMA user_version = 99")
    con.close()
    with pytest.raises(InputError, match="newer"):
        store.load(tmp_path)
    db.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InputError, match="not a bench history"):
        store.load(tmp_path)


def test_find_entry(tmp_path: Path) -> None:
    assert find_entry(tmp_path) is None
    (tmp_path / "app.py").write_text("")
    assert find_entry(tmp_path) == "app"
    (tmp_path / "main.py").write_text("")
    assert find_entry(tmp_path) == "main"
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("")
    assert find_entry(tmp_path) == "app.main"


def test_chart_from_recorded_figures(tmp_path: Path) -> None:
    from toolshift.bench.chart import write_chart

    png, svg = write_chart(result(), tmp_path / "out")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert svg.read_text().lstrip().startswith(("<?xml", "<svg"))
    # the same figures give the same SVG (no date, fixed ids)
    first = svg.read_bytes()
    write_chart(result(), tmp_path / "out")
    assert svg.read_bytes() == first


@pytest.mark.slow
def test_uv_project_package_set_is_the_runtime_export(tmp_path: Path, wheelhouse: Path) -> None:
    from toolshift.bench.runner import _Bench
    from toolshift.bench.scenarios import BenchOptions
    from toolshift.locking import lock_env
    from toolshift.tools import find_uv, run

    root = tmp_path / "svc"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        'dependencies = ["beta==1.2"]\n\n[dependency-groups]\ndev = ["devtool==3.0"]\n\n'
        "[tool.uv]\npackage = false\n"
    )
    env = lock_env(str(tmp_path / "cfg"))
    done = run(
        [find_uv().path, "lock", "--no-index", "--find-links", str(wheelhouse)],
        cwd=root,
        extra_env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.output
    work = tmp_path / "work"
    work.mkdir()
    bench = _Bench(root, BenchOptions(find_links=str(wheelhouse), offline=True), work, print)
    files, source = bench.requirement_files()
    assert source.startswith("uv.lock (uv export --frozen")
    assert parse_pins(Path(files[0]).read_text()) == [("alpha", "2.0.0"), ("beta", "1.2")]


def test_remove_later_deletes_the_folder(tmp_path: Path) -> None:
    import time

    from toolshift.bench.runner import remove_later

    folder = tmp_path / "junk"
    (folder / "a" / "b").mkdir(parents=True)
    (folder / "a" / "b" / "f.txt").write_text("x")
    remove_later(folder)
    deadline = time.monotonic() + 20
    while folder.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not folder.exists()


def test_the_python_the_project_states_is_used_when_uv_finds_it(tmp_path: Path) -> None:
    import sys

    from toolshift.bench.runner import _Bench
    from toolshift.bench.scenarios import BenchOptions

    ver = f"{sys.version_info.major}.{sys.version_info.minor}"
    root = tmp_path / "svc"
    root.mkdir()
    (root / "requirements.txt").write_text("alpha\n")
    (root / ".python-version").write_text(f"{ver}\n")
    (tmp_path / "w1").mkdir()
    bench = _Bench(root, BenchOptions(), tmp_path / "w1", print)
    assert bench.clock.notes and f"Python {ver}, as the project states" in bench.clock.notes[0]
    # a version no interpreter here has: noted, and the running one is used
    (root / ".python-version").write_text("3.4\n")
    (tmp_path / "w2").mkdir()
    bench = _Bench(root, BenchOptions(), tmp_path / "w2", print)
    assert bench.python == sys.executable
    assert "which uv finds no interpreter for here" in bench.clock.notes[0]
    # --python wins, without a note
    (tmp_path / "w3").mkdir()
    bench = _Bench(root, BenchOptions(python=sys.executable), tmp_path / "w3", print)
    assert bench.python == sys.executable and not bench.clock.notes
