"""bench --docker without an engine: the before build context rebuilt from the journal, the
measuring orchestration (engine calls replaced), the schema 1 -> 2 migration of the history,
the image chart, ``--history``, and the report's Images section. The real builds are in
tests/containers/test_bench_images.py (marked docker)."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
from contextlib import redirect_stdout
from dataclasses import replace
from pathlib import Path

import pytest

from toolshift import docker_engine as de
from toolshift.apply import apply_plan
from toolshift.bench import store
from toolshift.bench.images import (
    AFTER,
    BEFORE,
    before_context,
    dependency_file,
    image_pairs,
    image_rows,
    image_statement,
    measure_images,
)
from toolshift.bench.scenarios import BenchEnvironment, BenchOptions, BenchResult, Skipped
from toolshift.cli.main import main
from toolshift.docker_engine import ImageFigures
from toolshift.errors import JournalError
from toolshift.model import FileChange, Plan
from toolshift.report.images import latest_with_images, render_image_section

PIP_DOCKERFILE = (
    b"FROM python:3.11-slim\r\nWORKDIR /app\r\nCOPY requirements.txt .\r\n"
    b"RUN pip install -r requirements.txt\r\nCOPY . .\r\n"
)
UV_DOCKERFILE = (
    b"FROM ghcr.io/astral-sh/uv:0.9.0 AS uv\nFROM python:3.11-slim\n"
    b"COPY --from=uv /uv /bin/uv\nWORKDIR /app\nCOPY pyproject.toml uv.lock ./\n"
    b"RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked\nCOPY . .\n"
)
ENV = BenchEnvironment(
    cpu="Test CPU",
    cores=2,
    os="Linux-test",
    python="3.11.9",
    python_path="/usr/bin/python3",
    pip="25.0",
    uv="0.9.0",
    index="the default index (PyPI)",
    network=True,
)
BEFORE_FIG = ImageFigures(
    "Dockerfile",
    40.0,
    2.0,
    30.0,
    250_000_000,
    side=BEFORE,
    dependency_file="requirements.txt",
    entry_id="20260101T000000Z-abcd",
    base_images=("python:3.11-slim",),
)
AFTER_FIG = ImageFigures(
    "Dockerfile",
    10.0,
    1.0,
    5.0,
    200_000_000,
    side=AFTER,
    dependency_file="uv.lock",
    base_images=("ghcr.io/astral-sh/uv:0.9.0", "python:3.11-slim"),
    pulled=("ghcr.io/astral-sh/uv:0.9.0",),
    cache_mount=True,
)


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def migrated(tmp_path: Path) -> Path:
    """A pip project migrated to uv through apply_plan (so the journal has the backups), and
    app code edited after the migration."""

    root = tmp_path / "svc"
    root.mkdir()
    (root / "Dockerfile").write_bytes(PIP_DOCKERFILE)
    (root / "requirements.txt").write_bytes(b"beta==1.2\n")
    (root / ".dockerignore").write_bytes(b".venv\n")
    (root / "app.py").write_bytes(b"print('v1')\n")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    plan = Plan(
        root=str(root),
        target="uv",
        changes=(
            FileChange("Dockerfile", PIP_DOCKERFILE, UV_DOCKERFILE, ("TS201",), ("uv",)),
            FileChange("requirements.txt", b"beta==1.2\n", None, ("TS101",), ("gone",)),
            FileChange("pyproject.toml", None, b"[project]\nname='svc'\n", ("TS101",), ("new",)),
            FileChange("uv.lock", None, b"version = 1\n", ("TS101",), ("new",)),
            FileChange("docker/Dockerfile.worker", None, b"FROM python:3.11-slim\n", (), ()),
        ),
    )
    apply_plan(plan, command="toolshift migrate --to uv")
    (root / "app.py").write_bytes(b"print('v2, edited after the migration')\n")
    return root


def test_before_context_puts_the_journal_backups_back_in_a_copy(
    migrated: Path, tmp_path: Path
) -> None:
    from toolshift.verify import select_entry

    entry, _ = select_entry(migrated, None)
    assert entry is not None
    untouched = _tree_digest(migrated)
    ctx = before_context(migrated, entry, tmp_path / "before")
    # the migration's files as they were, byte for byte (CRLF kept)
    assert (ctx / "Dockerfile").read_bytes() == PIP_DOCKERFILE
    assert (ctx / "requirements.txt").read_bytes() == b"beta==1.2\n"
    # what it created is gone, the rest of the tree is as it is now
    assert not (ctx / "uv.lock").exists() and not (ctx / "pyproject.toml").exists()
    assert not (ctx / "docker" / "Dockerfile.worker").exists()
    assert (ctx / "app.py").read_bytes() == b"print('v2, edited after the migration')\n"
    assert (ctx / ".dockerignore").read_bytes() == b".venv\n"
    # no journal, no VCS folder in a build context
    assert not (ctx / ".toolshift").exists() and not (ctx / ".git").exists()
    assert dependency_file(ctx) == "requirements.txt"
    assert dependency_file(migrated) == "uv.lock"
    # the project itself was only read
    assert _tree_digest(migrated) == untouched


def _fake_engine(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """Replace the engine: every image_figures call is recorded with what its context held."""

    calls: list[dict[str, object]] = []

    def figures(
        root: Path,
        dockerfile: str,
        dep: str,
        *,
        side: str = AFTER,
        entry_id: str = "",
        change: object = None,
    ) -> ImageFigures:
        calls.append(
            {
                "side": side,
                "dockerfile": dockerfile,
                "dep": dep,
                "entry": entry_id,
                "text": (root / dockerfile).read_bytes(),
                "has_lock": (root / "uv.lock").exists(),
                "change": change,
            }
        )
        return ImageFigures(
            dockerfile, 3.0, 1.0, 2.0, 10**8, side=side, entry_id=entry_id, dependency_file=dep
        )

    monkeypatch.setattr(de, "engine_available", lambda: None)
    monkeypatch.setattr(de, "server_version", lambda: "26.1.5")
    monkeypatch.setattr(de, "image_figures", figures)
    return calls


def test_measure_images_builds_before_from_the_journal_and_after_from_now(
    migrated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _fake_engine(monkeypatch)
    untouched = _tree_digest(migrated)
    ran = measure_images(migrated)
    sides = [(c["side"], c["dockerfile"]) for c in calls]
    assert sides == [
        (BEFORE, "Dockerfile"),
        (AFTER, "Dockerfile"),
        (AFTER, "docker/Dockerfile.worker"),
    ]
    before, after = calls[0], calls[1]
    assert before["text"] == PIP_DOCKERFILE and before["dep"] == "requirements.txt"
    assert before["has_lock"] is False and before["entry"]
    assert after["text"] == UV_DOCKERFILE and after["dep"] == "uv.lock"
    assert [f.side for f in ran.figures] == [BEFORE, AFTER, AFTER]
    reasons = {s.what: s.reason for s in ran.skipped}
    assert "created it" in reasons["docker image build, before: docker/Dockerfile.worker"]
    assert "no package was added" in reasons["docker image build, after a new dependency"]
    assert ran.notes == ("image builds on Docker engine 26.1.5",)
    assert _tree_digest(migrated) == untouched
    assert all(c["change"] is None for c in calls)
    # --docker-add: every build gets the same change; the comment-line note is not given
    calls.clear()
    ran = measure_images(migrated, add="delta==1.0")
    assert len(calls) == 3 and all(callable(c["change"]) for c in calls)
    assert not [s for s in ran.skipped if "after a new dependency" in s.what]


def test_measure_images_without_a_journal_measures_now_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _fake_engine(monkeypatch)
    (tmp_path / "Dockerfile").write_bytes(PIP_DOCKERFILE)
    (tmp_path / "requirements.txt").write_text("beta==1.2\n")
    ran = measure_images(tmp_path)
    assert [c["side"] for c in calls] == [AFTER]
    before = [s for s in ran.skipped if s.what.endswith("before the migration")]
    assert before and "no migration has been applied yet" in before[0].reason
    with pytest.raises(JournalError):
        measure_images(tmp_path, entry_id="nope")


def test_measure_images_without_an_engine_is_skipped_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOOLSHIFT_DOCKER", str(tmp_path / "no-such-docker"))
    (tmp_path / "Dockerfile").write_bytes(PIP_DOCKERFILE)
    ran = measure_images(tmp_path)
    assert ran.figures == ()
    assert len(ran.skipped) == 1 and "docker command is not available" in ran.skipped[0].reason


def test_bench_rejects_a_wrong_id_before_measuring(tmp_path: Path) -> None:
    from toolshift.bench.runner import run_bench
    from toolshift.bench.scenarios import BenchOptions

    with pytest.raises(JournalError, match="no single journal entry"):
        run_bench(tmp_path, BenchOptions(docker=True, docker_entry="nope"))
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["bench", str(tmp_path), "--id", "x"]) == 2


def test_base_images_and_cache_mounts() -> None:
    text = (
        "ARG PY=3.12\nFROM python:${PY}-slim AS build\nFROM build AS test\n"
        "FROM scratch\nCOPY --from=ghcr.io/astral-sh/uv:0.9.0 /uv /bin/\n"
        "COPY --from=build /app /app\nCOPY --from=0 /x /x\nFROM $UNKNOWN\n"
    )
    assert de.base_images(text) == ["python:3.12-slim", "ghcr.io/astral-sh/uv:0.9.0"]
    assert de.base_images(UV_DOCKERFILE.decode()) == [
        "ghcr.io/astral-sh/uv:0.9.0",
        "python:3.11-slim",
    ]
    assert de.uses_cache_mount(UV_DOCKERFILE.decode())
    assert not de.uses_cache_mount(PIP_DOCKERFILE.decode())
    assert de.uses_cache_mount("RUN --mount=target=/c,type=cache pip install x\n")


# --------------------------------------------------------------------------- pure summaries


def test_image_rows_pair_before_and_after_with_the_ratio() -> None:
    rows = image_rows([AFTER_FIG, BEFORE_FIG])
    assert [(r.figure, r.before, r.after, r.ratio) for r in rows] == [
        ("build, cold (--no-cache)", "40.0 s", "10.0 s", "4.0x"),
        ("build, cached (nothing changed)", "2.00 s", "1.00 s", "2.0x"),
        ("build after the dependency file changed", "30.0 s", "5.00 s", "6.0x"),
        ("image size", "250 MB", "200 MB", "1.2x"),
    ]
    # a cold build that failed has no figure at all
    failed = replace(BEFORE_FIG, cold=0, cached=0, dependency_changed=0, size_bytes=0, error="x")
    only_after = image_rows([failed, AFTER_FIG, replace(AFTER_FIG, dockerfile="w/Dockerfile")])
    assert [r.before for r in only_after[:4]] == ["failed"] * 4
    assert only_after[0].ratio == "-" and only_after[0].after == "10.0 s"
    assert only_after[4].dockerfile == "w/Dockerfile" and only_after[4].before == "-"
    # a later build that failed: what was measured is still shown
    partial = replace(BEFORE_FIG, dependency_changed=0, error="uv add failed")
    rows = image_rows([partial, AFTER_FIG])
    assert [(r.before, r.ratio) for r in rows] == [
        ("40.0 s", "4.0x"),
        ("2.00 s", "2.0x"),
        ("failed", "-"),
        ("250 MB", "1.2x"),
    ]
    assert [p.dockerfile for p in image_pairs([AFTER_FIG, BEFORE_FIG])] == ["Dockerfile"]


def test_image_statement_says_what_was_pulled_and_what_the_network_counts() -> None:
    text = image_statement([BEFORE_FIG, AFTER_FIG], ("image builds on Docker engine 26.1.5",))
    assert "(Docker engine 26.1.5)" in text
    assert "network to the package index is included" in text
    assert "python:3.11-slim already in the engine's image store, not pulled" in text
    assert "ghcr.io/astral-sh/uv:0.9.0 pulled before measuring, outside every figure" in text
    assert "journal entry 20260101T000000Z-abcd" in text
    assert "Dockerfile (after) uses a BuildKit cache mount" in text
    assert "no package is added" in text
    added = [
        replace(BEFORE_FIG, dependency_change="delta==1.0 appended to requirements.txt"),
        replace(AFTER_FIG, dependency_change="delta==1.0 added with `uv add --no-sync` (x)"),
    ]
    text = image_statement(added)
    assert (
        "rebuilds after a change made in a temporary copy: before: delta==1.0 appended to "
        "requirements.txt; after: delta==1.0 added with" in text
    )
    assert "no package is added" not in text
    mixed = image_statement([added[0], AFTER_FIG])
    assert "requirements.txt; after: a comment line appended" in mixed
    fetched = replace(AFTER_FIG, pulled=(), fetched_in_build=("ghcr.io/astral-sh/uv:0.9.0",))
    assert "inside the cold figure" in image_statement([fetched])
    assert image_statement([]) == ""


def _result(images: tuple[ImageFigures, ...], started: str = "2026-01-02T03:04:05Z") -> BenchResult:
    return BenchResult(
        root="/svc",
        started=started,
        environment=ENV,
        package_source="requirements.txt",
        packages=("beta==1.2",),
        runs=1,
        images=images,
        skipped=(Skipped("docker image build, before the migration", "no migration applied"),),
        notes=("image builds on Docker engine 26.1.5",),
    )


def test_render_image_section() -> None:
    md = render_image_section(
        _result((BEFORE_FIG, AFTER_FIG)), run_id=7, chart="bench/bench-images.svg"
    )
    assert md.startswith(
        "### Images\n\nRun 7 of `toolshift bench --docker`, 2026-01-02T03:04:05Z, measured:\n\n"
        "- one `docker build --network host` per figure"
    )
    assert "\n- base images: python:3.11-slim already in the engine's image store" in md
    assert "| `Dockerfile` | build, cold (--no-cache) | 40.0 s | 10.0 s | 4.0x |" in md
    assert "| `Dockerfile` | image size | 250 MB | 200 MB | 1.2x |" in md
    assert "![image builds before vs after](bench/bench-images.svg)" in md
    assert "No before figures" not in md
    only_after = render_image_section(_result((AFTER_FIG,)), heading="##")
    assert only_after.startswith("## Images\n")
    assert "No before figures: no migration applied." in only_after
    failed = render_image_section(
        _result((replace(BEFORE_FIG, error="x\nERROR: boom|"), AFTER_FIG))
    )
    assert "The before build of `Dockerfile` failed: `ERROR: boom\\|`" in failed
    assert render_image_section(None) == ""
    assert render_image_section(_result(())) == ""


# --------------------------------------------------------------------------- history


# the schema toolshift wrote before image figures were kept (user_version 1)
SCHEMA_V1 = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, started TEXT NOT NULL, root TEXT NOT NULL,
    package_source TEXT NOT NULL, packages TEXT NOT NULL, runs INTEGER NOT NULL,
    entry TEXT NOT NULL, environment TEXT NOT NULL, network INTEGER NOT NULL,
    index_used TEXT NOT NULL, total_seconds REAL NOT NULL, measured_seconds REAL NOT NULL,
    prepare_seconds REAL NOT NULL, skipped TEXT NOT NULL
);
CREATE TABLE series (
    run_id INTEGER NOT NULL REFERENCES runs(id), scenario TEXT NOT NULL,
    variant TEXT NOT NULL, category TEXT NOT NULL, times TEXT NOT NULL, n INTEGER NOT NULL,
    min REAL, median REAL, max REAL, peak_rss_kib INTEGER, packages INTEGER,
    error TEXT NOT NULL
);
CREATE INDEX series_run ON series(run_id);
PRAGMA user_version = 1;
"""


def _v1_database(root: Path) -> Path:
    db = store.db_path(root)
    db.parent.mkdir(parents=True)
    con = sqlite3.connect(db)
    con.executescript(SCHEMA_V1)
    with con:
        con.execute(
            "INSERT INTO runs (started, root, package_source, packages, runs, entry, environment,"
            " network, index_used, total_seconds, measured_seconds, prepare_seconds, skipped)"
            " VALUES ('2025-12-01T00:00:00Z', '/svc', 'requirements.txt', '[\"beta==1.2\"]', 3,"
            " 'app', ?, 1, 'PyPI', 9.0, 8.0, 0.5, '[]')",
            (json.dumps(ENV.to_dict()),),
        )
        con.execute(
            "INSERT INTO series VALUES (1, 'install-cold', 'pip', '', '[1.0, 2.0, 3.0]', 3,"
            " 1.0, 2.0, 3.0, NULL, NULL, '')"
        )
    con.close()
    return db


def test_a_schema_1_history_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    db = _v1_database(tmp_path)
    [old] = store.load(tmp_path)
    assert old.id == 1 and old.result.started == "2025-12-01T00:00:00Z"
    assert old.result.images == () and old.result.notes == ()
    assert [s.times for s in old.result.series] == [(1.0, 2.0, 3.0)]
    added = replace(AFTER_FIG, dependency_change="delta==1.0 appended to requirements.txt")
    new_id = store.save(tmp_path, _result((BEFORE_FIG, added)))
    runs = store.load(tmp_path)
    assert [h.id for h in runs] == [1, new_id]
    assert runs[0].result == old.result  # the migration kept the old run as it was
    assert runs[1].result == _result((BEFORE_FIG, added))  # images and notes round-trip
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == store.SCHEMA_VERSION == 2
    con.close()


def test_history_shows_image_figures(tmp_path: Path) -> None:
    store.save(tmp_path, _result(()))
    store.save(tmp_path, _result((BEFORE_FIG, AFTER_FIG), started="2026-01-03T00:00:00Z"))
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["bench", str(tmp_path), "--history"]) == 0
    text = buf.getvalue()
    assert "docker images: before -> after" in text
    line = next(ln for ln in text.splitlines() if "20260101T000000Z-abcd" in ln)
    assert line.split()[:2] == ["2", "2026-01-03"]
    assert "40.0 s -> 10.0 s" in line and "250 MB -> 200 MB" in line
    # the run without image figures has no image row
    assert sum(" MB -> " in ln for ln in text.splitlines()) == 1
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["bench", str(tmp_path), "--history", "--format", "json"]) == 0
    doc = json.loads(buf.getvalue())
    runs = doc.get("result", doc)["runs"]
    assert [len(r["images"]) for r in runs] == [0, 2]
    assert runs[1]["images"][0]["side"] == "before"
    assert runs[1]["images"][1]["pulled"] == ["ghcr.io/astral-sh/uv:0.9.0"]
    assert "pulled before measuring" in runs[1]["images_measured"]
    assert latest_with_images(store.load(tmp_path)) is not None


# --------------------------------------------------------------------------- chart


def test_image_chart_is_a_valid_png_and_svg_with_two_panels(tmp_path: Path) -> None:
    from toolshift.bench.chart import write_image_chart

    out = write_image_chart(_result((BEFORE_FIG, AFTER_FIG)), tmp_path / "out")
    assert out is not None
    png, svg = out
    assert png.name == "bench-images.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = svg.read_text()
    assert text.lstrip().startswith(("<?xml", "<svg"))
    # seconds and megabytes are two axes: two panels, each with its own label
    assert "image size" in text and "seconds (one build each)" in text and ">MB" not in text
    assert text.count('id="axes_') == 2
    first = svg.read_bytes()
    write_image_chart(_result((BEFORE_FIG, AFTER_FIG)), tmp_path / "out")
    assert svg.read_bytes() == first
    # nothing measured (or everything failed): no chart
    assert write_image_chart(_result(()), tmp_path / "none") is None
    cold_failed = replace(
        AFTER_FIG, cold=0, cached=0, dependency_changed=0, size_bytes=0, error="x"
    )
    assert write_image_chart(_result((cold_failed,)), tmp_path / "none") is None
    assert not (tmp_path / "none").exists()


# --------------------------------------------------------------------------- --docker-add


def test_add_requirement_to_a_requirements_file_keeps_its_newlines(tmp_path: Path) -> None:
    from toolshift.bench.images import add_requirement
    from toolshift.errors import ToolError

    (tmp_path / "requirements.txt").write_bytes(b"# deps\r\nbeta==1.2")
    said = add_requirement("delta==1.0")(tmp_path, "requirements.txt")
    assert said == "delta==1.0 appended to requirements.txt"
    assert (tmp_path / "requirements.txt").read_bytes() == b"# deps\r\nbeta==1.2\r\ndelta==1.0\r\n"
    (tmp_path / "setup.py").write_text("")
    with pytest.raises(ToolError, match=r"cannot add a dependency to setup\.py"):
        add_requirement("delta==1.0")(tmp_path, "setup.py")


@pytest.mark.slow
def test_add_requirement_to_a_uv_project_relocks(tmp_path: Path, wheelhouse: Path) -> None:
    from toolshift.bench.images import add_requirement
    from toolshift.errors import ToolError
    from toolshift.tools import find_uv, run

    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "0"\nrequires-python = ">=3.11"\n'
        'dependencies = [\n    "beta==1.2",  # the web part\n]\n\n'
        f'[tool.uv]\npackage = false\nno-index = true\nfind-links = ["{wheelhouse}"]\n'
    )
    done = run([find_uv().path, "lock", "--offline"], cwd=ctx, timeout=120)
    assert done.returncode == 0, done.output
    said = add_requirement("delta==1.0")(ctx, "uv.lock")
    assert said == "delta==1.0 added with `uv add --no-sync` (pyproject.toml and uv.lock)"
    text = (ctx / "pyproject.toml").read_text()
    assert '"delta==1.0"' in text and "# the web part" in text  # uv edits, keeps comments
    assert 'name = "delta"' in (ctx / "uv.lock").read_text()
    assert not (ctx / ".venv").exists()  # --no-sync
    with pytest.raises(ToolError, match="uv add nosuchpackage==9 failed"):
        add_requirement("nosuchpackage==9")(ctx, "uv.lock")


def test_bench_docker_cli_prints_saves_and_charts_the_image_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI around the measuring (run_bench replaced by recorded figures)."""

    from toolshift.bench import runner

    seen: list[BenchOptions] = []

    def fake_run_bench(
        root: Path, options: BenchOptions, *, progress: object = None
    ) -> BenchResult:
        seen.append(options)
        return _result((BEFORE_FIG, AFTER_FIG))

    monkeypatch.setattr(runner, "run_bench", fake_run_bench)
    out = tmp_path / "charts"
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(
            ["bench", str(tmp_path), "--docker", "--docker-add", "delta==1.0", "--out", str(out)]
        )
    assert code == 0
    options = seen[0]
    assert options.docker is True and options.docker_add == "delta==1.0"
    text = buf.getvalue()
    assert "docker images, before vs after the migration" in text
    row = next(ln for ln in text.splitlines() if "build, cold (--no-cache)" in ln)
    assert row.split()[-5:] == ["40.0", "s", "10.0", "s", "4.0x"]
    assert "images measured: one `docker build --network host`" in text
    assert "python:3.11-slim already in the engine's image store, not pulled" in text
    assert f"image chart: {out / 'bench-images.png'}" in text
    assert (out / "bench-images.svg").is_file()
    [kept] = store.load(tmp_path)
    assert kept.result.images == (BEFORE_FIG, AFTER_FIG)
