"""``toolshift history``: the migrations applied in a project, from its journal."""

from __future__ import annotations

import argparse

EPILOG = """\
examples:
  toolshift history                     the journal of this folder, oldest first
  toolshift history services/api --format json

statuses: applied (can be undone), undone, rolled-back (failed; nothing was left changed),
in-progress (interrupted; `toolshift undo --id ID` restores it from the backups).
The journal lives in .toolshift/history/ and is ignored by git.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from toolshift.cli.common import add_format

    p = sub.add_parser(
        "history",
        help="list the migrations applied here, and their status",
        description="List the journal entries in PATH/.toolshift/history/.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", nargs="?", default=".", help="the project folder (default: .)")
    add_format(p, ("human", "json"))


_STYLE = {"applied": "green", "undone": "dim", "rolled-back": "yellow", "in-progress": "red"}


def run(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from toolshift.apply import history
    from toolshift.cli.common import OK, emit_json
    from toolshift.errors import UsageError

    root = Path(args.path)
    if not root.is_dir():
        raise UsageError(f"no such folder: {args.path}", hint="give the project folder as PATH")
    entries = history(root)
    if args.format == "json":
        emit_json(
            "history",
            {"root": str(root.absolute()), "entries": [e.to_dict() for e in entries]},
        )
        return OK

    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = 160  # piped or saved: no reason to squeeze the command column
    if not entries:
        console.print(f"no migrations recorded in {escape(str(root))}")
        return OK
    if console.width < 100:
        # Too narrow for a table with a readable command column: one entry per two lines.
        console.print(f"toolshift history of {escape(str(root.absolute()))}")
        for e in entries:
            style = _STYLE.get(e.status.value, "default")
            n = len(e.paths)
            console.print(
                f"[bold]{e.id}[/]  [{style}]{e.status.value}[/]  "
                f"{e.created.replace('T', ' ')[:16]} UTC  to {e.target}  "
                f"{n} file{'s' if n != 1 else ''}"
            )
            console.print(f"    {escape(e.command)}", soft_wrap=True)
    else:
        table = Table(
            title=f"toolshift history of {escape(str(root.absolute()))}",
            box=box.SIMPLE_HEAD,
            title_justify="left",
        )
        table.add_column("id", no_wrap=True)
        table.add_column("when (UTC)", no_wrap=True)
        table.add_column("to", no_wrap=True)
        table.add_column("status", no_wrap=True)
        table.add_column("files", justify="right")
        table.add_column("command", overflow="fold")
        for e in entries:
            style = _STYLE.get(e.status.value, "default")
            table.add_row(
                e.id,
                e.created.replace("T", " ")[:16],
                e.target,
                f"[{style}]{e.status.value}[/]",
                str(len(e.paths)),
                escape(e.command),
            )
        console.print(table)
    for e in entries:
        if e.status.value == "in-progress":
            console.print(
                f"[red]{e.id} was interrupted[/]; `toolshift undo --id {e.id}` restores it"
            )
    return OK
