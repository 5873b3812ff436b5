"""readers.python_version: every place that states a Python version."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolshift.model import PythonSource, PythonSourceKind, PythonSpec
from toolshift.readers import python_version as pv

from .reqjson import check_expected

FIXTURES = Path(__file__).parent.parent / "fixtures" / "python_version"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())

READERS: dict[str, Callable[[str, str], list[PythonSource]]] = {
    ".python-version": pv.from_python_version_file,
    "runtime.txt": pv.from_runtime_txt,
    "Dockerfile": pv.from_dockerfile,
    "Pipfile": pv.from_pipfile,
    "pyproject.toml": pv.from_poetry,
}


def _input(case: str) -> Path:
    (path,) = [p for p in (FIXTURES / case).iterdir() if p.name != "expected.json"]
    return path


@pytest.mark.parametrize("case", CASES)
def test_fixture(case: str) -> None:
    path = _input(case)
    read = READERS.get(path.name, pv.from_workflow)
    text = path.read_bytes().decode("utf-8")
    check_expected(read(text, path.name), FIXTURES / case / "expected.json")


def values(sources: list[PythonSource]) -> list[tuple[str, int]]:
    return [(s.value, s.origin.line) for s in sources]


# --------------------------------------------------------------------------- small files


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.12\n", ("3.12", "")),
        ("# comment\n\n3.12.4\n3.11\n", ("3.12.4", "")),
        ("cpython-3.12\n", ("3.12", "")),
        ("cpython-3.12.4-linux-x86_64-gnu\n", ("3.12.4", "")),
        ("pypy3.10\n", ("3.10", "pypy")),
        ("pypy@3.10\n", ("3.10", "pypy")),
        ("3.13t\n", ("3.13t", "")),
        ("\ufeff3.11\r\n", ("3.11", "")),
        (">=3.11\n", (">=3.11", "")),
    ],
)
def test_python_version_file(text: str, expected: tuple[str, str]) -> None:
    (src,) = pv.from_python_version_file(text, ".python-version")
    assert (src.value, src.implementation) == expected
    assert src.kind is PythonSourceKind.PYTHON_VERSION_FILE


@pytest.mark.parametrize("text", ["", "# only a comment\n", "system\n", "myenv\n", ">=banana\n"])
def test_python_version_file_without_a_version(text: str) -> None:
    assert pv.from_python_version_file(text, ".python-version") == []


def test_runtime_txt() -> None:
    (src,) = pv.from_runtime_txt("python-3.11.9\n", "runtime.txt")
    assert (src.kind, src.value, src.origin.line) == (PythonSourceKind.RUNTIME_TXT, "3.11.9", 1)


def test_requires_python_kept_as_written() -> None:
    (src,) = pv.from_requires_python(">=3.11, <3.14", "pyproject.toml", 7)
    assert (src.value, str(src.origin)) == (">=3.11, <3.14", "pyproject.toml:7")
    assert pv.from_requires_python("not a spec", "setup.cfg", 3) == []
    assert pv.from_requires_python("  ", "setup.cfg", 3) == []


# --------------------------------------------------------------------------- Dockerfile


def test_dockerfile_tags_args_and_line_numbers() -> None:
    text = (
        "ARG PYTHON_VERSION=3.12\n"
        "FROM python:${PYTHON_VERSION}-slim AS build\n"
        "FROM node:20\n"
        "FROM docker.io/library/python:3.11\n"
        "FROM python:3.12.4-bookworm\n"
        "FROM builder\n"
    )
    got = pv.from_dockerfile(text, "Dockerfile")
    assert values(got) == [("3.12", 2), ("3.11", 4), ("3.12.4", 5)]
    assert got[0].origin.text == "FROM python:${PYTHON_VERSION}-slim AS build"
    assert {s.kind for s in got} == {PythonSourceKind.DOCKERFILE}


def test_dockerfile_arg_without_default_states_nothing() -> None:
    assert pv.from_dockerfile("ARG PY\nFROM python:${PY}-slim\n", "Dockerfile") == []


def test_dockerfile_crlf_and_continuation() -> None:
    got = pv.from_dockerfile("FROM \\\r\n  python:3.10-alpine AS x\r\n", "Dockerfile")
    assert values(got) == [("3.10", 1)]
    assert got[0].origin.text == "FROM \\\r\n  python:3.10-alpine AS x"


# --------------------------------------------------------------------------- CI


def test_workflow_matrix_and_references() -> None:
    text = (
        "jobs:\n"
        "  t:\n"
        "    strategy:\n"
        "      matrix:\n"
        "        py: ['3.11', '3.12']\n"
        "    steps:\n"
        "      - uses: actions/setup-python@v5\n"
        "        with:\n"
        "          python-version: ${{ matrix.py }}\n"
        "      - run: uv python install 3.13\n"
    )
    got = pv.from_workflow(text, ".github/workflows/ci.yml")
    assert values(got) == [("3.11", 5), ("3.12", 5), ("3.13", 10)]
    assert {s.kind for s in got} == {PythonSourceKind.CI}


def test_workflow_block_list_and_unquoted_float_as_written() -> None:
    text = "python-version:\n  - 3.10\n  - '3.11'\nother: x\n"
    assert values(pv.from_workflow(text, "ci.yml")) == [("3.10", 2), ("3.11", 3)]


def test_workflow_skips_expressions_and_version_files() -> None:
    text = (
        "python-version: ${{ env.PY }}\npython-version-file: .python-version\npython-version: 3.x\n"
    )
    assert pv.from_workflow(text, "ci.yml") == []


def test_spec_from_sources_sees_the_conflict() -> None:
    sources = [
        *pv.from_python_version_file("3.12\n", ".python-version"),
        *pv.from_dockerfile("FROM python:3.11-slim\n", "Dockerfile"),
        *pv.from_requires_python(">=3.11", "pyproject.toml", 3),
    ]
    spec = PythonSpec(tuple(sources))
    assert spec.versions() == {"3.11", "3.12"}
    assert spec.conflicting and spec.preferred() == "3.12"


def test_pipfile_and_poetry() -> None:
    (p,) = pv.from_pipfile('[requires]\npython_version = "3.11"\n', "Pipfile")
    assert (p.kind, p.value, p.origin.line) == (PythonSourceKind.TOOL_CONFIG, "3.11", 2)
    text = '[tool.poetry.dependencies]\npython = ">=3.10,<4"\n'
    (q,) = pv.from_poetry(text, "pyproject.toml")
    assert (q.value, q.origin.line) == (">=3.10,<4", 2)
    assert pv.from_poetry('[tool.other]\npython = "3.9"\n', "pyproject.toml") == []


_READERS = [
    pv.from_python_version_file,
    pv.from_runtime_txt,
    pv.from_dockerfile,
    pv.from_workflow,
    pv.from_pipfile,
    pv.from_poetry,
]
_PIECES = st.sampled_from(
    [
        "python-version:", " ", "\n", "  - ", "[", "]", "'", '"', "3.12", "${{ matrix.py }}",
        "py:", "FROM ", "python:", "ARG ", "=", "${PY:-", "}", "\\", "\r\n", "uv python install",
        "--python", "#", "[requires]", "python_version = ", "\t", "pypy", "-slim", "@sha256:",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.lists(_PIECES, max_size=40).map("".join)))
def test_fuzz_readers_never_raise(text: str) -> None:
    for read in _READERS:
        for src in read(text, "f"):
            assert src.value and src.origin.line >= 1


def test_no_quadratic_regex_on_long_lines() -> None:
    # "uv uv uv ..." took 12 s with a lazy regex over the line.
    import time

    text = "run: " + "uv " * 20000 + "--python 3.12\n" + "FROM python:" + "$" * 20000
    start = time.perf_counter()
    for read in _READERS:
        read(text, "f")
    assert time.perf_counter() - start < 2.0
    assert values(pv.from_workflow("run: uv sync -p 3.12 && uv python install 3.13\n", "f")) == [
        ("3.12", 1),
        ("3.13", 1),
    ]


def test_workflow_flow_list_over_several_lines() -> None:
    text = 'python-version: [\n  "3.11",  # oldest\n  "3.12",\n]\nos: [a]\n'
    assert values(pv.from_workflow(text, "ci.yml")) == [("3.11", 1), ("3.12", 1)]


def test_python_version_file_with_several_versions_on_a_line() -> None:
    (src,) = pv.from_python_version_file("3.12.1 3.11.7\n", ".python-version")
    assert src.value == "3.12.1"
