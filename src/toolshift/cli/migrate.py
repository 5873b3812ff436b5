"""``toolshift migrate --to TARGET``: plan the whole change, show it, then apply it reversibly.

detect -> plan (complete before anything is shown) -> show (summary, diagnostics, diff) ->
``--check``/``--dry-run``/``--diff`` stop here -> confirm -> apply with a journal -> post-actions
(``uv lock``) -> the journal id and how to undo. Any failure after the first write restores
every file (exit 4).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from toolshift.fresh_lock import FreshLock
    from toolshift.locking import LockResult
    from toolshift.model import Detected, Diagnostic, MigrateOptions, Plan
    from toolshift.services import Service
    from toolshift.shadow_lock import ShadowLock

TARGETS = ("uv", "pip", "fastapi")
PIN_CHOICES = ("exact", "compatible", "minor", "declared")

EPILOG = """\
examples:
  toolshift migrate --to uv --diff                 show the whole change; write nothing
  toolshift migrate --to uv services/api --yes     apply it, lock with uv, keep a backup
  toolshift migrate --to uv --check                exit 1 if a migration is still pending (CI)
  toolshift migrate --to uv --python 3.12 --keep-requirements
  toolshift migrate --to uv --offline --find-links ./wheels
  toolshift undo                                   put every file back, byte for byte

what --to uv does (rule ids for --disable):
  TS101 runtime requirements -> [project] dependencies, as you wrote them
  TS102 dev/test/docs files -> PEP 735 [dependency-groups]
  TS103 -c constraints -> [tool.uv] constraint-dependencies
  TS104 index options -> [[tool.uv.index]] / [tool.uv] (never with credentials)
  TS105 VCS, path, URL and editable requirements -> [tool.uv.sources]
  TS106 a service that is not a package -> [tool.uv] package = false
  TS107 the requirements files it replaces are deleted (--keep-requirements keeps them)
  TS108 uv lock, keeping the versions pinned today (== pins, pip-compile output,
        constraints); a pinned package whose version moves is named in a warning
  TS2xx Dockerfiles (uv from its image at the version toolshift runs, uv sync --locked),
        compose files, .dockerignore; TS3xx CI workflows, .gitignore, README/Makefile;
        a package they install by hand joins the dependencies (TS208)

a folder with several services below it (each with its own dependency files) is migrated
whole, in one plan, one journal entry and one uv lock per service; --only FOLDER narrows it.

uv lock starts as soon as the new pyproject.toml is known, in a temporary copy of the files
it reads, and runs while the rest is planned, shown and confirmed; its uv.lock is written
only when you apply and the final plan locks the same bytes (else uv lock runs again, in
the project). Not for workspaces, path sources or relative index paths (they lock in the
project). TOOLSHIFT_SHADOW_LOCK=0 always locks in the project, after writing.
TOOLSHIFT_TIMINGS=1 prints when each phase ended (detect, lock start/finish, plan,
apply) to stderr: where the time went.

which of your settings toolshift honours:
  yes  the project's own index configuration, from its files (--index-url,
       --extra-index-url, --find-links, --no-index, --trusted-host in requirements
       files; [tool.uv] in pyproject.toml): it moves into pyproject.toml and uv lock
       uses it
  yes  UV_INDEX_<NAME>_USERNAME / UV_INDEX_<NAME>_PASSWORD from the environment:
       credentials for a named index are passed to uv (they are never written)
  no   PIP_* and UV_* variables, pip.conf, uv.toml of your user or system, and an
       activated VIRTUAL_ENV: they are scrubbed, so the lock depends on the project
       alone (pass --offline / --find-links for this run instead)

exit codes: 0 done (or nothing to do), 1 --check found pending changes, 2 usage or
input error (file:line named), 4 applying or locking failed and every file was restored.

--to pip (uv project -> requirements files): see `toolshift migrate --to pip --help`
"""

EPILOG_PIP = """\
examples:
  toolshift migrate --to pip --diff                show the whole change; write nothing
  toolshift migrate --to pip services/api --yes    apply it, keep a backup
  toolshift migrate --to pip --pin exact --hashes  == pins with --hash lines from uv.lock
  toolshift migrate --to pip --pin compatible --extras --keep-pyproject
  toolshift undo                                   put every file back, byte for byte

pin policies (--pin; every version comes from uv.lock, here fastapi locked at 0.111.0):
  exact       fastapi==0.111.0          the default; the only one --hashes accepts
  compatible  fastapi~=0.111.0          patch releases allowed
  minor       fastapi>=0.111.0,<0.112   anything up to the next minor release
  declared    fastapi>=0.110            as written in pyproject.toml; packages that are only
                                        dependencies of others are left to pip's resolver

per category or package, in pyproject.toml (a package wins over a category, a category over
--pin; categories: web framework, database, ml, async, auth, monitoring, testing,
code quality, http client, data, cli, serialization, other):
  [tool.toolshift.pin]
  ml = "exact"
  "web framework" = "compatible"
  "code quality" = "declared"
  packages = { ruff = "declared", numpy = "minor" }

what --to pip does (rule ids for --disable):
  TS121 requirements.txt (runtime; index options; -e . when the project is a package),
        requirements-dev.txt and requirements-<group>.txt per dependency group, each
        starting with -r requirements.txt; requirements-<extra>.txt per extra with --extras;
        constraints.txt from [tool.uv] constraint-dependencies. Sections by category,
        markers and sources (git, path, URL) kept, credentials as ${VAR} references
  TS122 uv.lock is deleted: the requirements files pin its versions now
  TS123 the [tool.uv] tables leave pyproject.toml (always, --keep-pyproject too)
  TS124 [dependency-groups] leaves pyproject.toml (the group files replace it), and so do
        [project] and [build-system] when the project is not a package (only uv used
        them; a pyproject.toml left empty is deleted). --keep-pyproject keeps both
  .python-version is kept as it is.

no uv.lock? `uv lock` runs first in a temporary copy of the project (pyproject.toml and the
files it points at), honouring the project's [tool.uv] indexes and --offline/--find-links;
the plan says its versions come from that fresh lock, and no uv.lock is written.

undo: `toolshift undo PATH` brings back uv.lock and pyproject.toml byte for byte and removes
the requirements files the migration created (`toolshift history PATH` lists the runs).

exit codes: 0 done (or nothing to do), 1 --check found pending changes, 2 usage or input
error (file:line named; --hashes with a pin that is not exact), 4 applying failed and every
file was restored.
"""


class _Help(argparse.Action):
    """``-h``/``--help`` that knows the target: ``migrate --to pip --help`` explains --to pip."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        if getattr(namespace, "to", None) == "pip":
            parser.description = (
                "Move a uv project (pyproject.toml + uv.lock) in PATH back to requirements\n"
                "files a person would write, pinned from uv.lock; show the plan, then apply it\n"
                "with a backup of every file it touches (see `toolshift undo`)."
            )
            parser.epilog = EPILOG_PIP
        parser.print_help()
        parser.exit()


def _group_arg(value: str) -> tuple[str, str]:
    name, sep, path = value.partition("=")
    if not sep or not name.strip() or not path.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=FILE, got {value!r}")
    return name.strip(), path.strip()


def _python_arg(value: str) -> str:
    import re

    if not re.fullmatch(r"3\.\d{1,2}", value.strip()):
        raise argparse.ArgumentTypeError(f"expected a Python version like 3.12, got {value!r}")
    return value.strip()


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from toolshift.cli.common import add_format

    p = sub.add_parser(
        "migrate",
        help="move the project to another toolchain (--to uv), reviewed and reversible",
        description="Plan the whole migration of the project in PATH, show it, then apply it\n"
        "with a backup of every file it touches (see `toolshift undo`).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=False,
    )
    p.add_argument(
        "-h", "--help", action=_Help, help="show this help (`--to pip --help`: the --to pip guide)"
    )
    p.add_argument("--to", required=True, choices=TARGETS, help="the target toolchain")
    p.add_argument("path", nargs="?", default=".", help="the project folder (default: .)")
    p.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="FOLDER",
        help="a monorepo (service folders below PATH, each with its own dependency files) is "
        "migrated whole, in one plan; --only narrows it to these folders (relative to PATH, "
        "repeatable; . is PATH itself)",
    )
    show = p.add_argument_group("review")
    show.add_argument(
        "--diff", action="store_true", help="show the unified diff of every file; write nothing"
    )
    show.add_argument("--dry-run", action="store_true", help="show the plan; write nothing")
    show.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the migration would change something, 0 if not",
    )
    show.add_argument("--yes", "-y", action="store_true", help="apply without asking")
    add_format(p, ("human", "json"))
    p.add_argument(
        "--disable",
        action="append",
        default=[],
        metavar="RULE,...",
        help="rule ids to skip (see below); repeatable or comma-separated",
    )
    files = p.add_argument_group("input files (default: found by their usual names)")
    files.add_argument(
        "--requirements",
        action="append",
        default=[],
        metavar="FILE",
        help="a runtime requirements file (repeatable)",
    )
    files.add_argument(
        "--dev-requirements",
        action="append",
        default=[],
        metavar="FILE",
        help="a development requirements file -> dependency group 'dev' (repeatable)",
    )
    files.add_argument(
        "--group",
        action="append",
        default=[],
        type=_group_arg,
        metavar="NAME=FILE",
        help="a requirements file for dependency group NAME (repeatable)",
    )
    uv = p.add_argument_group("--to uv")
    uv.add_argument(
        "--python",
        type=_python_arg,
        metavar="X.Y",
        help="requires-python >=X.Y and .python-version (default: the version the project "
        "states: .python-version, Dockerfile, CI, runtime.txt)",
    )
    uv.add_argument(
        "--keep-requirements",
        action="store_true",
        help="keep the requirements files next to pyproject.toml",
    )
    uv.add_argument("--no-lock", action="store_true", help="do not run `uv lock` afterwards")
    locking = p.add_argument_group("uv lock (--to uv; --to pip when there is no uv.lock)")
    locking.add_argument(
        "--offline", action="store_true", help="uv lock from uv's cache only, no network"
    )
    locking.add_argument(
        "--find-links",
        action="append",
        default=[],
        metavar="DIR",
        help="also look for wheels here while locking (this run only; not written)",
    )
    pip = p.add_argument_group("--to pip (see `toolshift migrate --to pip --help`)")
    pip.add_argument(
        "--pin",
        choices=PIN_CHOICES,
        default=None,
        help="how the requirements files pin each version from uv.lock: exact (==, the "
        "default), compatible (~=), minor (>=,<next minor), declared (as in pyproject.toml); "
        "[tool.toolshift.pin] refines it per category or package",
    )
    pip.add_argument(
        "--hashes",
        action="store_true",
        help="add uv.lock's --hash lines (pip's hash-checking mode; needs exact pins)",
    )
    pip.add_argument(
        "--extras",
        action="store_true",
        help="also write requirements-<extra>.txt for each [project.optional-dependencies] extra",
    )
    pip.add_argument(
        "--keep-pyproject",
        action="store_true",
        help="keep [project] and [dependency-groups] in pyproject.toml ([tool.uv] still goes; "
        "by default [dependency-groups] goes, and [project] too unless it is a package)",
    )
    other = p.add_argument_group("containers and --to fastapi")
    other.add_argument(
        "--docker",
        choices=("multistage", "minimal"),
        default="multistage",
        help="how Dockerfiles are rewritten (default: multistage)",
    )
    other.add_argument(
        "--style",
        choices=("compatible", "idiomatic"),
        default="compatible",
        help="--to fastapi: keep Flask's shapes, or rewrite to FastAPI idioms",
    )


# --------------------------------------------------------------------------- helpers


def _disabled(values: list[str]) -> frozenset[str]:
    from toolshift.errors import UsageError
    from toolshift.rules import RULES

    out: set[str] = set()
    for value in values:
        for rule in value.split(","):
            rule = rule.strip().upper()
            if not rule:
                continue
            if rule not in RULES:
                raise UsageError(
                    f"--disable {rule}: no such rule",
                    hint="see `toolshift migrate --help` for the rule ids",
                )
            out.add(rule)
    return frozenset(out)


def _command_line(args: argparse.Namespace) -> str:
    import shlex

    from toolshift.redact import redact_text

    parts = ["toolshift", "migrate", "--to", args.to, args.path]
    for flag in ("diff", "dry_run", "check", "yes", "keep_requirements", "no_lock", "offline"):
        if getattr(args, flag, False):
            parts.append("--" + flag.replace("_", "-"))
    if args.python:
        parts += ["--python", args.python]
    for d in args.find_links:
        parts += ["--find-links", d]
    if args.pin:
        parts += ["--pin", args.pin]
    for flag in ("hashes", "extras", "keep_pyproject"):
        if getattr(args, flag, False):
            parts.append("--" + flag.replace("_", "-"))
    for rule in args.disable:
        parts += ["--disable", rule]
    for folder in args.only:
        parts += ["--only", folder]
    return redact_text(shlex.join(parts))


def _diag_json(d: Diagnostic) -> dict[str, Any]:
    return {
        "code": d.code,
        "severity": d.severity.value,
        "message": d.message,
        "where": str(d.origin) if d.origin else None,
        "hint": d.hint,
    }


def _plan_json(plan: Plan, *, diff: bool) -> dict[str, Any]:
    from toolshift.diffing import summary_rows, unified_diff

    rows = {r.path: r for r in summary_rows(plan)}
    changes = []
    for c in plan.changes:
        row = rows.get(c.path)
        changes.append(
            {
                "path": c.path,
                "change": c.kind.value,
                "added": row.added if row else 0,
                "removed": row.removed if row else 0,
                "rules": list(c.rules),
                "reasons": list(c.reasons),
            }
        )
    out: dict[str, Any] = {
        "root": plan.root,
        "target": plan.target,
        "empty": plan.empty,
        "changes": changes,
        "post_actions": [
            {"kind": a.kind.value, "description": a.description, "produces": list(a.produces)}
            for a in plan.post_actions
        ],
        "diagnostics": [_diag_json(d) for d in plan.diagnostics],
    }
    if diff:
        out["diff"] = unified_diff(plan)
    return out


def _print_diagnostics(console: Console, diags: tuple[Diagnostic, ...] | list[Diagnostic]) -> None:
    from rich.markup import escape

    styles = {"error": "red", "warning": "yellow", "info": "cyan"}
    for d in diags:
        style = styles.get(d.severity.value, "")
        where = f"{d.origin}: " if d.origin else ""
        console.print(
            f"  [{style}]{d.severity.value}[/] [bold]{d.code}[/] {escape(where + d.message)}"
        )
        if d.hint:
            console.print(f"      [dim]hint: {escape(d.hint)}[/]")


def _print_plan(console: Console, plan: Plan, *, diff: bool) -> None:
    from rich.markup import escape

    from toolshift.diffing import print_diff, print_summary

    console.print(f"[bold]migrate --to {plan.target}[/]: {escape(plan.root)}")
    if plan.empty:
        from toolshift.model import Severity

        stopped = any(d.severity is not Severity.INFO for d in plan.diagnostics)
        console.print(
            "nothing to change: see the notes below"
            if stopped
            else f"nothing to migrate: the project is already on {plan.target}"
        )
    else:
        print_summary(plan, console)
        for change in plan.changes:
            for reason in change.reasons:
                console.print(f"  [dim]{escape(change.path)}: {escape(reason)}[/]")
        for action in plan.post_actions:
            produces = f" -> {', '.join(action.produces)}" if action.produces else ""
            console.print(f"  then: {escape(action.description)}{escape(produces)}")
    if plan.diagnostics:
        console.print("[bold]notes[/]")
        _print_diagnostics(console, plan.diagnostics)
    if diff:
        print_diff(plan, console)


def _planner(target: str) -> Any:
    from toolshift.errors import UsageError
    from toolshift.planners import get_planner

    try:
        return get_planner(target)
    except (ImportError, AttributeError):
        raise UsageError(
            f"--to {target} is not available in this version of toolshift",
            hint="--to uv is",
        ) from None


def _uv_version(target: str) -> str | None:
    """The version of the uv toolshift runs, pinned in Dockerfiles and CI (None: no uv here,
    the planners use :data:`toolshift.rewriters.DEFAULT_UV_VERSION`)."""

    if target not in ("uv", "pip"):
        return None
    from toolshift.errors import ToolError
    from toolshift.tools import find_uv

    try:
        return find_uv().version_str
    except ToolError:
        return None


def _pins_uv_somewhere(services: list[Service]) -> bool:
    """True when a Dockerfile or CI file may get uv pinned at a version."""

    from toolshift.model import FileRole

    roles = {FileRole.DOCKERFILE, FileRole.GITHUB_WORKFLOW, FileRole.GITLAB_CI}
    return any(f.role in roles for s in services for f in s.detected.project.files)


def _check_pip_flags(args: argparse.Namespace) -> None:
    from toolshift.errors import UsageError

    given = [
        flag
        for flag, on in (
            ("--pin", args.pin is not None),
            ("--hashes", args.hashes),
            ("--extras", args.extras),
            ("--keep-pyproject", args.keep_pyproject),
        )
        if on
    ]
    if given and args.to != "pip":
        raise UsageError(
            f"{', '.join(given)}: only for --to pip",
            hint=f"drop {' '.join(given)}, or migrate --to pip",
        )
    if args.hashes and (args.pin or "exact") != "exact":
        raise UsageError(
            f"--hashes needs --pin exact, not --pin {args.pin}",
            hint="pip's hash-checking mode installs nothing that is not pinned with ==: drop "
            "--hashes to keep --pin " + str(args.pin) + ", or use --pin exact --hashes",
        )


def _lock_args(args: argparse.Namespace) -> list[str]:
    from pathlib import Path

    out: list[str] = []
    if args.offline:
        out.append("--offline")
    for d in args.find_links:
        # A URL is passed as given (resolving it as a path turned https://u:p@host into
        # /cwd/https:/u:p@host: a failed lock, and a credential redaction no longer knew).
        out += ["--find-links", d if "://" in d else str(Path(d).resolve())]
    return out


def _fresh_lock(args: argparse.Namespace, detected: Detected, console: Console) -> FreshLock | None:
    """No uv.lock in a uv project: lock a temporary copy first (nothing written here)."""

    from toolshift.planners.to_pip import needs_lock

    if not needs_lock(detected):
        return None
    from toolshift.fresh_lock import lock_in_copy

    with console.status("no uv.lock: locking a temporary copy with uv ...", spinner="dots"):
        return lock_in_copy(
            detected.project.root,
            detected.contents["pyproject.toml"],
            extra_args=_lock_args(args),
        )


def _detect(args: argparse.Namespace) -> Detected:
    from pathlib import Path

    from toolshift.detect import FileSelection, detect

    selection = FileSelection(
        requirements=tuple(args.requirements),
        dev_requirements=tuple(args.dev_requirements),
        groups=tuple(args.group),
    )
    detected = detect(Path(args.path).resolve(), selection)
    if args.to == "fastapi":
        # detect reads packaging files only; the codemod needs the service's Python sources.
        from toolshift.codemods.flask_fastapi.sources import with_python_sources

        detected = with_python_sources(detected)
        procfile = Path(args.path).resolve() / "Procfile"  # FF025: its web command follows
        if "Procfile" not in detected.contents and procfile.is_file():
            import dataclasses

            contents = {**detected.contents, "Procfile": procfile.read_bytes()}
            detected = dataclasses.replace(detected, contents=contents)
    return detected


def _services(args: argparse.Namespace, top: Detected) -> tuple[list[Service], list[Diagnostic]]:
    """The services to migrate: PATH alone, or every service folder of a monorepo (--only)."""

    from pathlib import Path

    from toolshift.errors import UsageError
    from toolshift.services import Service, detect_services

    if args.to not in ("uv", "pip"):
        if args.only:
            raise UsageError(f"--only is for --to uv and --to pip, not --to {args.to}")
        return [Service("", top)], []
    return detect_services(Path(top.project.root), top, args.only)


def _shadow_fits(shadow: ShadowLock, plan: Plan, top: Detected) -> bool:
    """The shadow locked exactly what the finished plan's uv lock will read."""

    from toolshift.shadow_lock import lock_inputs

    return shadow.matches(lock_inputs(plan.root, top.contents, plan.changes))


# --------------------------------------------------------------------------- run


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from toolshift.errors import UsageError
    from toolshift.model import MigrateOptions

    root = Path(args.path)
    if not root.is_dir():
        raise UsageError(f"no such folder: {args.path}", hint="give the project folder as PATH")
    as_json = args.format == "json"
    if as_json and not (args.yes or args.check or args.dry_run or args.diff) and sys.stdin.isatty():
        raise UsageError(
            "--format json does not ask before applying",
            hint="add --yes to apply, or --dry-run/--diff/--check to only look",
        )
    _check_pip_flags(args)
    options = MigrateOptions(
        target=args.to,
        python=args.python,
        keep_requirements=args.keep_requirements,
        lock=not args.no_lock,
        disabled_rules=_disabled(args.disable),
        pin=args.pin or "exact",
        hashes=args.hashes,
        keep_pyproject=args.keep_pyproject,
        extras=args.extras,
        docker=args.docker,
        style=args.style,
    )
    from toolshift import timings

    top = _detect(args)
    timings.mark(f"detected {len(top.project.files)} file(s)")
    services, notes = _services(args, top)
    # Started before anything else is imported or planned: it runs while the rest happens.
    shadow = _start_shadow_lock(args, options, services)
    try:
        from rich.console import Console

        planner = _planner(args.to)
        console = Console(highlight=False, soft_wrap=True, stderr=as_json)
        if _pins_uv_somewhere(services):
            # Asking uv its version costs a process start: only when a file will pin it.
            from dataclasses import replace

            options = replace(options, uv_version=_uv_version(args.to))
        return _plan_and_apply(args, options, planner, top, services, notes, console, shadow)
    finally:
        if shadow is not None:
            shadow.cancel()


def _start_shadow_lock(
    args: argparse.Namespace, options: MigrateOptions, services: list[Service]
) -> ShadowLock | None:
    """``uv lock`` of the new pyproject.toml, started now in a temporary copy, so it runs while
    the rest is planned, shown and confirmed (see :mod:`toolshift.shadow_lock`)."""

    if args.to != "uv" or args.check or args.dry_run or args.diff or args.no_lock:
        return None
    if len(services) != 1 or services[0].path != "":
        return None  # a monorepo locks each service in its own folder, one after the other
    from toolshift import shadow_lock

    if not shadow_lock.enabled():
        return None
    from toolshift.locking import pins_for
    from toolshift.planners.to_uv import lock_preview

    detected = services[0].detected
    preview = lock_preview(detected, options)
    if preview is None:
        return None
    root = detected.project.root
    inputs = shadow_lock.lock_inputs(root, detected.contents, preview)
    return shadow_lock.ShadowLock.start(root, inputs, pins_for(detected), _lock_args(args))


def _plan_and_apply(
    args: argparse.Namespace,
    options: MigrateOptions,
    planner: Any,
    top: Detected,
    services: list[Service],
    notes: list[Diagnostic],
    console: Console,
    shadow: ShadowLock | None,
) -> int:
    from pathlib import Path

    from rich.markup import escape

    from toolshift.cli.common import confirm, emit_json
    from toolshift.errors import ExitCode, ToolError
    from toolshift.model import PostAction, PostActionKind

    as_json = args.format == "json"
    plans: list[tuple[str, Plan]] = []
    for service in services:  # one, unless PATH is a monorepo
        detected = service.detected
        fresh = _fresh_lock(args, detected, console) if args.to == "pip" else None
        if fresh is not None:
            from toolshift.fresh_lock import fresh_plan, with_lock

            plans.append(
                (service.path, fresh_plan(planner(with_lock(detected, fresh), options), fresh))
            )
        else:
            plans.append((service.path, planner(detected, options)))
    from toolshift import timings

    timings.mark("planned")
    detected_in = {s.path: s.detected for s in services}
    from toolshift.services import merge_plans

    outside = None if any(s.path == "" for s in services) else top
    plan: Plan = merge_plans(top.project.root, args.to, plans, notes, outside)

    only_look = args.check or args.dry_run or args.diff
    if as_json and (only_look or plan.empty):
        emit_json("plan", {**_plan_json(plan, diff=args.diff), "applied": None})
    elif not as_json:
        _print_plan(console, plan, diff=args.diff)
    if args.check:
        if not as_json:
            console.print(
                "pending: run without --check to apply" if not plan.empty else "up to date"
            )
        return int(ExitCode.CHANGES_PENDING if not plan.empty else ExitCode.OK)
    if only_look:
        if not as_json:
            console.print("[dim]nothing was written[/]")
        return int(ExitCode.OK)
    if plan.empty:
        return int(ExitCode.OK)
    timings.mark("plan shown")
    if not as_json and not confirm("Apply these changes?", assume_yes=args.yes):
        console.print("nothing was changed")
        return int(ExitCode.OK)

    from toolshift.apply import apply_plan

    locks: list[LockResult] = []
    extra_args = _lock_args(args)

    if shadow is not None and not _shadow_fits(shadow, plan, top):
        shadow.cancel()  # the plan locks other inputs (an ad hoc package was added): lock here
        shadow = None

    def post(action: PostAction) -> None:
        from toolshift.locking import pins_for, run_uv_lock

        if action.kind is not PostActionKind.UV_LOCK:
            raise ToolError(f"unknown post-action {action.kind.value!r}")
        where = f" in {action.cwd}" if action.cwd else ""
        if shadow is not None and action.cwd == "" and not action.args:
            from toolshift.apply import atomic_write
            from toolshift.locking import LOCK_FILE

            with console.status("locking with uv ...", spinner="dots"):
                result, data = shadow.result()
            atomic_write(Path(plan.root) / LOCK_FILE, data)
            locks.append(result)
            return
        timings.mark(f"uv lock started{where} (in the project)")
        with console.status(f"locking with uv{where} ...", spinner="dots"):
            locks.append(
                run_uv_lock(
                    Path(plan.root) / action.cwd,
                    action,
                    pins_for(detected_in[action.cwd]),
                    extra_args=extra_args,
                )
            )
        timings.mark(f"uv lock finished{where}")

    entry = apply_plan(plan, command=_command_line(args), post=post)
    timings.mark(f"applied, journal {entry.id}")
    lock_diags = [d for r in locks for d in r.diagnostics]
    if as_json:
        payload = _plan_json(plan, diff=False)
        payload["diagnostics"] += [_diag_json(d) for d in lock_diags]
        payload["applied"] = {
            "journal": entry.id,
            "status": entry.status.value,
            "locked": {k: v for r in locks for k, v in sorted(r.versions.items())},
            "moved": [
                {"name": n, "before": old, "after": new} for r in locks for n, old, new in r.moved
            ],
            "undo": f"toolshift undo {args.path}",
        }
        emit_json("plan", payload)
        return int(ExitCode.OK)
    for r in locks:
        kept = f", kept {len(r.kept)} pinned version(s)" if r.kept else ""
        console.print(f"uv.lock: {len(r.versions)} package(s){kept}")
    if lock_diags:
        _print_diagnostics(console, lock_diags)
    console.print(f"[green]applied[/]: journal {escape(entry.id)}")
    console.print(f"  undo with: toolshift undo {escape(args.path)}")
    return int(ExitCode.OK)
