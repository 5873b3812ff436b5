"""Entry point: builds the argument parser and dispatches to one module per command.

Command modules import only :mod:`argparse` at module level; the heavy parts (rich, tomlkit,
packaging, ...) are imported inside ``run`` so ``toolshift --help`` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from toolshift import timings  # first: its clock starts at import

# name -> module under toolshift.cli. Order is the order shown in --help.
COMMANDS: dict[str, str] = {
    "analyze": "analyze",
    "migrate": "migrate",
    "verify": "verify",
    "undo": "undo",
    "history": "history",
    "bench": "bench",
    "report": "report",
}

DESCRIPTION = """\
Move a Python service from one toolchain to another as a reviewed, verified and
reversible change.

typical session:
  toolshift analyze path/to/service                 what it uses today, what is risky
  toolshift migrate --to uv path/to/service --diff  the whole change, nothing written
  toolshift migrate --to uv path/to/service         apply it, lock it, keep a backup
  toolshift undo path/to/service                    put every file back, byte for byte

exit codes: 0 ok, 1 changes pending (--check), 2 usage or input error,
            3 verification failed, 4 failed and rolled back
"""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with ``only``, just that command's (what a run needs: registering
    all seven costs ~10 ms of every start, and `migrate` starts uv lock as early as it can)."""

    from toolshift import __version__

    parser = argparse.ArgumentParser(
        prog="toolshift",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"toolshift {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        if only is not None and name != only:
            continue
        mod = importlib.import_module(f"toolshift.cli.{module}")
        mod.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    # `toolshift COMMAND ...`: only that command's parser (its --help and errors are the same).
    parser = build_parser(given[0] if given and given[0] in COMMANDS else None)
    args = parser.parse_args(given)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    from toolshift.cli.common import run_command

    timings.mark("arguments parsed")
    try:
        return run_command(args)
    finally:
        timings.report()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
