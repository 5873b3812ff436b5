"""Show a Plan to a person before it is applied: a unified diff and a per-file summary.

Pure, except :func:`print_diff`, which only writes to the console it is given. The diff is
the text ``git diff`` would show (``--- a/path`` / ``+++ b/path``, ``/dev/null`` for a created
or deleted file, ``\\ No newline at end of file``), so it can be saved and applied with
``git apply`` or ``patch -p1``. Lines are split on ``\\n`` only and keep their own endings:
a CRLF file shows its ``\\r`` in the plain text, a BOM stays on the first line, and a
newline-style change shows as the lines it really changes.

Credentials are never shown: a password or token in a URL (``https://user:secret@host``) is
replaced by ``***`` on both sides, as everywhere toolshift prints (a diff of such a line no
longer applies with ``git apply``; the migration itself never writes the secret either).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from toolshift.errors import InputError
from toolshift.model import ChangeKind, FileChange, Plan
from toolshift.redact import redact_text
from toolshift.textio import decode

if TYPE_CHECKING:
    from rich.console import Console

NO_NEWLINE = "\\ No newline at end of file\n"


def _text(data: bytes, path: str) -> str | None:
    """The text of ``data`` for display, or None when it is binary."""

    try:
        text, fmt = decode(data, path)
    except InputError:
        if b"\x00" in data:
            return None
        # Text in another encoding (latin-1, cp1252): shown, odd bytes escaped (\xe9).
        return redact_text(data.decode("utf-8", errors="backslashreplace"))
    text = redact_text(text)
    return ("\ufeff" + text) if fmt.bom else text


def _lines(text: str) -> list[str]:
    """Split on ``\\n`` only (as git does), each line keeping its ending."""

    out = text.split("\n")
    lines = [line + "\n" for line in out[:-1]]
    if out[-1]:
        lines.append(out[-1])
    return lines


def _is_binary(change: FileChange) -> bool:
    return any(
        data is not None and _text(data, change.path) is None for data in (change.old, change.new)
    )


def _names(change: FileChange) -> tuple[str, str]:
    a = "/dev/null" if change.old is None else f"a/{change.path}"
    b = "/dev/null" if change.new is None else f"b/{change.path}"
    return a, b


def _body(change: FileChange) -> Iterator[str]:
    old = _lines(_text(change.old, change.path) or "") if change.old is not None else []
    new = _lines(_text(change.new, change.path) or "") if change.new is not None else []
    a, b = _names(change)
    diff = difflib.unified_diff(old, new, a, b, lineterm="\n", n=3)
    header = 0
    for line in diff:
        if header < 2:  # the ---/+++ lines: difflib adds no date when none is given
            header += 1
            yield line
            continue
        if line.endswith("\n"):
            yield line
        else:
            yield line + "\n"
            yield NO_NEWLINE


def file_diff(change: FileChange) -> str:
    """The diff of one file ("" when its bytes do not change)."""

    if change.old == change.new:
        return ""
    a, b = _names(change)
    if _is_binary(change):
        return f"Binary files {a} and {b} differ\n"
    body = "".join(_body(change))
    if not body:  # an empty file created or deleted: difflib has no hunk to show
        return f"--- {a}\n+++ {b}\n"
    return body


def unified_diff(plan: Plan) -> str:
    """The whole plan as one unified diff, file by file in plan order."""

    return "".join(file_diff(change) for change in plan.changes)


@dataclass(frozen=True)
class SummaryRow:
    path: str
    kind: ChangeKind
    added: int
    removed: int
    rules: tuple[str, ...]
    binary: bool = False


def _count(change: FileChange) -> tuple[int, int]:
    added = removed = 0
    for i, line in enumerate(_body(change)):
        if i < 2:  # the ---/+++ header
            continue
        if line.startswith("+"):
            added += 1
        elif line.startswith("-"):
            removed += 1
    return added, removed


def summary_rows(plan: Plan) -> list[SummaryRow]:
    """One row per changed file: what happens to it, lines added/removed, the rules behind it."""

    rows: list[SummaryRow] = []
    for change in plan.changes:
        if change.old == change.new:
            continue
        binary = _is_binary(change)
        added, removed = (0, 0) if binary else _count(change)
        rows.append(SummaryRow(change.path, change.kind, added, removed, change.rules, binary))
    return rows


def print_diff(plan: Plan, console: Console) -> None:
    """The diff with colours on a terminal; the exact text otherwise (safe to pipe to a file
    and ``git apply``)."""

    text = unified_diff(plan)
    if not text:
        return
    if not console.is_terminal:
        console.file.write(text)
        console.file.flush()
        return
    from rich.syntax import Syntax

    # A terminal would swallow the \r of a CRLF line; show it the way git does.
    shown = text.replace("\r\n", "^M\n").removesuffix("\n")  # Syntax ends the last line itself
    console.print(Syntax(shown, "diff", theme="ansi_dark", background_color="default"))


def print_summary(plan: Plan, console: Console) -> None:
    """A table of the changed files: path, what happens, +/- lines, rules."""

    from rich import box
    from rich.markup import escape
    from rich.table import Table

    rows = summary_rows(plan)
    if not rows:
        console.print("no file changes")
        return
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("file")
    table.add_column("change", no_wrap=True)
    table.add_column("+", justify="right", style="green")
    table.add_column("-", justify="right", style="red")
    table.add_column("rules")
    for r in rows:
        table.add_row(
            escape(r.path),
            r.kind.value,
            "bin" if r.binary else str(r.added),
            "bin" if r.binary else str(r.removed),
            ", ".join(r.rules),
        )
    console.print(table)
