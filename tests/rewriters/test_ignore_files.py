"""Ignore files: .venv added, uv.lock/pyproject.toml (or requirements) never excluded."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolshift.rewriters import RewriteContext
from toolshift.rewriters.ignore_files import (
    excluded_by,
    ignore_risks,
    rewrite_dockerignore,
    rewrite_gitignore,
    rewrite_ignore_file,
)

from .fixtures import case_dirs, check_case

CASES = case_dirs("ignore_files")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fixture(case: Path) -> None:
    check_case(case, rewrite_ignore_file)


@pytest.mark.parametrize(
    ("text", "path", "gitignore", "line"),
    [
        ("uv.lock\n", "uv.lock", False, 0),
        ("/uv.lock\n", "uv.lock", False, 0),
        ("*.lock\n", "uv.lock", False, 0),
        ("*\n!uv.lock\n", "uv.lock", False, None),
        ("*\n", "pyproject.toml", False, 0),
        ("**/*.toml\n", "pyproject.toml", False, 0),
        ("src/\n", "pyproject.toml", False, None),
        ("# uv.lock\n", "uv.lock", False, None),
        (".venv/\n", ".venv", True, 0),
        ("venv/\n", ".venv", True, None),
        ("*.lock\n", "uv.lock", True, 0),
        ("sub/uv.lock\n", "uv.lock", True, None),
    ],
)
def test_excluded_by(text: str, path: str, gitignore: bool, line: int | None) -> None:
    assert excluded_by(text, path, gitignore=gitignore) == line


def test_gitignore_under_pip_only_gets_the_journal() -> None:
    # the journal's backups hold the replaced files as they were (credentials included)
    ctx = RewriteContext("pip", path=".gitignore")
    assert rewrite_gitignore("__pycache__/\n", ctx).text == "__pycache__/\n.toolshift/\n"
    done = "__pycache__/\n.toolshift\n"
    assert rewrite_gitignore(done, ctx).text == done


def test_empty_files() -> None:
    assert rewrite_gitignore("", RewriteContext("uv")).text == ".venv/\n.toolshift/\n"
    res = rewrite_dockerignore("", RewriteContext("uv"))
    assert res.text.splitlines()[0] == ".venv"


def test_crlf_kept() -> None:
    res = rewrite_dockerignore(".git\r\nuv.lock\r\n", RewriteContext("uv"))
    assert "\n" not in res.text.replace("\r\n", "")
    assert "uv.lock" not in res.text
    assert res.text.startswith(".git\r\n.venv\r\n")


def test_custom_needed_files() -> None:
    res = rewrite_dockerignore("*.cfg\n", RewriteContext("uv"), needed=["setup.cfg"])
    assert res.text.startswith("*.cfg\n!setup.cfg\n")


def test_disabled_rule() -> None:
    ctx = RewriteContext("uv", disabled_rules=frozenset({"TS207", "TS304"}))
    assert rewrite_dockerignore("uv.lock\n", ctx).text == "uv.lock\n"
    assert rewrite_gitignore("", ctx).text == ""


def test_risks() -> None:
    d = ignore_risks(".git\n*.lock\n", "svc/.dockerignore")
    assert len(d) == 1 and d[0].origin is not None and d[0].origin.line == 2
    assert "uv.lock" in d[0].message
    d = ignore_risks("*\n!app\n", ".dockerignore")
    assert {x.message.split()[0] for x in d} == {"uv.lock", "pyproject.toml"}
    d = ignore_risks("uv.lock\n", ".gitignore")
    assert len(d) == 1 and "git" in d[0].message
    assert ignore_risks(".venv\n", ".dockerignore") == []
    assert ignore_risks("uv.lock\n", "README.md") == []
    assert ignore_risks("*.lock\n", "Dockerfile.dockerignore")


@pytest.mark.parametrize("direction", ["uv", "pip"])
def test_journal_kept_out_of_the_build_context(direction: str) -> None:
    # the journal holds backups of replaced files: `COPY . .` must not ship them
    ctx = RewriteContext(direction, path=".dockerignore")
    res = rewrite_dockerignore(".git\n", ctx)
    assert ".toolshift" in res.text.splitlines()
    assert res.rules == ("TS207",)
    for already in (".toolshift/\n", "/.toolshift\n", ".*\n"):
        out = rewrite_dockerignore(already, ctx).text
        assert ".toolshift" not in out.splitlines(), already
