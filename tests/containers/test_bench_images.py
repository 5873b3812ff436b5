"""``toolshift bench --docker`` on a real engine (the private one of conftest.py, reached through
DOCKER_HOST as a user's would be): a tiny service migrated pip -> uv through the journal, its
image built before (pip Dockerfile and requirements.txt put back from the journal's backups)
and after (uv Dockerfile and uv.lock), cold, cached and after adding one dependency
(``--docker-add``: a requirements line for pip, ``uv add`` for uv).
Everything installs from the test wheelhouse copied into the build context: no index, so the
six builds take seconds. No timing is compared across tools; only what must hold."""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from toolshift.tools import find_uv, run

from .engine import DOCKER_CLIENT, Engine, Images, Unavailable

pytestmark = [pytest.mark.docker, pytest.mark.timeout(900)]

PIP_DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /app
COPY wheels/ /wheels/
COPY requirements.txt .
RUN pip install --no-cache-dir --no-index --find-links /wheels -r requirements.txt
COPY app.py .
CMD ["python", "app.py"]
"""
UV_DOCKERFILE = """\
FROM ghcr.io/astral-sh/uv:{uv} AS uv
FROM python:3.11-slim
COPY --from=uv /uv /bin/uv
ENV UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1
WORKDIR /app
COPY wheels/ wheels/
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-install-project
COPY app.py .
CMD ["/app/.venv/bin/python", "app.py"]
"""
PYPROJECT = """\
[project]
name = "tiny"
version = "0"
requires-python = ">=3.11"
dependencies = ["beta==1.2"]

[tool.uv]
package = false
no-index = true
find-links = ["wheels"]
"""
APP = "import beta\nprint('ok')\n"


def _digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".toolshift" not in p.relative_to(root).parts
    }


@pytest.fixture
def migrated(tmp_path: Path, wheelhouse: Path, images: Images) -> Path:
    """requirements.txt + a pip Dockerfile, migrated to pyproject.toml + uv.lock + a uv
    Dockerfile through apply_plan (so the journal holds the backups)."""

    from toolshift.apply import apply_plan
    from toolshift.model import FileChange, Plan

    uv_dockerfile = UV_DOCKERFILE.format(uv=find_uv().version_str)
    try:
        images.for_dockerfile(PIP_DOCKERFILE)
        images.for_dockerfile(uv_dockerfile)
    except Unavailable as exc:
        pytest.skip(f"no stand-in base image here: {exc}")
    proj = tmp_path / "svc"
    shutil.copytree(wheelhouse, proj / "wheels")
    (proj / "Dockerfile").write_text(PIP_DOCKERFILE, encoding="utf-8")
    (proj / "requirements.txt").write_text("beta==1.2\n", encoding="utf-8")
    (proj / "app.py").write_text(APP, encoding="utf-8")
    lock_dir = tmp_path / "lock"
    lock_dir.mkdir()
    (lock_dir / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (lock_dir / "wheels").symlink_to(proj / "wheels")
    done = run([find_uv().path, "lock", "--offline"], cwd=lock_dir, timeout=120)
    assert done.returncode == 0, done.output
    plan = Plan(
        root=str(proj),
        target="uv",
        changes=(
            FileChange(
                "Dockerfile", PIP_DOCKERFILE.encode(), uv_dockerfile.encode(), ("TS201",), ()
            ),
            FileChange("pyproject.toml", None, PYPROJECT.encode(), ("TS101",), ()),
            FileChange("uv.lock", None, (lock_dir / "uv.lock").read_bytes(), ("TS101",), ()),
        ),
    )
    apply_plan(plan, command="toolshift migrate --to uv")
    return proj


def _toolshift(engine: Engine, *argv: str) -> tuple[int, Any, str]:
    done = run(
        [sys.executable, "-m", "toolshift", *argv],
        extra_env={
            "DOCKER_HOST": engine.host,
            "DOCKER_CONFIG": str(engine.root),
            "TOOLSHIFT_DOCKER": DOCKER_CLIENT,
        },
        timeout=900,
    )
    return done.returncode, done.stdout, done.stderr


def test_bench_docker_before_and_after_kept_charted_and_in_history(
    engine: Engine, migrated: Path, wheelhouse: Path, tmp_path: Path
) -> None:
    untouched = _digest(migrated)
    out = tmp_path / "charts"
    code, stdout, stderr = _toolshift(
        engine,
        "bench", str(migrated), "--docker", "--docker-add", "delta==1.0",
        "--runs", "1", "--no-categories", "--no-startup",
        "--find-links", str(wheelhouse), "--offline", "--out", str(out), "--format", "json",
    )  # fmt: skip
    assert code == 0, stderr
    payload = json.loads(stdout)
    doc = payload.get("result", payload)
    figures = {im["side"]: im for im in doc["images"]}
    print(json.dumps(doc["images"], indent=1))
    assert set(figures) == {"before", "after"}, doc["skipped"]
    before, after = figures["before"], figures["after"]
    for im in (before, after):
        assert im["error"] == "", im["error"]
        assert im["dockerfile"] == "Dockerfile"
        assert im["size_bytes"] > 10_000_000  # a Python base image
        # the rebuild only finds cached layers; the changed dependency file reran the install
        assert 0 < im["cached_seconds"] < im["cold_seconds"]
        assert im["dependency_changed_seconds"] > im["cached_seconds"]
        # the stand-ins are in the engine's store: nothing was pulled
        assert im["pulled"] == [] and im["fetched_in_build"] == []
    # before: the pip Dockerfile and requirements.txt from the journal; after: uv and uv.lock
    assert before["dependency_file"] == "requirements.txt" and before["entry_id"]
    assert before["base_images"] == ["python:3.11-slim"]
    assert after["dependency_file"] == "uv.lock"
    # one real package added for the dependency figure: a line for pip, `uv add` for uv
    assert before["dependency_change"] == "delta==1.0 appended to requirements.txt"
    assert after["dependency_change"] == (
        "delta==1.0 added with `uv add --no-sync` (pyproject.toml and uv.lock)"
    )
    assert "no package is added" not in doc["images_measured"]
    # the builds count as measured time, not as bench's own overhead
    builds = sum(
        im[k] for im in (before, after)
        for k in ("cold_seconds", "cached_seconds", "dependency_changed_seconds")
    )  # fmt: skip
    assert doc["measured_seconds"] >= builds
    assert after["base_images"][0].startswith("ghcr.io/astral-sh/uv:")
    assert "already in the engine's image store, not pulled" in doc["images_measured"]
    assert f"journal entry {before['entry_id']}" in doc["images_measured"]
    # the image chart is real
    png, svg = (Path(p) for p in doc["image_chart"])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "image size" in svg.read_text()
    # the project was only read, and no image is left behind
    assert _digest(migrated) == untouched
    assert "toolshift-bench" not in engine.check("image", "ls").stdout

    # kept in the history, shown by --history
    code, stdout, stderr = _toolshift(engine, "bench", str(migrated), "--history")
    assert code == 0, stderr
    assert "docker images: before -> after" in stdout
    assert before["entry_id"] in stdout

    from toolshift.bench.store import load
    from toolshift.report.images import latest_with_images, render_image_section

    last = latest_with_images(load(migrated))
    assert last is not None
    md = render_image_section(last.result, run_id=last.id)
    assert "| `Dockerfile` | image size |" in md
