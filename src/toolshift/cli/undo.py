"""``toolshift undo``: put back every file a migration touched, byte for byte."""

from __future__ import annotations

import argparse

EPILOG = """\
examples:
  toolshift undo                        undo the latest migration in this folder
  toolshift undo services/api --dry-run show what would be restored, write nothing
  toolshift undo --id 20261124T150203Z-a1b2c3
                                        undo one entry (see `toolshift history`)
  toolshift undo --force --yes          restore even files edited since, without asking

Files the migration changed or deleted come back with their bytes and mode; files it created
are removed, and so are the folders it created once they are empty. If you edited a file
after the migration, undo stops and lists it: keep your edits elsewhere, then use --force.
An entry left "in-progress" by a crash can be undone the same way.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "undo",
        help="restore the files of the latest migration (or of --id)",
        description="Restore every file a migration touched, from its journal in "
        ".toolshift/history/, byte for byte.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", nargs="?", default=".", help="the project folder (default: .)")
    p.add_argument(
        "--id",
        dest="entry_id",
        metavar="ID",
        help="the journal entry to undo (a unique prefix is enough)",
    )
    p.add_argument(
        "--force", action="store_true", help="restore even files edited since the migration"
    )
    p.add_argument(
        "--dry-run", action="store_true", help="show what would be restored; write nothing"
    )
    p.add_argument("--yes", "-y", action="store_true", help="do not ask before restoring")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rich.console import Console
    from rich.markup import escape

    from toolshift.apply import undo, undo_preview
    from toolshift.cli.common import OK, confirm
    from toolshift.errors import UsageError

    root = Path(args.path)
    if not root.is_dir():
        raise UsageError(f"no such folder: {args.path}", hint="give the project folder as PATH")
    console = Console(highlight=False, soft_wrap=True)
    preview = undo_preview(root, args.entry_id, force=args.force)
    entry = preview.entry
    when = entry.created.replace("T", " ")[:16]
    console.print(f"undo [bold]{entry.id}[/] [dim]({entry.status.value} {when} UTC)[/]")
    if entry.command:
        console.print(f"  command: {escape(entry.command)}")
    for path in preview.restore:
        console.print(f"  restore  {escape(path)}")
    for path in preview.remove:
        console.print(f"  remove   {escape(path)}")
    for folder in preview.remove_dirs:
        console.print(f"  remove   {escape(folder)}/ [dim](if empty)[/]")
    if not (preview.restore or preview.remove or preview.remove_dirs):
        console.print("  every file is already as it was before; the entry will be marked undone")
    if preview.modified:
        console.print(
            "[yellow]--force: edits made since the migration will be lost in:[/] "
            + escape(", ".join(preview.modified))
        )
    if args.dry_run:
        console.print("dry run: nothing was written")
        return OK
    if not confirm("Restore these files?", assume_yes=args.yes):
        console.print("nothing was changed")
        return OK
    done = undo(root, entry.id, force=args.force)
    console.print(
        f"[green]undone[/]: {len(preview.restore)} restored, {len(preview.remove)} removed; "
        f"entry {done.id} is marked {done.status.value}"
    )
    return OK
