"""``toolshift verify [PATH]``: build before/after environments, compare them, run checks.

Printing only; the work is :func:`toolshift.verify.verify`, the rendering
:mod:`toolshift.report.verify`.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from rich.console import Console
    from rich.progress import Progress, TaskID

    from toolshift.verify import VerifyResult

# toolshift.audit.PIP_AUDIT_VERSION, not imported so that --help stays fast
PIP_AUDIT_VERSION = "2.10.1"

EPILOG = """\
examples:
  toolshift verify path/to/service                 after a migrate: before vs after
  toolshift verify path/to/service --run "pytest -q"
  toolshift verify --offline --find-links ./wheels  no network: uv's cache and a wheel folder
  toolshift verify --id 20250101T120000Z-abc123     against an older journal entry
  toolshift verify path/to/service --http          after migrate --to fastapi: replay requests
  toolshift verify path/to/service --docker        also build each Dockerfile and run its
                                                   command with --help (needs a Docker engine)
  toolshift verify path/to/service --audit         also run pip-audit on before and after

what it does, in throwaway environments under a temporary folder (never in the project):
  before  the project as it was before the latest applied migration (from the journal),
          installed with the old tool (pip install -r, or uv sync --locked)
  after   the project as it is now, installed with the new tool
  then    compare name -> version (every difference fails), pip check, import every
          top-level module of the runtime distributions (a module that failed before too
          is pre-existing, not a regression), --run CMD in the after environment, and
          hadolint on each Dockerfile (only new findings fail; skipped if not installed),
          and each Dockerfile's pip/uv install steps run before and after in throwaway
          environments (any other RUN command is never executed; a different set fails)

which of your settings toolshift honours:
  yes  the project's own index configuration, from its files (index options in
       requirements files, [tool.uv] in pyproject.toml)
  yes  UV_INDEX_<NAME>_USERNAME / UV_INDEX_<NAME>_PASSWORD for a named uv index
  no   PIP_* and UV_* variables, pip.conf, your user's or system's uv.toml and an
       activated VIRTUAL_ENV: they are scrubbed (use --offline / --find-links instead)

after a migration the result is kept in .toolshift/verify/last.json (git-ignored)
for `toolshift report`; a project toolshift never changed gets no files.

--http (after migrate --to fastapi): the project's tests run once in the before copy and
every request they make through Flask's test client is recorded; probes are added from the
route table (HEAD/OPTIONS, wrong method, trailing slash, bad converter values, bad JSON,
wrong content type, CORS preflight). One process per side answers them all (Flask's test
client / FastAPI's TestClient, redirects not followed); status, content-type, location,
allow, access-control-* and bodies are compared. Known differences (error pages with no
handler, redirect bodies, CORS preflight bodies) are listed as accepted, not failures.
The apps run with this Python (toolshift's), or with --python PATH to an interpreter that
has the project's requirements, flask and fastapi installed (e.g. .venv/bin/python).

--audit: pip-audit (a pip-audit on PATH, else pip-audit %(pin)s through `uv tool run`) reads
each environment's site-packages and asks a vulnerability service (--audit-service: pypi, the
default, or osv) about the packages the project installed. Each finding is new (after only),
pre-existing (before too) or fixed (before only). When the service cannot answer (a mirror
without PyPI's per-version JSON, no network, osv unreachable) the audit is reported as not
available, with pip-audit's own reason: that is a warning, not "no vulnerabilities".

after --http, the result is kept in .toolshift/verify/http.json for `toolshift report`.

exit codes: 0 verified, 3 verification failed (a difference, a broken requirement, a
failing import or --run command, an install that failed, with --docker an image that
does not build or whose command fails, with --audit a new known vulnerability), 2 usage
or input error. A pre-existing vulnerability or an audit that is not available does not
change the exit code.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from toolshift.cli.common import add_format

    p = sub.add_parser(
        "verify",
        help="install before and after in throwaway environments and compare them",
        description="Prove a migration kept what the project installs: before vs after,\n"
        "pip check, an import smoke test and, if asked, your own command.",
        epilog=EPILOG.replace("%(pin)s", PIP_AUDIT_VERSION),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", nargs="?", default=".", help="the project folder (default: .)")
    p.add_argument(
        "--id", metavar="ID", help="the journal entry to verify against (default: latest)"
    )
    p.add_argument(
        "--run", metavar="CMD", help="a shell command to run in the after environment (tests)"
    )
    p.add_argument(
        "--find-links",
        action="append",
        default=[],
        metavar="DIR",
        help="also look for wheels here (repeatable; this run only)",
    )
    p.add_argument(
        "--offline", action="store_true", help="no network: uv's cache and --find-links only"
    )
    p.add_argument(
        "--python",
        metavar="VERSION",
        help="the Python of both environments (default: the project's .python-version or "
        "requires-python, as uv reads them); with --http: the interpreter that runs both "
        "apps (a path, e.g. .venv/bin/python; default: toolshift's own)",
    )
    p.add_argument(
        "--http",
        action="store_true",
        help="after migrate --to fastapi: replay the test suite's requests and route probes "
        "against the old Flask app and the new FastAPI app (instead of the install checks)",
    )
    p.add_argument(
        "--app",
        metavar="MODULE:ATTR",
        help="with --http: the Flask app object or factory (default: found in the sources)",
    )
    p.add_argument(
        "--docker",
        action="store_true",
        help="also build each Dockerfile with the Docker engine that is present (DOCKER_HOST "
        "is honoured) and run the image's command with --help appended; skipped, with the "
        "reason, when no engine answers",
    )
    p.add_argument(
        "--docker-cmd",
        metavar="CMD",
        help="with --docker: the command to run in each image instead (replaces its CMD)",
    )
    p.add_argument(
        "--audit",
        action="store_true",
        help="also run pip-audit on the before and after environments and report known "
        "vulnerabilities (new ones fail; see below)",
    )
    p.add_argument(
        "--audit-service",
        choices=("pypi", "osv"),
        default=None,
        help="with --audit: pip-audit's vulnerability service (default: pypi)",
    )
    add_format(p, ("human", "json"))


def _progress(console: Console) -> Progress:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _reporter(bar: Progress) -> Callable[[str], None]:
    """One line per environment (``before: ...``, ``after: ...``) and one for the rest; a
    line's previous step is done when its next one starts."""

    tasks: dict[str, TaskID] = {}

    def report(message: str) -> None:
        head, sep, _ = message.partition(":")
        key = head if sep and head in ("before", "after") else "steps"
        if key in tasks:
            bar.update(tasks[key], description=message)
        else:
            tasks[key] = bar.add_task(message, total=None)

    return report


def run(args: argparse.Namespace) -> int:
    import sys
    from contextlib import nullcontext
    from pathlib import Path

    from rich.console import Console

    from toolshift.errors import ExitCode, UsageError
    from toolshift.report.verify import render_human, to_dict
    from toolshift.verify import save_result, verify

    root = Path(args.path)
    if not root.is_dir():
        raise UsageError(f"no such folder: {args.path}", hint="give the project folder as PATH")
    for d in args.find_links:
        if not Path(d).is_dir():
            raise UsageError(f"--find-links {d}: no such folder")
    as_json = args.format == "json"
    console = Console(highlight=False, soft_wrap=True, stderr=as_json)
    if args.audit_service and not args.audit:
        raise UsageError("--audit-service goes with --audit", hint="add --audit")
    if args.http:
        if args.audit:
            raise UsageError(
                "--audit goes with the install checks, not --http",
                hint="run `toolshift verify --audit` on its own",
            )
        return _run_http(args, root, console, as_json)
    if args.app:
        raise UsageError("--app goes with --http", hint="add --http")
    if args.docker_cmd and not args.docker:
        raise UsageError("--docker-cmd goes with --docker", hint="add --docker")
    bar = _progress(console) if console.is_terminal else None
    with bar or nullcontext():
        result = verify(
            root,
            entry_id=args.id,
            run=args.run,
            find_links=tuple(args.find_links),
            offline=args.offline,
            progress=_reporter(bar) if bar else None,
            python=args.python,
            audit=args.audit,
            audit_service=args.audit_service or "pypi",
        )
    if args.docker:
        result = _with_docker(root, result, args.docker_cmd, console)
    save_result(root, result)
    if as_json:
        from toolshift.cli.common import emit_json

        emit_json("verify", to_dict(result))
    else:
        render_human(result, console)
    sys.stdout.flush()
    return int(ExitCode.OK if result.ok else ExitCode.VERIFICATION_FAILED)


def _with_docker(
    root: Path, result: VerifyResult, command: str | None, console: Console
) -> VerifyResult:
    from dataclasses import replace

    from toolshift.detect import detect
    from toolshift.docker_engine import images_check
    from toolshift.model import FileRole

    files = detect(root).project.files_with(FileRole.DOCKERFILE)
    with console.status("building and running the Docker images"):
        check = images_check(root, files, command)
    return replace(result, checks=(*result.checks, check))


def _run_http(args: argparse.Namespace, root: Path, console: Console, as_json: bool) -> int:
    import sys

    from toolshift.errors import ExitCode
    from toolshift.http_equivalence import render_human, verify_http
    from toolshift.verify import save_http_result

    with console.status("replaying requests against before and after"):
        result = verify_http(root, entry_id=args.id, app=args.app, python=args.python)
    save_http_result(root, result.to_json())
    if as_json:
        from toolshift.cli.common import emit_json

        emit_json("verify-http", result.to_json())
    else:
        render_human(result, console)
    sys.stdout.flush()
    return int(ExitCode.OK if result.ok else ExitCode.VERIFICATION_FAILED)
