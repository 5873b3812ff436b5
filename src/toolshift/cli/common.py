"""Shared CLI plumbing: error printing, exit codes, output formats and confirmation."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import Any

from toolshift.errors import ExitCode, ToolshiftError

JSON_SCHEMA_VERSION = 1


def add_format(parser: argparse.ArgumentParser, choices: tuple[str, ...]) -> None:
    parser.add_argument(
        "--format",
        choices=choices,
        default=choices[0],
        help=f"output format (default: {choices[0]})",
    )


def print_error(err: ToolshiftError) -> None:
    out = sys.stderr
    where = f"{err.where}: " if err.where else ""
    print(f"toolshift: error: {where}{err.message}", file=out)
    output = getattr(err, "output", "")
    if output:
        print("", file=out)
        for line in str(output).splitlines()[-40:]:
            print(f"  | {line}", file=out)
        print("", file=out)
    if err.hint:
        print(f"  hint: {err.hint}", file=out)


def run_command(args: argparse.Namespace) -> int:
    from toolshift.cli.main import COMMANDS

    mod = importlib.import_module(f"toolshift.cli.{COMMANDS[args.command]}")
    try:
        return int(mod.run(args))
    except ToolshiftError as err:
        print_error(err)
        return int(err.exit_code)
    except KeyboardInterrupt:
        print("toolshift: interrupted", file=sys.stderr)
        return 130


def emit_json(kind: str, payload: dict[str, Any]) -> None:
    """A versioned JSON envelope on stdout."""

    from toolshift import __version__

    doc = {
        "schema": JSON_SCHEMA_VERSION,
        "kind": kind,
        "toolshift": __version__,
        **payload,
    }
    json.dump(doc, sys.stdout, indent=2, sort_keys=False, default=str)
    sys.stdout.write("\n")


def confirm(question: str, *, assume_yes: bool) -> bool:
    """Ask on a terminal; apply without asking when stdin is not a terminal or --yes."""

    if assume_yes or not sys.stdin.isatty():
        return True
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in {"y", "yes"}


OK = int(ExitCode.OK)
