"""``toolshift report``: MIGRATION.md for the pull request, from what was recorded."""

from __future__ import annotations

import argparse

EPILOG = """\
examples:
  toolshift report path/to/service                  print the Markdown
  toolshift report path/to/service -o MIGRATION.md  write it to a file
  toolshift report . --id 20260102T030405Z-abc123   a given journal entry (default: the last
                                                     applied one)

Read from the project: the journal entry (.toolshift/history/<id>/, whose backups are the
"before"), the current files, the last verify result (.toolshift/verify/last.json), the latest
bench run (.toolshift/bench.sqlite) and today's `toolshift analyze` findings. A part with no
recorded result says so and names the command that produces it.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "report",
        help="write the pull-request Markdown (MIGRATION.md) of a migration",
        description="Write the Markdown write-up of a migration from its journal entry.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", nargs="?", default=".", help="the project folder (default: .)")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    p.add_argument("--id", dest="entry_id", metavar="ID", help="the journal entry to report on")


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from toolshift.cli.common import OK
    from toolshift.errors import UsageError
    from toolshift.report.migration import gather, render_markdown

    root = Path(args.path)
    if not root.is_dir():
        raise UsageError(f"no such folder: {args.path}", hint="give the project folder as PATH")
    out = Path(args.output) if args.output else None
    text = render_markdown(gather(root, args.entry_id, out=out))
    if out is None:
        sys.stdout.write(text)
        return OK
    from toolshift.apply import atomic_write

    atomic_write(out, text.encode("utf-8"))
    print(f"wrote {out}", file=sys.stderr)
    return OK
