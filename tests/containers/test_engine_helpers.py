"""The pure parts of the image-build helper: which base images a Dockerfile needs stand-ins for,
and what the packaged engine can build. Fast, no engine needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolshift.rewriters import RewriteContext
from toolshift.rewriters.dockerfile import rewrite_dockerfile

from .engine import Unavailable, buildable, host_cpython, referenced_images

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fastapi-service" / "Dockerfile"


def test_images_of_the_migrated_example() -> None:
    text = rewrite_dockerfile(EXAMPLE.read_text(), RewriteContext("uv", uv_version="0.9.5")).text
    assert referenced_images(text) == ["python:3.12-slim", "ghcr.io/astral-sh/uv:0.9.5"]


def test_stage_names_and_scratch_are_not_images() -> None:
    text = (
        "FROM python:3.11-slim AS Build\nRUN true\n"
        "FROM scratch\nCOPY --from=build /x /x\nCOPY --from=0 /y /y\n"
        "COPY --chown=1:1 --from=ghcr.io/astral-sh/uv:0.8.0 /uv /bin/\n"
        "FROM --platform=linux/amd64 python:3.11-slim\n"
    )
    assert referenced_images(text) == ["python:3.11-slim", "ghcr.io/astral-sh/uv:0.8.0"]


def test_global_arg_defaults_are_substituted() -> None:
    text = (
        'ARG PY="3.12"\nARG UV=0.8.0\nFROM python:${PY}-slim\n'
        "COPY --from=ghcr.io/astral-sh/uv:$UV /uv /bin/\n"
    )
    assert referenced_images(text) == ["python:3.12-slim", "ghcr.io/astral-sh/uv:0.8.0"]
    with pytest.raises(Unavailable, match="ARG"):
        referenced_images("ARG V\nFROM python:${V}-slim\n")


def test_syntax_directive_is_stripped_and_heredocs_refused() -> None:
    text = "# syntax=docker/dockerfile:1.7\nFROM python:3.12-slim\nRUN true\n"
    assert buildable(text) == "FROM python:3.12-slim\nRUN true\n"
    assert (
        buildable("FROM a\n# syntax is discussed here\n") == "FROM a\n# syntax is discussed here\n"
    )
    with pytest.raises(Unavailable, match="heredoc"):
        buildable("FROM a\nRUN <<EOF\ntrue\nEOF\n")


def test_host_cpython_picks_the_newest_patch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("3.12.1", "3.12.10", "3.12.3", "3.12.0rc1", "3.13.0"):
        (tmp_path / "versions" / name / "bin").mkdir(parents=True)
        (tmp_path / "versions" / name / "bin" / f"python{name[:4]}").write_text("")
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    found = host_cpython("3.12")
    assert found is not None and found.name == "3.12.10"
    assert host_cpython("3.9") is None


def test_no_engine_without_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where dockerd cannot start, the reason is given (the fixture turns it into a skip)."""

    from . import engine

    monkeypatch.setattr(engine.os, "geteuid", lambda: 1000)
    with pytest.raises(Unavailable, match="root"):
        engine.start_engine([])


def test_missing_packages_without_apt(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from . import engine

    monkeypatch.setattr(engine, "DOCKER_CLIENT", str(tmp_path / "no-docker"))
    monkeypatch.setattr(engine.shutil, "which", lambda name: None)
    monkeypatch.setattr(engine.os, "geteuid", lambda: 0)
    with pytest.raises(Unavailable, match="apt-get"):
        engine.ensure_packages([])
