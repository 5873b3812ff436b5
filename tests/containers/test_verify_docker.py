"""``toolshift verify --docker`` against a real engine (the private one of conftest.py, reached
through DOCKER_HOST as a user's would be): the image builds and its command answers --help;
a command that fails makes verify exit 3."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from toolshift.tools import run

from .engine import DOCKER_CLIENT, Engine, Images, Unavailable

pytestmark = [pytest.mark.docker, pytest.mark.timeout(900)]

DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY app.py .
CMD ["python", "app.py"]
"""
APP = """\
import sys

if "--help" in sys.argv:
    print("usage: app.py")
    raise SystemExit(0)
raise SystemExit("started without --help")
"""


@pytest.fixture
def project(tmp_path: Path, images: Images) -> Path:
    try:
        images.for_dockerfile(DOCKERFILE)
    except Unavailable as exc:
        pytest.skip(f"no stand-in base image here: {exc}")
    proj = tmp_path / "svc"
    proj.mkdir()
    (proj / "Dockerfile").write_text(DOCKERFILE, encoding="utf-8")
    (proj / "requirements.txt").write_text("# no dependencies\n", encoding="utf-8")
    (proj / "app.py").write_text(APP, encoding="utf-8")
    return proj


def _verify(
    engine: Engine, proj: Path, *extra: str, client: str = DOCKER_CLIENT
) -> tuple[int, dict[str, Any]]:
    argv = [sys.executable, "-m", "toolshift", "verify", str(proj), "--offline", "--docker"]
    done = run(
        [*argv, *extra, "--format", "json"],
        extra_env={
            "DOCKER_HOST": engine.host,
            "DOCKER_CONFIG": str(engine.root),
            "TOOLSHIFT_DOCKER": client,
        },
        timeout=900,
    )
    payload = json.loads(done.stdout)
    data = payload.get("result", payload) if isinstance(payload, dict) else payload
    checks = {c["name"]: c for c in data["checks"]}
    return done.returncode, checks["docker-images"]


@pytest.mark.parametrize("client", [DOCKER_CLIENT, "docker"])
def test_verify_docker_builds_and_runs_the_image(
    engine: Engine, project: Path, client: str
) -> None:
    """Both clients of this machine: docker.io's (BuildKit) and the one on PATH (no buildx
    plugin: toolshift falls back to the classic builder and says so)."""

    code, check = _verify(engine, project, client=client)
    assert check["status"] == "passed", check["output"]
    assert "python app.py --help" in " ".join(check["details"]), check
    assert code == 0


def test_verify_docker_fails_with_exit_3_when_the_command_fails(
    engine: Engine, project: Path
) -> None:
    code, check = _verify(engine, project, "--docker-cmd", "python app.py")
    assert check["status"] == "failed", check
    assert "started without --help" in check["output"], check
    assert code == 3


def test_image_figures_cold_cached_and_after_a_dependency_change(
    engine: Engine, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from toolshift.docker_engine import image_figures

    monkeypatch.setenv("DOCKER_HOST", engine.host)
    monkeypatch.setenv("DOCKER_CONFIG", str(engine.root))
    monkeypatch.setenv("TOOLSHIFT_DOCKER", DOCKER_CLIENT)
    before = (project / "requirements.txt").read_text(encoding="utf-8")
    fig = image_figures(project, "Dockerfile", "requirements.txt")
    print(f"image figures: {fig}")
    assert fig.error == ""
    assert fig.size_bytes > 10_000_000  # a Python base image
    assert fig.cold > 0 and fig.cached > 0 and fig.dependency_changed > 0
    # the cold build runs pip; the rebuild only finds cached layers
    assert fig.cached < fig.cold
    # the changed requirements.txt invalidated its COPY layer: pip ran again
    assert fig.dependency_changed > fig.cached
    # measured in a copy: the project is untouched, and the image is gone
    assert (project / "requirements.txt").read_text(encoding="utf-8") == before
    assert "toolshift-bench" not in engine.check("image", "ls").stdout


def test_bench_docker_figures(
    engine: Engine, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from toolshift.bench.runner import docker_figures

    monkeypatch.setenv("DOCKER_HOST", engine.host)
    monkeypatch.setenv("DOCKER_CONFIG", str(engine.root))
    monkeypatch.setenv("TOOLSHIFT_DOCKER", DOCKER_CLIENT)
    figures, skipped = docker_figures(project, lambda _m: None)
    assert [f.dockerfile for f in figures] == ["Dockerfile"]
    assert figures[0].error == "" and figures[0].size_bytes > 0
    reasons = " ".join(s.reason for s in skipped)
    assert "requirements.txt" in reasons and "no package was added" in reasons
