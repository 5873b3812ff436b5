"""``toolshift analyze``: what a project uses today and what is risky about it. Reads only."""

from __future__ import annotations

import argparse

EPILOG = """\
examples:
  toolshift analyze                                   the project in this folder
  toolshift analyze services/api --format markdown    a report to paste into a pull request
  toolshift analyze --format json | jq '.risks'       findings for a script
  toolshift analyze --requirements deploy/reqs.txt --dev-requirements deploy/dev.txt
  toolshift analyze --group docs=docs/requirements.txt --strict    fail CI on warnings

Requirement files are found by their usual names (requirements*.txt, requirements/*.txt,
*-requirements.txt, requirements*.in, constraints*.txt, docs/requirements.txt);
--requirements, --dev-requirements and --group name them yourself: then only those form
groups (without --requirements, requirements.txt is still the runtime group). A folder
with its own pyproject.toml or requirements.txt is another service and is left out.

Finding codes: SEC0xx security (extra indexes, trusted hosts, credentials in URLs,
curl | sh installers, floating images, root containers), RSK0xx reproducibility (unpinned
requirements, Python versions that disagree, ignore files that drop uv.lock), DETxxx/RQxxx
files that could not be read. Credentials are never printed.

exit codes: 0 analysed (findings are not failures), 1 with --strict when a warning or error
was found, 2 usage or input error.
"""


def _group_arg(value: str) -> tuple[str, str]:
    name, sep, path = value.partition("=")
    if not sep or not name.strip() or not path.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=FILE, got {value!r}")
    return name.strip(), path.strip()


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from toolshift.cli.common import add_format

    p = sub.add_parser(
        "analyze",
        help="show the tool a project uses today, its files, groups and risks",
        description="Detect the toolchain of the project in PATH (pip, pip-tools, uv, Poetry,\n"
        "Pipenv), list the files that matter and report risks. Nothing is written.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", nargs="?", default=".", help="the project folder (default: .)")
    add_format(p, ("human", "json", "markdown"))
    p.add_argument(
        "--requirements",
        action="append",
        default=[],
        metavar="FILE",
        help="a runtime requirements file (repeatable)",
    )
    p.add_argument(
        "--dev-requirements",
        action="append",
        default=[],
        metavar="FILE",
        help="a development requirements file, read as the 'dev' group (repeatable)",
    )
    p.add_argument(
        "--group",
        action="append",
        default=[],
        type=_group_arg,
        metavar="NAME=FILE",
        help="a requirements file read as dependency group NAME (repeatable)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when any warning or error is found (for CI)",
    )


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from toolshift.analysis import analyze
    from toolshift.detect import FileSelection, detect
    from toolshift.model import Severity

    selection = FileSelection(
        requirements=tuple(args.requirements),
        dev_requirements=tuple(args.dev_requirements),
        groups=tuple(args.group),
    )
    top = detect(Path(args.path), selection, tolerant=True)
    result = analyze(top)
    if result.services:
        # a monorepo: every service migrate would take, services below services too
        import dataclasses

        from toolshift.services import find_services

        root = Path(top.project.root)
        services, _ = find_services(top, lambda rel: detect(root / rel, tolerant=True))
        result = dataclasses.replace(result, services=tuple(s.path for s in services if s.path))

    if args.format == "json":
        from toolshift.cli.common import emit_json
        from toolshift.report.analysis import to_dict

        emit_json("analysis", to_dict(result))
    elif args.format == "markdown":
        import sys

        from toolshift.report.analysis import render_markdown

        sys.stdout.write(render_markdown(result))
    else:
        import os

        from rich.console import Console

        from toolshift.report.analysis import render_human

        console = Console(highlight=False)
        if not console.is_terminal and "COLUMNS" not in os.environ:
            console.width = 140  # piped or saved: keep findings on few lines
        render_human(result, console)

    if args.strict and (result.count(Severity.ERROR) or result.count(Severity.WARNING)):
        return 1
    return 0
