"""rewriters.ignore_files: defects found by migrating realistic Poetry/Pipenv services."""

from __future__ import annotations

from toolshift.rewriters import RewriteContext
from toolshift.rewriters.ignore_files import excluded_by, rewrite_gitignore


def _ctx(direction: str = "uv") -> RewriteContext:
    return RewriteContext(direction=direction, uv_version="0.9.5", path=".gitignore")


def test_old_lock_exception_becomes_the_uv_lock_one() -> None:
    # `*.lock` + `!poetry.lock`: `!uv.lock` was appended and `!poetry.lock` stayed behind
    # (naming a deleted file, which TS107 then warned about)
    res = rewrite_gitignore("*.lock\n!poetry.lock\n.venv/\n.toolshift/\n", _ctx())
    assert res.text == "*.lock\n!uv.lock\n.venv/\n.toolshift/\n"
    assert excluded_by(res.text, "uv.lock", gitignore=True) is None
    assert any("`!poetry.lock` became `!uv.lock`" in d.message for d in res.diagnostics)
    assert rewrite_gitignore(res.text, _ctx()).text == res.text


def test_exception_before_the_glob_does_not_help_so_one_is_appended() -> None:
    text = "!poetry.lock\n*.lock\n.venv/\n.toolshift/\n"
    res = rewrite_gitignore(text, _ctx())
    assert res.text == text + "!uv.lock\n"
    assert excluded_by(res.text, "uv.lock", gitignore=True) is None


def test_no_glob_over_uv_lock_leaves_the_old_exception_alone() -> None:
    text = "poetry.lock.bak\n!poetry.lock\n.venv/\n.toolshift/\n"
    assert rewrite_gitignore(text, _ctx()).text == text
