from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from toolshift.diffing import (
    SummaryRow,
    file_diff,
    print_diff,
    print_summary,
    summary_rows,
    unified_diff,
)
from toolshift.model import ChangeKind, FileChange, Plan
from toolshift.tools import run


def plan_of(*changes: FileChange) -> Plan:
    return Plan(root="/nowhere", target="uv", changes=changes)


def test_modify_shows_a_git_style_hunk() -> None:
    change = FileChange("requirements.txt", b"a\nb\nc\n", b"a\nB\nc\n")
    assert file_diff(change) == (
        "--- a/requirements.txt\n+++ b/requirements.txt\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"
    )


def test_create_and_delete_use_dev_null() -> None:
    created = file_diff(FileChange("pyproject.toml", None, b"[project]\nname = 'x'\n"))
    assert created == (
        "--- /dev/null\n+++ b/pyproject.toml\n@@ -0,0 +1,2 @@\n+[project]\n+name = 'x'\n"
    )
    deleted = file_diff(FileChange("requirements.txt", b"flask\n", None))
    assert deleted == "--- a/requirements.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-flask\n"


def test_empty_file_created_shows_headers_only() -> None:
    assert file_diff(FileChange("pkg/__init__.py", None, b"")) == (
        "--- /dev/null\n+++ b/pkg/__init__.py\n"
    )


def test_no_newline_at_end_of_file_like_git() -> None:
    diff = file_diff(FileChange("a.txt", b"x\ny", b"x\ny\n"))
    assert diff == (
        "--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+y\n"
    )
    diff = file_diff(FileChange("a.txt", b"x\n", b"x\nz"))
    assert diff.endswith("+z\n\\ No newline at end of file\n")


def test_crlf_lines_are_shown_faithfully() -> None:
    diff = file_diff(FileChange("w.txt", b"one\r\ntwo\r\n", b"one\r\n2\r\n"))
    assert "-two\r\n+2\r\n" in diff
    assert " one\r\n" in diff
    # a newline-style change is a change of every line
    diff = file_diff(FileChange("w.txt", b"one\ntwo\n", b"one\r\ntwo\r\n"))
    assert "-one\n-two\n+one\r\n+two\r\n" in diff


def test_bom_is_kept_on_the_first_line() -> None:
    diff = file_diff(FileChange("b.txt", b"\xef\xbb\xbfa\n", b"a\n"))
    assert "-\ufeffa\n+a\n" in diff


def test_binary_files_are_named_not_shown() -> None:
    change = FileChange("logo.png", b"\x89PNG\x00\x01", b"\x89PNG\x00\x02")
    assert file_diff(change) == "Binary files a/logo.png and b/logo.png differ\n"
    assert file_diff(FileChange("x.bin", None, b"\x00")) == (
        "Binary files /dev/null and b/x.bin differ\n"
    )
    [row] = summary_rows(plan_of(change))
    assert row.binary and (row.added, row.removed) == (0, 0)


def test_non_utf8_text_is_shown_with_escapes() -> None:
    diff = file_diff(FileChange("l.txt", b"caf\xe9\n", b"cafe\n"))
    assert "-caf\\xe9\n+cafe\n" in diff


def test_unchanged_files_are_left_out() -> None:
    same = FileChange("same.txt", b"x\n", b"x\n")
    plan = plan_of(same, FileChange("a.txt", b"1\n", b"2\n"))
    assert "same.txt" not in unified_diff(plan)
    assert [r.path for r in summary_rows(plan)] == ["a.txt"]


def test_summary_rows() -> None:
    plan = plan_of(
        FileChange("pyproject.toml", None, b"a\nb\nc\n", rules=("TS101",)),
        FileChange("requirements.txt", b"a\nb\n", None, rules=("TS107",)),
        FileChange("Dockerfile", b"FROM x\nRUN pip\nCMD y\n", b"FROM x\nRUN uv\nCMD y\n"),
    )
    assert summary_rows(plan) == [
        SummaryRow("pyproject.toml", ChangeKind.CREATE, 3, 0, ("TS101",)),
        SummaryRow("requirements.txt", ChangeKind.DELETE, 0, 2, ("TS107",)),
        SummaryRow("Dockerfile", ChangeKind.MODIFY, 1, 1, ()),
    ]


def test_summary_counts_lines_that_look_like_headers() -> None:
    # "++ x" added is "+++ x" in the diff; it is still one added line
    [row] = summary_rows(plan_of(FileChange("a.txt", b"-- y\n", b"++ x\n")))
    assert (row.added, row.removed) == (1, 1)


def test_print_diff_plain_writes_the_exact_text() -> None:
    plan = plan_of(FileChange("w.txt", b"one\r\n", b"two\r\n"))
    buf = io.StringIO()
    print_diff(plan, Console(file=buf, force_terminal=False))
    assert buf.getvalue() == unified_diff(plan)


def test_print_diff_on_a_terminal_is_coloured() -> None:
    plan = plan_of(FileChange("w.txt", b"one\r\n", b"two\r\n"))
    buf = io.StringIO()
    print_diff(plan, Console(file=buf, force_terminal=True, color_system="truecolor"))
    out = buf.getvalue()
    assert "\x1b[" in out
    assert "two^M" in out


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_apply_accepts_the_diff(tmp_path: Path) -> None:
    """The diff is real: git applies it to the old tree and gets the new one."""

    changes = (
        FileChange("req.txt", b"flask\nrequests\n", b"flask\nhttpx\n"),
        FileChange("win.txt", b"a\r\nb\r\nc\r\n", b"a\r\nB\r\nc\r\n"),
        FileChange("bom.txt", b"\xef\xbb\xbfx = 1\n", b"\xef\xbb\xbfx = 2\n"),
        FileChange("noeol.txt", b"x\ny", b"x\nz"),
        FileChange("gone.txt", b"bye\n", None),
        FileChange("new/dir/file.txt", None, b"hello\n"),
    )
    for c in changes:
        if c.old is not None:
            full = tmp_path / c.path
            full.parent.mkdir(parents=True, exist_ok=True)
            full.write_bytes(c.old)
    patch = tmp_path / "change.patch"
    patch.write_bytes(unified_diff(plan_of(*changes)).encode("utf-8"))
    done = run(["git", "apply", "--whitespace=nowarn", str(patch)], cwd=tmp_path)
    assert done.returncode == 0, done.output
    for c in changes:
        full = tmp_path / c.path
        if c.new is None:
            assert not full.exists()
        else:
            assert full.read_bytes() == c.new, c.path


def test_print_summary_table() -> None:
    plan = plan_of(
        FileChange("pyproject.toml", None, b"a\nb\n", rules=("TS101", "TS102")),
        FileChange("logo.png", b"\x00", b"\x00\x01"),
    )
    buf = io.StringIO()
    print_summary(plan, Console(file=buf, width=100))
    lines = buf.getvalue().splitlines()
    [row] = [line for line in lines if "pyproject.toml" in line]
    assert row.split() == ["pyproject.toml", "create", "2", "0", "TS101,", "TS102"]
    [row] = [line for line in lines if "logo.png" in line]
    assert row.split() == ["logo.png", "modify", "bin", "bin"]
    buf = io.StringIO()
    print_summary(plan_of(), Console(file=buf))
    assert buf.getvalue() == "no file changes\n"
