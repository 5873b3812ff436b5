"""Shared fixtures. Tests never touch the network unless marked ``network``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Fixture folders are data: some hold a project's own tests (conftest.py, test_*.py) that the
# codemod tests convert and run in a subprocess; pytest must not collect them here.
collect_ignore_glob = ["fixtures/*"]


@pytest.fixture(scope="session")
def _toolshift_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("toolshift-cache")


@pytest.fixture(autouse=True)
def _isolate_from_machine_config(monkeypatch: pytest.MonkeyPatch, _toolshift_cache: Path) -> None:
    # Our machines carry a global pip configuration and PIP_*/UV_* variables.
    for key in list(os.environ):
        if key.startswith(("PIP_", "UV_")) or key == "VIRTUAL_ENV":
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")
    # toolshift's per-user cache (bashlex parser tables) lives in a session folder, not in $HOME
    monkeypatch.setenv("TOOLSHIFT_CACHE_DIR", str(_toolshift_cache))


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of tiny hand-written wheels (see tests/wheelhouse.py); no network needed."""

    from wheelhouse import build_wheelhouse

    return build_wheelhouse(tmp_path_factory.mktemp("wheelhouse"))
