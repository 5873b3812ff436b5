"""GitHub Actions: setup-python + pip <-> setup-uv, run scripts translated, matrices kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolshift.rewriters import RewriteContext
from toolshift.rewriters.github_actions import rewrite_workflow

from .fixtures import case_dirs, check_case, read

CASES = case_dirs("github_actions")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fixture(case: Path) -> None:
    check_case(case, rewrite_workflow)


def test_matrix_and_comments_kept() -> None:
    before = read(CASES[0].parent / "pip_matrix" / "before")
    out = rewrite_workflow(before, RewriteContext("uv", uv_version="0.13.9")).text
    assert 'python-version: ["3.11", "3.12"]' in out
    assert "python-version: ${{ matrix.python-version }}" in out
    assert "# Python with pip's cache" in out
    assert "version: 0.13.9" in out or 'version: "0.13.9"' in out


def test_adhoc_ci_install_is_dev() -> None:
    before = read(CASES[0].parent / "pip_cache_step" / "before")
    res = rewrite_workflow(before, RewriteContext("uv"))
    assert [(a.requirement, a.dev) for a in res.adhoc_packages] == [("pytest", True)]


def test_not_a_workflow_untouched() -> None:
    for text in ("", "foo: bar\n", "jobs: []\n"):
        assert rewrite_workflow(text, RewriteContext("uv")).text == text


def test_python_version_alignment() -> None:
    text = (
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/setup-python@v5\n        with:\n          python-version: '3.11'\n"
    )
    told = rewrite_workflow(text, RewriteContext("pip", python_version="3.12"))
    assert told.text == text
    assert any("3.11" in d.message for d in told.diagnostics)
    aligned = rewrite_workflow(
        text, RewriteContext("pip", python_version="3.12", align_python=True)
    )
    assert "python-version: '3.12'" in aligned.text and aligned.rules == ("TS212",)


def test_blank_lines_between_steps_survive_both_ways() -> None:
    before = read(CASES[0].parent / "blank_lines" / "before")
    to_uv = rewrite_workflow(before, RewriteContext("uv", uv_version="0.9.5")).text
    assert to_uv.count("\n\n") == before.count("\n\n") == 3
    back = rewrite_workflow(to_uv, RewriteContext("pip")).text
    assert back.count("\n\n") == 3
    assert "actions/setup-python@v5" in back and "cache: pip" in back


def test_removed_last_step_keeps_the_gap_before_the_next_job() -> None:
    text = (
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
        "      - uses: astral-sh/setup-uv@v6\n      - run: uv sync\n"
        "      - run: uv python install\n\n  b:\n    runs-on: x\n    steps:\n      - run: echo\n"
    )
    out = rewrite_workflow(text, RewriteContext("pip")).text
    assert "      - run: pip install -r requirements-dev.txt\n\n  b:\n" in out
    assert 'python-version: "3.x"' in out
