"""Plan step shared by ``--to uv`` and ``--to pip``: the files *around* the packaging.

Pure: takes the :class:`~toolshift.model.Detected` model (the bytes detect read) and the
:class:`~toolshift.model.MigrateOptions`, and returns the :class:`~toolshift.model.FileChange`
of every Dockerfile, compose file, GitHub workflow, GitLab CI file, ``.gitignore``,
``.dockerignore``, README/CONTRIBUTING and Makefile the target toolchain needs changed, made by
the rewriters of :mod:`toolshift.rewriters` (each file decoded and re-encoded with
:mod:`toolshift.textio`, so a BOM and CRLF stay). The planners call :func:`plan_surroundings`
*before* they render the packaging files, because of what the rewriters find on the way:

* packages installed ad hoc (``RUN pip install gunicorn==22.0.0`` in a Dockerfile, a bare
  ``pip install`` in CI): the rewriter drops the install line, so the planner must add the
  package to the project's dependencies (runtime, or the ``dev`` group for CI) in the same
  plan, or it vanishes from the image. :func:`adhoc_requirements` turns them into
  requirements and says so; :func:`merge_adhoc` is the diagnostic for the ones the planner
  placed (TS208);
* Python versions: with ``--python X.Y`` the rewriters align base images and CI setup steps
  (TS212); a place left disagreeing (a CI test matrix without X.Y, a GitLab image) is a
  warning here.

The uv version pinned in Dockerfiles and CI is ``options.uv_version`` (the CLI passes the version
of the uv it runs) or :data:`toolshift.rewriters.DEFAULT_UV_VERSION`.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from toolshift.errors import InputError, ParseError
from toolshift.model import (
    Detected,
    Diagnostic,
    FileChange,
    FileRole,
    GroupKind,
    MigrateOptions,
    Origin,
    Requirement,
    Severity,
    Tool,
)
from toolshift.rewriters import DEFAULT_UV_VERSION, AdhocPackage, RewriteContext, rewriter_for
from toolshift.rules import describe
from toolshift.textio import decode, encode

#: The roles rewritten here, in the order their changes are listed.
ROLES: tuple[FileRole, ...] = (
    FileRole.DOCKERFILE,
    FileRole.DOCKERIGNORE,
    FileRole.COMPOSE,
    FileRole.GITHUB_WORKFLOW,
    FileRole.GITLAB_CI,
    FileRole.GITIGNORE,
    FileRole.README,
    FileRole.MAKEFILE,
)
RULE_ADHOC = "TS208"
RULE_PYTHON = "TS212"


@dataclass(frozen=True)
class Surroundings:
    """What the rewriters made of the files around the packaging."""

    changes: tuple[FileChange, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    adhoc: tuple[AdhocPackage, ...] = ()  # deduplicated by name, runtime before dev


RULE_PIPENV_SCRIPTS = "TS109"

_URL_CREDENTIAL_VARS = re.compile(
    r"^[A-Za-z][\w+.-]*://(?P<user>\$\{?\w+\}?)?(?::(?P<password>\$\{?\w+\}?))?@"
)


def index_credential_variables(detected: Detected) -> dict[str, str]:
    """The variables an index URL takes its credentials from (``https://${NEXUS_USER}:
    ${NEXUS_PASSWORD}@host/simple`` in a Pipfile source or an ``--index-url`` line) -> the ones
    uv reads for that index once it is a ``[[tool.uv.index]]`` (``UV_INDEX_NEXUS_USERNAME``,
    ``UV_INDEX_NEXUS_PASSWORD``)."""

    from toolshift.planners.to_uv import index_name
    from toolshift.redact import strip_credentials

    out: dict[str, str] = {}
    for ix in detected.project.indexes:
        m = _URL_CREDENTIAL_VARS.match(ix.url)
        if not m:
            continue
        name = ix.name or index_name(strip_credentials(ix.url))
        prefix = "UV_INDEX_" + re.sub(r"[^A-Z0-9]", "_", name.upper())
        for part, suffix in (("user", "USERNAME"), ("password", "PASSWORD")):
            var = m.group(part)
            if var:
                out.setdefault(var.strip("${}"), f"{prefix}_{suffix}")
    return out


def pipenv_scripts(detected: Detected) -> dict[str, str]:
    """A Pipenv project's ``[scripts]``: name -> command (string scripts only)."""

    if detected.project.tool is not Tool.PIPENV or "Pipfile" not in detected.contents:
        return {}
    import tomllib

    try:
        data = tomllib.loads(detected.contents["Pipfile"].decode("utf-8", "replace"))
    except tomllib.TOMLDecodeError:
        return {}
    table = data.get("scripts")
    if not isinstance(table, dict):
        return {}
    return {str(k): v for k, v in table.items() if isinstance(v, str) and v.strip()}


def expand_pipenv_scripts(text: str, scripts: Mapping[str, str]) -> str:
    """``pipenv run <script> [args]`` with the script's command in place of its name, in
    shell form and in a Dockerfile/compose exec form (``["pipenv", "run", "start"]``).

    The Pipfile goes away: translated as is, ``pipenv run test`` became ``uv run test``, which
    runs a program named ``test``, not ``pytest -q``."""

    import json
    import shlex

    for name, command in scripts.items():
        try:
            words = shlex.split(command)
        except ValueError:
            continue
        if not words:
            continue
        exec_form = ", ".join(json.dumps(x) for x in words)

        def shell(m: re.Match[str], command: str = command) -> str:
            return m.group(1) + command

        def exec_(m: re.Match[str], exec_form: str = exec_form) -> str:
            return m.group(1) + exec_form

        text = re.sub(
            r"(\bpipenv\s+run\s+)" + re.escape(name) + r"(?=[\s\"'`;&|)]|$)",
            shell,
            text,
            flags=re.MULTILINE,
        )
        text = re.sub(r"(\"pipenv\"\s*,\s*\"run\"\s*,\s*)\"" + re.escape(name) + r"\"", exec_, text)
    return text


def compiled_requirement_files(detected: Detected) -> dict[str, str] | None:
    """pip-tools: group -> the compiled ``.txt`` beside the ``.in`` the group was read from,
    which is what Dockerfiles, CI and READMEs install (``pip install -r dev-requirements.txt``,
    ``pip-sync requirements.txt dev-requirements.txt``). ``None`` when there is none: the
    groups' own files are the installed ones (:meth:`RewriteContext.for_project`).

    Without it ``dev-requirements.txt`` was no group's file, read as the runtime one, and
    ``pip-sync requirements.txt dev-requirements.txt`` became ``uv sync --locked --no-dev``."""

    out: dict[str, str] = {}
    found = False
    for g in detected.project.groups:
        if g.kind is GroupKind.EXTRA or not g.files:
            continue
        key = "" if g.kind is GroupKind.RUNTIME else g.name
        path = g.files[0]
        if path.endswith(".in") and path[:-3] + ".txt" in detected.contents:
            path, found = path[:-3] + ".txt", True
        out.setdefault(key, path)
    from toolshift.detect import compiled_from_metadata

    # pip-compile of pyproject.toml itself: requirements.txt installs the runtime set, a file
    # compiled with --extra dev the extra (key ``[dev]``: uv sync --extra dev)
    for path, extras in compiled_from_metadata(detected).items():
        out.setdefault(f"[{','.join(extras)}]" if extras else "", path)
        found = True
    if not found:
        return None
    out.setdefault("", "requirements.txt")
    return out


def plan_surroundings(
    detected: Detected,
    options: MigrateOptions,
    direction: str,
    *,
    requirement_files: Mapping[str, str] | None = None,
) -> Surroundings:
    """Run the matching rewriter over every detected file around the packaging.

    ``direction`` is ``"uv"`` or ``"pip"``; ``requirement_files`` maps a dependency group
    (``""`` = runtime) to the requirements file holding it (default: see
    :meth:`RewriteContext.for_project`).
    """

    project = detected.project
    uv_version = options.uv_version or DEFAULT_UV_VERSION
    if requirement_files is None and direction == "uv":
        requirement_files = compiled_requirement_files(detected)
    scripts = pipenv_scripts(detected) if direction == "uv" else {}
    cred_vars = index_credential_variables(detected) if direction == "uv" else {}
    changes: list[FileChange] = []
    diags: list[Diagnostic] = []
    adhoc: list[AdhocPackage] = []
    order = {role: n for n, role in enumerate(ROLES)}
    files = sorted(
        (f for f in project.files if f.role in order), key=lambda f: (order[f.role], f.path)
    )
    for f in files:
        rewrite = rewriter_for(f.role, f.path)
        data = detected.contents.get(f.path)
        if rewrite is None or data is None:
            continue
        try:
            text, fmt = decode(data, f.path)
        except InputError as err:
            diags.append(
                Diagnostic(
                    "DET002",
                    Severity.WARNING,
                    f"left alone: {err.message}",
                    Origin(f.path, err.line or 0),
                    err.hint or "",
                )
            )
            continue
        ctx = RewriteContext.for_project(
            project,
            direction,
            uv_version=uv_version,
            path=f.path,
            docker_mode=options.docker,
            python_version=options.python,
            disabled_rules=options.disabled_rules,
            requirement_files=requirement_files,
            align_python=bool(options.python),
        )
        expanded = expand_pipenv_scripts(text, scripts) if scripts else text
        result = rewrite(expanded, ctx)
        if expanded != text:
            result = replace(result, rules=(*result.rules, RULE_PIPENV_SCRIPTS))
        if cred_vars and f.role in (FileRole.GITHUB_WORKFLOW, FileRole.GITLAB_CI):
            from toolshift.rewriters.github_actions import index_credential_env

            more = index_credential_env(
                result.text, ctx, cred_vars, gitlab=f.role is FileRole.GITLAB_CI
            )
            if more.text != result.text:
                result = replace(
                    result,
                    text=more.text,
                    rules=(*result.rules, *more.rules),
                    diagnostics=(*result.diagnostics, *more.diagnostics),
                )
        diags.extend(result.diagnostics)
        adhoc.extend(result.adhoc_packages)
        diags.extend(_python_left_behind(f.role, f.path, result.text, ctx, result.diagnostics))
        if f.role is FileRole.DOCKERFILE and result.text != text:
            diags.extend(_install_lost(f.path, text, result.text, direction))
        if result.text == text:
            continue
        new = encode(result.text, fmt)
        if new == data:
            continue
        rules = tuple(sorted(set(result.rules)))
        changes.append(
            FileChange(
                f.path,
                data,
                new,
                rules=rules,
                reasons=tuple(_reason(r, f.path) for r in rules),
            )
        )
    changes += _missing_dockerignores(detected, options, direction, uv_version)
    if direction == "uv":
        diags += old_tool_in_tool_config(detected)
    return Surroundings(tuple(changes), tuple(_unique(diags)), _dedupe_adhoc(adhoc))


# the commands (and pre-commit hook repositories) of the tools a migration to uv replaces
_OLD_TOOL_USE = re.compile(
    r"(?<![\w./-])(poetry|pipenv|pip-compile|pip-sync)(?=\s|$|[\"',\]])"
    r"|github\.com/(python-poetry/poetry|jazzband/pip-tools|pypa/pipenv)\b"
)
_OLD_TOOLS = {Tool.POETRY: "poetry", Tool.PIPENV: "pipenv", Tool.PIP_TOOLS: "pip-tools"}


def old_tool_in_tool_config(detected: Detected) -> list[Diagnostic]:
    """A tox.ini, noxfile.py, .pre-commit-config.yaml or other CI file (read, never rewritten)
    that still runs the tool the migration replaces: a warning at its first such line.

    ``commands_pre = poetry install`` in tox.ini, a ``poetry-lock`` pre-commit hook: with
    ``[tool.poetry]``/``poetry.lock`` gone they fail, and nothing said so."""

    project = detected.project
    tool = _OLD_TOOLS.get(project.tool)
    if tool is None:
        return []
    out: list[Diagnostic] = []
    for path in sorted(project.files_with(FileRole.TOOL_CONFIG)):
        data = detected.contents.get(path)
        if data is None:
            continue
        for n, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue
            m = _OLD_TOOL_USE.search(line)
            if not m:
                continue
            used = m.group(1) or m.group(2).rsplit("/", 1)[-1]
            out.append(
                Diagnostic(
                    "TS107",
                    Severity.WARNING,
                    f"{path} still runs {used}, which this migration replaces with uv "
                    f"({tool}'s files are gone after it); toolshift does not rewrite this file",
                    Origin(path, n, line.strip()),
                    "translate it by hand: uv sync --locked / uv run (tox: the tox-uv plugin; "
                    "pre-commit: the uv-lock hook of astral-sh/uv-pre-commit)",
                )
            )
            break
    return out


_INSTALLS = {
    "uv": re.compile(r"\buv\s+sync\b|\buv\s+pip\s+install\b.*(?:\s-r\s|--requirements?\b)"),
    "pip": re.compile(r"\bpip3?\s+install\b[^\n]*(?:\s-r\s?\S|--requirement\b)"),
}


def _install_lost(path: str, old: str, new: str, direction: str) -> list[Diagnostic]:
    """A safety net: the old Dockerfile installed the project's dependencies and the rewritten
    one installs none (a layout the rewriter did not follow). Said loudly, never silently."""

    source = "pip" if direction == "uv" else "uv"
    if not _INSTALLS[source].search(old) or any(rx.search(new) for rx in _INSTALLS.values()):
        return []  # nothing was installed, or something still is (translated or left alone)
    return [
        Diagnostic(
            "TS204" if direction == "pip" else "TS202",
            Severity.WARNING,
            f"{path} installed the project's dependencies before and no longer does after "
            "the rewrite; review it before building",
            Origin(path),
            "add the install step by hand (`pip install -r requirements.txt` or "
            "`uv sync --locked`), or disable the Dockerfile rules and edit it yourself",
        )
    ]


_COPY_ALL = re.compile(r"(?im)^\s*(?:COPY|ADD)\s+(?:--\S+\s+)*\.\s+\S+")


def _missing_dockerignores(
    detected: Detected, options: MigrateOptions, direction: str, uv_version: str
) -> list[FileChange]:
    """A ``.dockerignore`` beside each Dockerfile that copies its whole folder (``COPY . .``)
    and has none: toolshift's journal (backups of the files it replaced), ``.venv`` and caches
    would otherwise go into the image."""

    from toolshift.rewriters.ignore_files import RULE_DOCKERIGNORE, rewrite_dockerignore

    if RULE_DOCKERIGNORE in options.disabled_rules:
        return []
    project = detected.project
    have = {posixpath.dirname(p) for p in project.files_with(FileRole.DOCKERIGNORE)}
    out: list[FileChange] = []
    for path in sorted(project.files_with(FileRole.DOCKERFILE)):
        folder = posixpath.dirname(path)
        data = detected.contents.get(path)
        if folder in have or data is None or not _COPY_ALL.search(data.decode("utf-8", "replace")):
            continue
        have.add(folder)
        target = posixpath.join(folder, ".dockerignore")
        ctx = RewriteContext.for_project(
            project, direction, uv_version=uv_version, path=target, docker_mode=options.docker
        )
        text = rewrite_dockerignore("", ctx).text
        out.append(
            FileChange(
                target,
                None,
                text.encode("utf-8"),
                rules=(RULE_DOCKERIGNORE,),
                reasons=(
                    f"{path} copies its whole folder: keep toolshift's journal (.toolshift), "
                    ".venv and caches out of the image",
                ),
            )
        )
    return out


def _reason(rule: str, path: str) -> str:
    """The rule's description, without a ``Dockerfile:`` prefix that only repeats the path."""

    text = describe(rule)
    head, sep, rest = text.partition(": ")
    if sep and head.lower() in path.rsplit("/", 1)[-1].lower():
        return rest
    return text


# --------------------------------------------------------------------------- ad hoc packages


def _dedupe_adhoc(found: Sequence[AdhocPackage]) -> tuple[AdhocPackage, ...]:
    """One entry per distribution name; a runtime install wins over a dev one."""

    from toolshift.model import normalize_name

    out: dict[str, AdhocPackage] = {}
    for pkg in sorted(found, key=lambda p: p.dev):  # runtime first (False < True)
        key = normalize_name(_name_of(pkg.requirement))
        out.setdefault(key, pkg)
    return tuple(sorted(out.values(), key=lambda p: (p.dev, normalize_name(p.requirement))))


def _name_of(text: str) -> str:
    import re

    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", text)
    return m.group(1) if m else text


def adhoc_requirements(
    adhoc: Sequence[AdhocPackage],
) -> tuple[list[tuple[AdhocPackage, Requirement]], list[Diagnostic]]:
    """Each ad hoc package as a :class:`Requirement` (origin: where it was installed), and a
    warning for each one that is not a requirement toolshift can add (a local path, a
    variable): the person must add those by hand."""

    from toolshift.readers.pyproject import parse_requirement

    out: list[tuple[AdhocPackage, Requirement]] = []
    diags: list[Diagnostic] = []
    for pkg in adhoc:
        origin = pkg.origin or Origin("<unknown>")
        try:
            req = parse_requirement(pkg.requirement, origin)
        except ParseError:
            req = None
        if req is None or not req.name:
            diags.append(
                Diagnostic(
                    RULE_ADHOC,
                    Severity.WARNING,
                    f"installed ad hoc: {pkg.requirement!r} is not a requirement toolshift can "
                    "add to the project's dependencies; add it by hand",
                    origin,
                    "the install line was removed with the rest of the pip commands",
                )
            )
            continue
        out.append((pkg, req))
    return out, diags


def placed_diagnostic(pkg: AdhocPackage, where: str) -> Diagnostic:
    """The note for an ad hoc package a planner added to the project (``where``: the table or
    file it went to)."""

    origin = pkg.origin
    at = f" in {origin}" if origin else ""
    return Diagnostic(
        RULE_ADHOC,
        Severity.WARNING,
        f"{pkg.requirement} was installed ad hoc{at}; it is now in {where}, so the image "
        "and CI still get it",
        origin,
        "its version is the one the install line asked for"
        if any(c in pkg.requirement for c in "=<>~@")
        else "uv lock picks its version (the install line named none)",
    )


def without_adhoc_notes(
    diags: Sequence[Diagnostic], placed: Sequence[AdhocPackage]
) -> list[Diagnostic]:
    """The rewriters' own "installed ad hoc ... `uv add X`" warnings, dropped for the lines
    whose packages the planner placed (their hint no longer applies)."""

    where = {p.origin for p in placed if p.origin is not None}
    return [
        d
        for d in diags
        if not (
            d.code == RULE_ADHOC and d.origin in where and d.message.startswith("installed ad hoc:")
        )
    ]


# --------------------------------------------------------------------------- Python versions


def _python_left_behind(
    role: FileRole,
    path: str,
    text: str,
    ctx: RewriteContext,
    said: Sequence[Diagnostic],
) -> list[Diagnostic]:
    """A warning when the rewritten file still states another Python than the project's, and
    the rewriter did not say so already (a CI matrix without it, a GitLab image)."""

    want = ctx.python_version
    if not want or role not in (FileRole.DOCKERFILE, FileRole.GITHUB_WORKFLOW, FileRole.GITLAB_CI):
        return []
    if any(d.code == RULE_PYTHON and d.severity is Severity.WARNING for d in said):
        return []
    from toolshift.model import PythonSpec
    from toolshift.readers import python_version as pv

    sources = (
        pv.from_dockerfile(text, path)
        if role is FileRole.DOCKERFILE
        else pv.from_workflow(text, path)
    )
    versions: dict[str, int] = {}
    for s in sources:
        for v in PythonSpec(sources=(s,)).versions():
            versions.setdefault(v, s.origin.line)
    if not versions or want in versions:
        return []
    others = ", ".join(sorted(versions))
    what = "tests Python" if len(versions) > 1 else "uses Python"
    return [
        Diagnostic(
            RULE_PYTHON,
            Severity.WARNING,
            f"{path} {what} {others}, the project says {want}; left as it is",
            Origin(path, min(versions.values())),
            f"add {want} there by hand" if len(versions) > 1 else f"change it to {want} by hand",
        )
    ]


def ci_python_outside(detected: Detected, changes: Sequence[FileChange]) -> list[Diagnostic]:
    """A warning for each Python version a CI file tests that the planned ``requires-python``
    excludes: ``uv sync --locked`` fails on that version. Files are read as the plan leaves
    them (``changes`` win over the detected bytes), pyproject.toml included."""

    import tomllib

    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    from toolshift.model import PythonSpec
    from toolshift.readers import python_version as pv

    new = {c.path: c.new for c in changes}
    pyproject = new.get("pyproject.toml", detected.contents.get("pyproject.toml"))
    if pyproject is None:
        return []
    try:
        project = tomllib.loads(decode(pyproject, "pyproject.toml")[0]).get("project", {})
        requires_python = project.get("requires-python") if isinstance(project, dict) else None
        if not isinstance(requires_python, str):
            return []
        spec = SpecifierSet(requires_python)
    except (InputError, tomllib.TOMLDecodeError, InvalidSpecifier):
        return []
    out: list[Diagnostic] = []
    for f in sorted(detected.project.files, key=lambda f: f.path):
        if f.role not in (FileRole.GITHUB_WORKFLOW, FileRole.GITLAB_CI):
            continue
        data = new[f.path] if f.path in new else detected.contents.get(f.path)
        if data is None:
            continue
        try:
            text, _ = decode(data, f.path)
        except InputError:
            continue
        excluded: dict[str, int] = {}
        for source in pv.from_workflow(text, f.path):
            for v in PythonSpec(sources=(source,)).versions():
                if not spec.contains(f"{v}.0", prereleases=True):
                    excluded.setdefault(v, source.origin.line)
        for v, line in sorted(excluded.items()):
            out.append(
                Diagnostic(
                    RULE_PYTHON,
                    Severity.WARNING,
                    f"CI tests Python {v}, which requires-python = "
                    f"{requires_python!r} excludes: `uv sync --locked` fails there",
                    Origin(f.path, line),
                    f"migrate with --python {v} to widen requires-python, or drop {v} from "
                    "the CI matrix",
                )
            )
    return out


def _unique(diags: Sequence[Diagnostic]) -> list[Diagnostic]:
    seen: set[Diagnostic] = set()
    out: list[Diagnostic] = []
    for d in diags:
        if d not in seen:
            seen.add(d)
            out.append(d)
    return out


__all__ = [
    "ROLES",
    "Surroundings",
    "adhoc_requirements",
    "ci_python_outside",
    "compiled_requirement_files",
    "index_credential_variables",
    "old_tool_in_tool_config",
    "placed_diagnostic",
    "plan_surroundings",
    "without_adhoc_notes",
]
