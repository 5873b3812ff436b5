"""Monorepos: every service folder below a top folder, migrated in one plan.

:func:`toolshift.detect.detect` describes one service and names the folders below it that are
services of their own (``DET001``: a folder with its own ``pyproject.toml``, ``setup.py``,
``Pipfile`` or ``requirements.txt``) without walking them. :func:`find_services` (I/O: it runs
detect on each) follows those names down, so ``apps/backend``, ``plugins/x`` and
``plugins/x/sub`` are all found; :func:`merge_plans` (pure) joins the plans the planner made for
each into one :class:`~toolshift.model.Plan` whose paths are relative to the top folder, with
one ``uv lock`` post-action per service (:attr:`~toolshift.model.PostAction.cwd` names the
service folder). Applying that plan makes one journal entry, so one ``undo`` puts every service
back.

A top folder without nested services is the single-service case: one :class:`Service` with
``path == ""`` and exactly the ``Detected`` detect gives, so nothing changes for it. A top folder
that only holds services (no dependency files of its own) is not a service itself; its own
files (a shared workflow, a root compose file) are left alone, said in an info diagnostic, and
a warning (TS107, at the step) when one of them uses a file the migration deletes.

A uv workspace's members (``[tool.uv.workspace] members`` globs minus ``exclude``) are part of
its root project, locked with it: never services of their own.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from toolshift.errors import InputError, UsageError
from toolshift.model import (
    Detected,
    Diagnostic,
    FileChange,
    FileRole,
    Origin,
    Plan,
    PostAction,
    ProjectFile,
    Severity,
    SourceKind,
)

# A folder holding one of these declares dependencies: it is a service.
_DECLARES = frozenset(
    {
        FileRole.REQUIREMENTS,
        FileRole.CONSTRAINTS,
        FileRole.PYPROJECT,
        FileRole.UV_LOCK,
        FileRole.POETRY_LOCK,
        FileRole.PIPFILE,
        FileRole.PIPFILE_LOCK,
        FileRole.SETUP_PY,
        FileRole.SETUP_CFG,
    }
)
_AROUND = frozenset(
    {
        FileRole.DOCKERFILE,
        FileRole.COMPOSE,
        FileRole.GITHUB_WORKFLOW,
        FileRole.GITLAB_CI,
        FileRole.DOCKERIGNORE,
        FileRole.README,
        FileRole.MAKEFILE,
    }
)


@dataclass(frozen=True)
class Service:
    """One service of a (mono)repo: its folder relative to the top (POSIX, ``""`` = the top
    folder itself) and what detect found there."""

    path: str
    detected: Detected


def nested_services(detected: Detected) -> list[str]:
    """The folders below ``detected``'s root that detect named as services (DET001)."""

    out: list[str] = []
    for d in detected.project.diagnostics:
        if d.code == "DET001" and d.origin is not None:
            folder = str(PurePosixPath(d.origin.path).parent)
            if folder not in ("", ".") and folder not in out:
                out.append(folder)
    return out


def declares_dependencies(detected: Detected) -> bool:
    return any(f.role in _DECLARES for f in detected.project.files)


def find_services(
    top: Detected, detect_folder: Callable[[str], Detected], only: Sequence[str] = ()
) -> tuple[list[Service], list[Diagnostic]]:
    """Every service below ``top`` (``detect_folder(path relative to the top)`` detects one),
    narrowed to the folders ``only`` names (relative to the top; ``"."`` = the top itself).

    Raises :class:`UsageError` when an ``--only`` folder is not a service."""

    services: list[Service] = []
    notes: list[Diagnostic] = []
    queue = nested_services(top)
    if not queue or declares_dependencies(top):
        services.append(Service("", top))
    else:
        around = sorted(f.path for f in top.project.files if f.role in _AROUND)
        if around:
            notes.append(
                Diagnostic(
                    "DET001",
                    Severity.INFO,
                    "the top folder is not a service (no dependency files); its own "
                    f"{', '.join(around)} left as they are",
                    hint="check what they install by hand, or migrate that folder's "
                    "service on its own",
                )
            )
    seen: set[str] = set()
    found: list[Service] = []
    while queue:
        rel = queue.pop(0)
        if rel in seen:
            continue
        seen.add(rel)
        detected = detect_folder(rel)
        found.append(Service(rel, detected))
        queue += [f"{rel}/{p}" for p in nested_services(detected)]
    # a library a service installs from its folder (a path source, `-e ./libs/x`) is part of
    # that service, not a service to lock and rewrite on its own
    libraries: set[str] = set()
    members: dict[str, str] = {}  # workspace member folder -> the workspace root's folder
    for svc in [*services, *found]:
        globs = workspace_globs(svc.detected)
        for member in found:
            if globs[0] and member.path != svc.path and _is_member(member.path, svc.path, globs):
                members.setdefault(member.path, svc.path)
        libraries |= {
            _normalise(posixpath.join(svc.path, p)) for p in path_dependencies(svc.detected)
        }
    wanted_only = {_normalise(o) for o in only}
    for svc in found:
        if svc.path in members:  # part of its workspace's root project: locked with it
            owner = members[svc.path] or "."
            notes.append(
                Diagnostic(
                    "DET001",
                    Severity.INFO,
                    f"{svc.path} is a member of the uv workspace in {owner}, migrated with "
                    "it, not as a service of its own",
                    hint="[tool.uv.workspace] members/exclude in "
                    f"{_join(members[svc.path], 'pyproject.toml')} say which folders are members",
                )
            )
            continue
        if svc.path in libraries and not _locks_itself(svc.detected):
            notes.append(
                Diagnostic(
                    "DET001",
                    Severity.INFO,
                    f"{svc.path} is a path dependency of another service here, not a service "
                    "of its own: left as it is",
                    hint=f"--only {svc.path} migrates it on its own",
                )
            )
            if svc.path not in wanted_only:
                continue
        services.append(svc)
    services.sort(key=lambda s: s.path)
    if only:
        wanted = {_normalise(o) for o in only}
        known = {s.path for s in services}
        missing = sorted(wanted - known)
        if missing:
            names = ", ".join(s.path or "." for s in services)
            raise UsageError(
                f"--only {missing[0] or '.'}: not a service folder here",
                hint=f"the services found are: {names}",
            )
        services = [s for s in services if s.path in wanted]
    if len(services) > 1 or any(s.path for s in services):
        notes.append(
            Diagnostic(
                "DET001",
                Severity.INFO,
                f"{len(services)} service(s) in one plan: "
                + ", ".join(s.path or "." for s in services),
                hint="--only FOLDER (repeatable) narrows it",
            )
        )
    return services, notes


def path_dependencies(detected: Detected) -> list[str]:
    """Folders (relative to the service) its requirements install from a local path:
    ``-e ./libs/x`` lines, ``[tool.uv.sources] x = { path = ... }``, Poetry/Pipenv path
    dependencies."""

    out: list[str] = []

    def add(location: str) -> None:
        loc = location.removeprefix("file://").removeprefix("file:")
        loc = loc.replace("${PROJECT_ROOT}", ".").split("#", 1)[0]
        if loc and not loc.startswith(("/", "~", "$")) and "://" not in loc:
            norm = posixpath.normpath(loc)
            if norm not in (".", "") and not norm.startswith("..") and norm not in out:
                out.append(norm)

    for g in detected.project.groups:
        for r in g.requirements:
            if r.url and r.source is SourceKind.PATH:
                add(r.url)
    data = detected.contents.get("pyproject.toml")
    if data is not None:
        from toolshift.errors import ToolshiftError
        from toolshift.readers.pyproject import UvSourceKind, read_pyproject
        from toolshift.textio import decode

        try:
            text = decode(data, "pyproject.toml")[0]
            sources = [
                s for ss in read_pyproject(text, "pyproject.toml").sources.values() for s in ss
            ]
            if "[tool.poetry" in text:
                from toolshift.readers.poetry import read_poetry

                sources += list(read_poetry(text, "pyproject.toml").sources)
        except (ToolshiftError, ValueError):
            sources = []
        for src in sources:
            if src.kind is UvSourceKind.PATH:
                add(src.location)
    return out


def workspace_globs(detected: Detected) -> tuple[list[str], list[str]]:
    """``[tool.uv.workspace]`` ``members`` and ``exclude`` globs of ``detected``'s
    ``pyproject.toml`` (relative to its folder); empty when it is not a workspace root."""

    data = detected.contents.get("pyproject.toml")
    if data is None or b"workspace" not in data:
        return [], []
    import tomllib

    from toolshift.textio import decode

    try:
        doc = tomllib.loads(decode(data, "pyproject.toml")[0])
    except (InputError, tomllib.TOMLDecodeError):
        return [], []  # detect/the planner report a broken file
    tool = doc.get("tool")
    uv = tool.get("uv") if isinstance(tool, dict) else None
    ws = uv.get("workspace") if isinstance(uv, dict) else None
    if not isinstance(ws, dict):
        return [], []

    def globs(key: str) -> list[str]:
        value = ws.get(key)
        if not isinstance(value, list):
            return []
        return [_normalise(v) for v in value if isinstance(v, str) and _normalise(v)]

    return globs("members"), globs("exclude")


def _glob_match(path: str, pattern: str) -> bool:
    """``path`` matches a workspace glob (``*``/``?``/``[]`` within one folder name, ``**``
    any number of folders), as uv reads ``members``."""

    from fnmatch import fnmatchcase

    def match(parts: list[str], pats: list[str]) -> bool:
        if not pats:
            return not parts
        if pats[0] == "**":
            return any(match(parts[i:], pats[1:]) for i in range(len(parts) + 1))
        return bool(parts) and fnmatchcase(parts[0], pats[0]) and match(parts[1:], pats[1:])

    return match(path.split("/"), pattern.split("/"))


def _is_member(path: str, root: str, globs: tuple[list[str], list[str]]) -> bool:
    """``path`` (relative to the top) is a member of the uv workspace in folder ``root``
    whose :func:`workspace_globs` are ``globs``."""

    prefix = f"{root}/" if root else ""
    if not path.startswith(prefix):
        return False
    rel = path[len(prefix) :]
    members, exclude = globs
    return any(_glob_match(rel, g) for g in members) and not any(
        _glob_match(rel, g) for g in exclude
    )


def _locks_itself(detected: Detected) -> bool:
    """A folder with its own lock or requirements files is managed on its own."""

    own = {FileRole.UV_LOCK, FileRole.POETRY_LOCK, FileRole.PIPFILE_LOCK, FileRole.REQUIREMENTS}
    return any(f.role in own and "/" not in f.path for f in detected.project.files)


def _normalise(path: str) -> str:
    p = posixpath.normpath(path.replace("\\", "/").strip())
    return "" if p in (".", "") else p.strip("/")


def detect_services(
    root: Path, top: Detected, only: Sequence[str] = ()
) -> tuple[list[Service], list[Diagnostic]]:
    """:func:`find_services` with :func:`toolshift.detect.detect` on each folder (default file
    selection: ``--requirements`` and friends name files of the top folder)."""

    from toolshift.detect import detect

    return find_services(top, lambda rel: detect(root / rel), only)


# --------------------------------------------------------------------------- merging


def _join(prefix: str, path: str) -> str:
    return f"{prefix}/{path}" if prefix else path


def _origin(prefix: str, origin: Origin | None) -> Origin | None:
    if origin is None or not prefix or origin.path.startswith("<"):
        return origin
    return replace(origin, path=_join(prefix, origin.path))


def prefixed(plan: Plan, prefix: str) -> Plan:
    """``plan`` with every path (changes, post-actions, diagnostics) under ``prefix``."""

    if not prefix:
        return plan
    return replace(
        plan,
        changes=tuple(replace(c, path=_join(prefix, c.path)) for c in plan.changes),
        post_actions=tuple(
            replace(
                a,
                cwd=_join(prefix, a.cwd) if a.cwd else prefix,
                produces=tuple(_join(prefix, p) for p in a.produces),
            )
            for a in plan.post_actions
        ),
        diagnostics=tuple(replace(d, origin=_origin(prefix, d.origin)) for d in plan.diagnostics),
    )


def merge_plans(
    root: str,
    target: str,
    plans: Sequence[tuple[str, Plan]],
    notes: Sequence[Diagnostic] = (),
    top: Detected | None = None,
) -> Plan:
    """One plan from each service's (``(folder, plan)``, folder relative to ``root``).

    ``top``: the top folder when it is not a service itself; its files that name a file the
    plan deletes (a shared workflow's ``pip install -r apps/api/requirements.txt``) are
    warned about, since nothing rewrites them."""

    if len(plans) == 1 and plans[0][0] == "" and not notes:
        return plans[0][1]
    changes: list[FileChange] = []
    posts: list[PostAction] = []
    diags: list[Diagnostic] = list(notes)
    for folder, plan in plans:
        p = prefixed(plan, folder)
        changes += p.changes
        posts += p.post_actions
        diags += [d for d in p.diagnostics if d not in diags]
    if top is not None:
        changes, kept = _keep_for_top(top, changes)
        diags += kept
        diags += _dangling(top, [c.path for c in changes if c.new is None])
        diags += _runs_in_folder(top, changes, posts)
    return Plan(
        root=root,
        target=target,
        changes=tuple(changes),
        post_actions=tuple(posts),
        diagnostics=tuple(diags),
    )


# top-folder files whose commands run: a requirements file they install from must stay
_RUNS = frozenset(
    {
        FileRole.DOCKERFILE,
        FileRole.COMPOSE,
        FileRole.GITHUB_WORKFLOW,
        FileRole.GITLAB_CI,
        FileRole.MAKEFILE,
    }
)


def _top_runs(top: Detected) -> Iterator[tuple[ProjectFile, str, set[str]]]:
    """Each file of the top folder that runs commands (workflows, CI, compose, Dockerfiles,
    Makefiles): its text with ``#`` comment lines blanked (a comment runs and needs nothing),
    and the set of its words."""

    import re

    from toolshift.textio import decode

    for f in sorted(top.project.files, key=lambda f: f.path):
        data = top.contents.get(f.path)
        if f.role not in _RUNS or data is None:
            continue
        try:
            text = decode(data, f.path)[0]
        except InputError:
            continue
        text = re.sub(r"(?m)^[ \t]*#.*$", "", text)
        yield f, text, set(re.findall(r"[\w.-]+", text))


def _keep_for_top(
    top: Detected, changes: list[FileChange]
) -> tuple[list[FileChange], list[Diagnostic]]:
    """A service's requirements file that a file of the top folder (not rewritten: a shared
    workflow, a root compose file) still installs from is kept, not deleted: CI or the
    container would fail on it. Named by its path from the top (``pip install -r
    apps/api/requirements.txt``) or by its own name in a file that names the service's folder
    (``working-directory: services/${{ matrix.service }}`` with ``service: [api]``, a compose
    ``build: ./services/api`` with ``command: pip install -r requirements.txt``)."""

    import re

    from toolshift.readers.requirements import parse_requirements
    from toolshift.textio import decode

    deleting = {
        c.path: c
        for c in changes
        if c.new is None and "TS107" in c.rules and not c.path.endswith(".in")
    }
    if not deleting:
        return changes, []
    keep: dict[str, Origin] = {}
    for f, text, words in _top_runs(top):
        for gone in deleting:
            folder = posixpath.dirname(gone)
            base = posixpath.basename(gone)
            m = re.search(r"(?<![\w./-])(?:\./)?" + re.escape(gone) + r"(?![\w.-])", text)
            if m is None and folder and (folder in text or posixpath.basename(folder) in words):
                m = re.search(r"(?<![\w./-])(?:\./)?" + re.escape(base) + r"(?![\w.-])", text)
            if m is not None and gone not in keep:
                keep[gone] = Origin(f.path, text.count("\n", 0, m.start()) + 1)
    todo = list(keep)
    while todo:  # what a kept file includes (-r/-c) stays beside it
        path = todo.pop()
        old = deleting[path].old
        if old is None:
            continue
        try:
            parsed = parse_requirements(decode(old, path)[0], path)
        except InputError:
            continue
        for inc in parsed.includes:
            if inc.resolved in deleting and inc.resolved not in keep:
                keep[inc.resolved] = Origin(path, inc.origin.line)
                todo.append(inc.resolved)
    diags = [
        Diagnostic(
            "TS107",
            Severity.WARNING,
            f"kept {gone}: {origin.path} (in the top folder, which toolshift does not rewrite) "
            "still installs from it, so deleting it would break that step; it pins today's "
            "versions but will not follow uv.lock",
            origin,
            hint=f"change that step to `uv sync --locked` in {posixpath.dirname(gone) or '.'}, "
            "then delete the file",
        )
        for gone, origin in keep.items()
        if origin.path not in keep
    ]
    return [c for c in changes if c.path not in keep], diags


def _dangling(top: Detected, deleted: Sequence[str]) -> list[Diagnostic]:
    import re

    from toolshift.textio import decode

    out: list[Diagnostic] = []
    for f in top.project.files:
        data = top.contents.get(f.path)
        if f.role not in _AROUND or data is None:
            continue
        try:
            text = decode(data, f.path)[0]
        except InputError:  # detect already reported an unreadable file
            continue
        for gone in deleted:
            m = re.search(r"(?<![\w./-])(?:\./)?" + re.escape(gone) + r"(?![\w.-])", text)
            if m:
                out.append(
                    Diagnostic(
                        "TS107",
                        Severity.WARNING,
                        f"{f.path} still refers to {gone}, which this migration deletes",
                        Origin(f.path, text.count("\n", 0, m.start()) + 1),
                        hint="install that service with `uv sync --locked` there (in its "
                        "folder), or keep the file with --keep-requirements",
                    )
                )
    return out


# what the old tool reads in the folder it runs in: file name -> the commands that read it
_TOOL_READS: dict[str, str] = {
    "uv.lock": r"\buv\s+(?:sync|run|export|lock|tree)\b",
    "pyproject.toml": r"\b(?:uv|poetry)\s+(?:sync|run|export|lock|tree|install)\b",
    "poetry.lock": r"\bpoetry\s+(?:install|sync|export|run|lock)\b",
    "Pipfile.lock": r"\bpipenv\s+(?:install|sync|run|lock|requirements)\b",
    "Pipfile": r"\bpipenv\s+(?:install|sync|run|lock|requirements)\b",
}


def _runs_in_folder(
    top: Detected, changes: Sequence[FileChange], posts: Sequence[PostAction]
) -> list[Diagnostic]:
    """A file of the top folder (left alone) that runs the old tool inside a service folder
    (``working-directory: services/api`` + ``uv sync --locked``, ``cd services/api && poetry
    install``) without naming the file by path: that step breaks when the migration deletes
    the lock it reads. One warning per (file, service folder), at the command's line."""

    import re

    gone_in: dict[str, list[str]] = {}
    for c in changes:
        folder, base = posixpath.split(c.path)
        if c.new is None and folder and base in _TOOL_READS:
            gone_in.setdefault(folder, []).append(base)
    if not gone_in:
        return []
    made: dict[str, list[str]] = {}
    for path in [c.path for c in changes if c.old is None] + [p for a in posts for p in a.produces]:
        folder, base = posixpath.split(path)
        made.setdefault(folder, []).append(base)
    out: list[Diagnostic] = []
    for f, text, words in _top_runs(top):
        for folder, bases in sorted(gone_in.items()):
            named = re.search(r"(?<![\w.-])(?:\./)?" + re.escape(folder) + r"(?![\w.-])", text)
            if named is None and posixpath.basename(folder) not in words:
                continue
            if any(re.search(re.escape(f"{folder}/{b}") + r"(?![\w.-])", text) for b in bases):
                continue  # named by its path: _dangling says it
            after = named.start() if named is not None else 0
            hits: list[tuple[int, str, str]] = []  # (position, command, file it reads)
            for base in sorted(bases, key=lambda b: b != "uv.lock"):
                rx = re.compile(_TOOL_READS[base])
                m = rx.search(text, after) or rx.search(text)
                if m is not None:
                    hits.append((m.start(), m.group(0), f"{folder}/{base}"))
            if not hits:
                continue
            pos, command = min(h[:2] for h in hits)
            new = made.get(folder, [])
            reqs = sorted(b for b in new if b.endswith(".txt"))
            if reqs:
                todo = f"`pip install -r {reqs[0]}` there (this migration writes {folder}/"
                todo += f"{reqs[0]})"
            elif "uv.lock" in new:
                todo = "`uv sync --locked` there (this migration writes its uv.lock)"
            else:
                todo = "what the migrated service installs with (see its README/Dockerfile)"
            out.append(
                Diagnostic(
                    "TS107",
                    Severity.WARNING,
                    f"{f.path} runs `{command}` in {folder}, which reads "
                    f"{' and '.join(h[2] for h in hits)}; this migration deletes "
                    f"{'it' if len(hits) == 1 else 'them'} and does not rewrite {f.path} (in "
                    "the top folder), so that step will fail",
                    Origin(f.path, text.count("\n", 0, pos) + 1),
                    hint=f"change that step to {todo}",
                )
            )
    return out


__all__ = [
    "Service",
    "declares_dependencies",
    "detect_services",
    "find_services",
    "merge_plans",
    "nested_services",
    "prefixed",
]
