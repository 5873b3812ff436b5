"""Plan step for ``migrate --to pip``: from a uv project (pyproject.toml + uv.lock) back to
requirements files a person would write.

Pure: takes :class:`~toolshift.model.Detected` (it reads ``pyproject.toml`` and ``uv.lock`` from
``detected.contents``) and returns a :class:`~toolshift.model.Plan`. Nothing here touches the
disk. The versions come from ``uv.lock``: what runs today is what the files pin.

What gets written (rule ids in :mod:`toolshift.rules`):

* TS121 ``requirements.txt`` for the runtime dependencies (with the index options, and
  ``-e .`` when the project is a package); ``requirements-dev.txt`` for the ``dev`` group and
  ``requirements-<group>.txt`` for every other dependency group, each beginning with
  ``-r requirements.txt`` (uv installs a group together with the project's dependencies) and
  ``-r requirements-<other>.txt`` for each ``include-group``; with ``options.extras`` also
  ``requirements-<extra>.txt`` per extra (``requirements-extra-<extra>.txt`` if a group has the
  same name). A file lists only what its includes do not already install; groups and
  extras are resolved together with the runtime set, and one that uv's ``conflicts`` gives
  other versions than requirements.txt pins gets a standalone file instead (no ``-r``).
  Workspace members are listed (``-e ./member``) with the project. ``[tool.uv]
  constraint-dependencies`` become ``constraints.txt``, used with ``-c``.
* TS122 ``uv.lock`` is deleted; TS123 the ``[tool.uv]`` tables leave ``pyproject.toml``;
  TS124 ``[dependency-groups]`` leaves too (the group files replace it), and so does
  ``[project]`` (with ``[build-system]``) when the project is not a package, since it only
  existed for uv; a file left empty is deleted. ``options.keep_pyproject`` keeps everything
  but ``[tool.uv]``. ``.python-version`` is kept. Edits use tomlkit: comments, order and
  newlines of the rest survive.

Pin policy (``options.pin``, the base for every package):

* ``exact``: ``name==<locked>`` (the default; with ``options.hashes`` also ``--hash`` lines);
* ``compatible``: ``name~=<locked>``;
* ``minor``: ``name>=<locked>,<X.(Y+1)``;
* ``declared``: the requirement as written in pyproject.toml; packages that are only
  dependencies of others are then left to pip's resolver (not listed).

A project refines it in ``pyproject.toml``; a package entry wins over a category entry, which
wins over ``--pin``::

    [tool.toolshift.pin]
    ml = "exact"                    # a category of toolshift.categories (spaces, _ or - alike)
    "web framework" = "compatible"
    "code quality" = "declared"
    packages = { ruff = "declared", numpy = "minor" }

Sources in pip's terms: git -> ``name @ git+URL@<commit>`` (with ``exact``; the declared tag,
branch or rev otherwise), a directory -> ``./path``, editable -> ``-e ./path``, URL ->
``name @ URL``; paths are relative to the project root, where pip is run. Indexes: the default
becomes ``--index-url``, others ``--extra-index-url``, flat ones ``--find-links``;
``[tool.uv] no-index = true`` becomes ``--no-index`` with the find-links alone. A literal
credential in an index URL is replaced by ``${UV_INDEX_<NAME>_USERNAME}`` /
``${UV_INDEX_<NAME>_PASSWORD}`` references (pip expands them; uv reads the same variables).
A package pinned to a named index cannot be expressed in pip: a warning explains the
dependency-confusion risk; so does one for packages uv took from a non-default index, since
pip installs the best match across all indexes where uv used the first index that had it.

No ``uv.lock``: this pure planner cannot lock first, so it raises :class:`InputError` with the
hint to run ``uv lock``; :func:`needs_lock` tells the CLI, which locks a temporary copy of the
project first (:mod:`toolshift.fresh_lock`) and plans from that lock; a lock older than
pyproject.toml (the names uv recorded in ``[package.metadata]`` differ) is refused the same
way. A project already on requirements files (no ``uv.lock``, no ``[tool.uv]``) plans nothing.

The output uses uv's own spellings where pip allows them (markers as ``uv export`` writes them,
``-e ./path`` for local packages), so the files diff cleanly against ``uv export``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any

from toolshift.categories import Category, category_of
from toolshift.errors import InputError, UsageError
from toolshift.model import (
    Detected,
    Diagnostic,
    FileChange,
    FileRole,
    Index,
    IndexKind,
    MigrateOptions,
    Origin,
    Plan,
    Requirement,
    Severity,
    normalize_name,
)
from toolshift.planners.surroundings import (
    adhoc_requirements,
    placed_diagnostic,
    plan_surroundings,
    without_adhoc_notes,
)
from toolshift.readers.pyproject import PIN_POLICIES, PyprojectData, UvSourceKind, read_pyproject
from toolshift.readers.uv_lock import (
    LockData,
    LockedPackage,
    LockSourceKind,
    ResolvedPackage,
    Selection,
    read_uv_lock,
)
from toolshift.redact import redact_url, strip_credentials
from toolshift.renderers.requirements import Entry, RequirementsDoc, render_requirements
from toolshift.rewriters import AdhocPackage
from toolshift.textio import TextFormat, decode, encode

PYPROJECT = "pyproject.toml"
UV_LOCK = "uv.lock"
RUNTIME_FILE = "requirements.txt"
CONSTRAINTS_FILE = "constraints.txt"
PYPI = ("https://pypi.org/simple", "https://pypi.python.org/simple")


# --------------------------------------------------------------------------- pin policy


@dataclass(frozen=True)
class PinPolicy:
    base: str
    categories: Mapping[str, str] = field(default_factory=dict)
    packages: Mapping[str, str] = field(default_factory=dict)

    def for_package(self, name: str, category: Category) -> str:
        key = normalize_name(name)
        if key in self.packages:
            return self.packages[key]
        return self.categories.get(category.value, self.base)


def _release(version: str) -> list[int]:
    m = re.match(r"(?:\d+!)?(\d+(?:\.\d+)*)", version)
    return [int(x) for x in m.group(1).split(".")] if m else []


def version_spec(policy: str, version: str) -> str:
    """The specifier for a locked ``version`` under ``exact``, ``compatible`` or ``minor``."""

    if policy == "exact":
        return f"=={version}"
    version = version.split("+", 1)[0]  # a local label (+cpu) only goes with ==
    release = _release(version)
    if not release:  # not PEP 440: only an exact pin says anything
        return f"=={version}"
    if policy == "compatible":
        return f"~={version}" if len(release) >= 2 else f"~={version}.0"
    if policy == "minor":
        major = release[0]
        minor = release[1] if len(release) > 1 else 0
        return f">={version},<{major}.{minor + 1}"
    raise UsageError(f"unknown pin policy {policy!r}", hint="use one of " + ", ".join(PIN_POLICIES))


# --------------------------------------------------------------------------- entries


def _rel_path(path: str) -> str:
    p = PurePosixPath(path.replace("\\", "/"))
    text = str(p)
    if text in ("", "."):
        return "."
    if p.is_absolute() or text.startswith(("./", "../")) or re.match(r"^[A-Za-z]:", text):
        return text
    return "./" + text


def _git_url(pkg: LockedPackage, policy: str) -> str:
    url, params, commit = pkg.source.git_parts()
    ref = commit
    if policy != "exact":
        ref = params.get("tag") or params.get("rev") or params.get("branch") or commit
    out = f"git+{url}"
    if ref:
        out += f"@{ref}"
    if params.get("subdirectory"):
        out += f"#subdirectory={params['subdirectory']}"
    return out


def _with_marker(text: str, marker: str | None) -> str:
    return f"{text} ; {marker}" if marker else text


def _sort_version(v: str | None) -> tuple[object, ...]:
    if not v:
        return ()
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.+-]", v))


@dataclass
class _Context:
    py: PyprojectData
    lock: LockData
    policy: PinPolicy
    options: MigrateOptions
    declared: dict[str, Requirement]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    hash_refused: set[str] = field(default_factory=set)
    no_index: bool = False  # [tool.uv] no-index = true: find-links only, no index at all
    # extras a Dockerfile, CI file, Makefile or README installs (`uv sync --extra pg`): they
    # get their requirements file even without --extras, or those installs would lose them
    used_extras: Mapping[str, str] = field(default_factory=dict)  # normalized name -> where

    def note(
        self,
        code: str,
        severity: Severity,
        message: str,
        origin: Origin | None = None,
        hint: str = "",
    ) -> None:
        d = Diagnostic(code, severity, message, origin, hint)
        if d not in self.diagnostics:
            self.diagnostics.append(d)


def _entry(
    ctx: _Context, rp: ResolvedPackage, group_declared: Mapping[str, Requirement]
) -> Entry | None:
    pkg = rp.package
    category = category_of(pkg.name)
    policy = ctx.policy.for_package(pkg.name, category)
    kind = pkg.source.kind
    extras = f"[{','.join(rp.direct_extras)}]" if rp.direct and rp.direct_extras else ""
    hashes: tuple[str, ...] = ()

    members = {normalize_name(m) for m in ctx.lock.members}

    def entry(text: str, hashes: tuple[str, ...] = (), version: str | None = None) -> Entry:
        return Entry(
            key=pkg.name,
            text=text,
            category=category,
            direct=rp.direct,
            hashes=hashes,
            via=rp.via,
            sort_version=_sort_version(version),
            project=pkg.name in members,
        )

    if kind is LockSourceKind.VIRTUAL:
        return None  # a workspace member that is not built: its dependencies are listed
    if kind is LockSourceKind.REGISTRY:
        if policy == "declared":
            req = group_declared.get(pkg.name) if rp.direct else None
            if req is None:
                return None  # not declared here: pip resolves it
            text = req.origin.text if req.origin and req.origin.text else req.pep508()
            return entry(text)
        text = _with_marker(
            f"{pkg.name}{extras}{version_spec(policy, pkg.version or '')}", rp.marker
        )
        if ctx.options.hashes:
            if policy != "exact":
                raise UsageError(
                    f"--hashes needs exact pins, but {pkg.name} is pinned {policy!r}",
                    hint="drop --hashes, or pin it exact in --pin / [tool.toolshift.pin]",
                )
            hashes = pkg.hashes
            if not hashes:
                ctx.hash_refused.add(pkg.name)
        return entry(text, hashes, pkg.version)
    if kind is LockSourceKind.GIT:
        text = f"{pkg.name}{extras} @ {_git_url(pkg, policy)}"
    elif kind is LockSourceKind.URL:
        text = f"{pkg.name}{extras} @ {pkg.source.value}"
        hashes = pkg.hashes if ctx.options.hashes else ()
    elif kind is LockSourceKind.EDITABLE:
        text = f"-e {_rel_path(pkg.source.value)}{extras}"
    else:  # directory or path (an archive, which pip can check against its hash)
        text = f"{_rel_path(pkg.source.value)}{extras}"
        if kind is LockSourceKind.PATH and ctx.options.hashes:
            hashes = pkg.hashes
    if ctx.options.hashes and not hashes:
        ctx.hash_refused.add(pkg.name)
    return entry(_with_marker(text, rp.marker), hashes)


# --------------------------------------------------------------------------- indexes


def _index_url(index: Index, ctx: _Context) -> str:
    url = index.url
    if index.has_credentials:
        env = re.sub(r"[^A-Z0-9]", "_", (index.name or "default").upper())
        user, password = f"UV_INDEX_{env}_USERNAME", f"UV_INDEX_{env}_PASSWORD"
        url = re.sub(r"^([a-zA-Z][\w+.-]*://)", rf"\1${{{user}}}:${{{password}}}@", url)
        ctx.note(
            "pip-index-credentials",
            Severity.WARNING,
            f"the index {index.name or url!r} had a credential in its URL; requirements.txt "
            f"refers to ${{{user}}} and ${{{password}}} instead",
            index.origin,
            hint=f"set {user} and {password} where pip runs (pip expands ${{VAR}} in "
            "requirements files)",
        )
    elif (
        index.name
        and "://" in url
        and "@" not in url.split("://", 1)[1].split("/", 1)[0]
        and url.rstrip("/") not in PYPI
    ):
        # uv logs in to a named index with UV_INDEX_<NAME>_USERNAME/_PASSWORD from the
        # environment; pip reads neither, so a private index answers pip with 401
        env = re.sub(r"[^A-Z0-9]", "_", index.name.upper())
        user, password = f"UV_INDEX_{env}_USERNAME", f"UV_INDEX_{env}_PASSWORD"
        with_refs = re.sub(r"^([a-zA-Z][\w+.-]*://)", rf"\1${{{user}}}:${{{password}}}@", url)
        ctx.note(
            "pip-index-login",
            Severity.WARNING,
            f"uv logs in to the index {index.name!r} with {user} and {password} when they are "
            "set; pip does not read them, so if the index needs a login, pip install stops "
            "with 401 (or asks for a password)",
            index.origin,
            hint=f"if it does, write it as {with_refs} in the requirements files (pip expands "
            "${VAR}; nothing secret is written), or give pip the login in ~/.netrc or keyring",
        )
    return url


def _location(url: str) -> str:
    """An index or find-links location as a comparable key: uv.lock writes the find-links
    folder ``./wheels`` as ``wheels``, ``../wheels/`` as ``../wheels``."""

    if "://" not in url:
        return posixpath.normpath(url.replace("\\", "/"))
    return strip_credentials(url).rstrip("/")


def _index_options(ctx: _Context, used_registries: Mapping[str, set[str]]) -> list[str]:
    out: list[str] = []
    known: set[str] = set()
    pinned_to: dict[str, list[str]] = {}
    for name, sources in ctx.py.sources.items():
        for src in sources:
            if src.kind is UvSourceKind.INDEX:
                pinned_to.setdefault(src.location, []).append(name)
    default = [i for i in ctx.py.indexes if i.kind is IndexKind.DEFAULT]
    if ctx.no_index:  # uv ignores every index then, and so must pip
        out.append("--no-index")
        default = []
    for index in default[:1]:
        out.append(f"--index-url {_index_url(index, ctx)}")
        known.add(_location(index.url))
    for index in ctx.py.indexes:
        if index.kind is IndexKind.DEFAULT:
            continue
        known.add(_location(index.url))
        if ctx.no_index and index.kind is not IndexKind.FIND_LINKS:
            continue
        if index.kind is IndexKind.FIND_LINKS:
            out.append(f"--find-links {_index_url(index, ctx)}")
            continue
        if index.explicit and index.name not in pinned_to:
            continue  # used by no package: pip does not need it
        out.append(f"--extra-index-url {_index_url(index, ctx)}")
    for index_name, packages in sorted(pinned_to.items()):
        for package in sorted(packages):
            src = ctx.py.sources[package][0]
            ctx.note(
                "pip-named-index",
                Severity.WARNING,
                f"{package} is pinned to the index {index_name!r} in [tool.uv.sources]; pip has "
                "no per-package index, so it looks for it on every index, PyPI included, and "
                f"takes the best version it finds: whoever publishes {package!r} on PyPI with "
                "a higher version gets installed instead (dependency confusion)",
                src.origin,
                hint="keep the exact pin and use --hashes, serve everything through one index "
                "that proxies PyPI (--index-url), or register the name on PyPI",
            )
    default_url = strip_credentials(default[0].url).rstrip("/") if default else PYPI[0]
    unnamed = [
        u
        for u in used_registries
        if "://" in u and _location(u) not in known and u.rstrip("/") not in PYPI
    ]
    lock_default = None
    from_pypi = any(u.rstrip("/") in PYPI for u in used_registries)
    if not default and not ctx.no_index and len(unnamed) == 1 and not from_pypi:
        # every package came from one index pyproject.toml does not name (uv.toml's default
        # index, UV_DEFAULT_INDEX where uv ran): it stood in for PyPI
        lock_default = unnamed[0]
        default_url = lock_default.rstrip("/")
        out.insert(0, f"--index-url {lock_default}")
        ctx.note(
            "pip-lock-index",
            Severity.INFO,
            f"uv.lock took every package from {redact_url(lock_default)}, which pyproject.toml "
            "does not name (uv.toml, or UV_DEFAULT_INDEX where uv ran); it is kept as "
            "--index-url, in place of PyPI, as uv used it",
            Origin(UV_LOCK),
        )
    pinned = {n for names in pinned_to.values() for n in names}
    for url, names in sorted(used_registries.items()):
        shadowable = sorted(names - pinned)
        if url.rstrip("/") != default_url and shadowable and not ctx.no_index:
            ctx.note(
                "pip-index-merge",
                Severity.WARNING,
                f"uv took {', '.join(shadowable)} from {redact_url(url)}; pip treats every "
                "--extra-index-url and --find-links like the main index and installs the best "
                "match from any of them, so the same name uploaded to another index (PyPI) can "
                "be installed instead (dependency confusion)",
                Origin(UV_LOCK),
                hint="keep the exact pins and use --hashes, or serve everything through one "
                "index that proxies PyPI (--index-url)",
            )
        if _location(url) in known or url.rstrip("/") in PYPI or url == lock_default:
            continue
        # uv records a find-links folder as a registry given by its path
        option = "--extra-index-url" if "://" in url else "--find-links"
        out.append(f"{option} {url}")
        ctx.note(
            "pip-lock-index",
            Severity.INFO,
            f"uv.lock took packages from {url}, which pyproject.toml does not name; "
            f"it is kept as {option}",
            Origin(UV_LOCK),
        )
    return out


# --------------------------------------------------------------------------- files


@dataclass(frozen=True)
class _File:
    path: str
    doc: RequirementsDoc
    reason: str = "pins the versions uv.lock holds"


def _header(ctx: _Context, title: str, install: str) -> tuple[str, ...]:
    pin = ctx.options.pin + (" --hashes" if ctx.options.hashes else "")
    refined = ctx.py.pin.categories or ctx.py.pin.packages
    policy = ctx.options.pin + (", refined by [tool.toolshift.pin]" if refined else "")
    return (
        title,
        f"Generated by toolshift from uv.lock (pin policy: {policy}). These files now",
        "replace uv.lock; edit them by hand, or regenerate from a uv project with:",
        f"    toolshift migrate --to pip --pin {pin}",
        f"Install with: {install}",
    )


def _covered(rp: ResolvedPackage, base: Mapping[tuple[object, ...], set[str | None]]) -> bool:
    markers = base.get(rp.package.key)
    return markers is not None and (None in markers or rp.marker in markers)


def _build_file(
    ctx: _Context,
    path: str,
    resolved: Iterable[ResolvedPackage],
    group_declared: Mapping[str, Requirement],
    base: Mapping[tuple[object, ...], set[str | None]],
    options: list[str],
    header: tuple[str, ...],
    project_entry: Entry | None = None,
) -> _File:
    entries: list[Entry] = []
    seen: set[str] = set()
    for rp in resolved:
        if _covered(rp, base):
            continue
        entry = _entry(ctx, rp, group_declared)
        if entry is None or entry.text in seen:
            continue
        seen.add(entry.text)
        entries.append(entry)
    if project_entry is not None:
        entries.append(project_entry)
    return _File(
        path, RequirementsDoc(header=header, options=tuple(options), entries=tuple(entries))
    )


def _installed(resolved: Iterable[ResolvedPackage]) -> dict[tuple[object, ...], set[str | None]]:
    out: dict[tuple[object, ...], set[str | None]] = {}
    for rp in resolved:
        out.setdefault(rp.package.key, set()).add(rp.marker)
    return out


def _merge(
    *maps: Mapping[tuple[object, ...], set[str | None]],
) -> dict[tuple[object, ...], set[str | None]]:
    out: dict[tuple[object, ...], set[str | None]] = {}
    for m in maps:
        for k, v in m.items():
            out.setdefault(k, set()).update(v)
    return out


def _builds_on(
    resolved: Iterable[ResolvedPackage], base: Mapping[tuple[object, ...], set[str | None]]
) -> bool:
    """Whether a file can begin with ``-r`` of the files behind ``base``: everything they pin
    is still installed with this selection (uv's ``conflicts`` can swap versions instead)."""

    return set(base) <= {rp.package.key for rp in resolved}


def _standalone_note(ctx: _Context, what: str, path: str) -> None:
    ctx.note(
        "pip-conflicting-selection",
        Severity.INFO,
        f"the {what} needs other versions than requirements.txt pins ([tool.uv] conflicts), "
        f"so {path} lists everything itself instead of including requirements.txt",
        Origin(path),
        hint=f"install it on its own: pip install -r {path}",
    )


def _declared(
    reqs: Iterable[Requirement], py: PyprojectData | None = None
) -> dict[str, Requirement]:
    """The requirements by name; with ``py``, a reference to the project's own extras
    (``all = ["fetchkit[yaml,cli]"]``) stands for what those extras declare, as uv.lock
    flattens it (``--pin declared`` would list nothing for them otherwise)."""

    own = normalize_name(py.name) if py is not None and py.name else None
    out: dict[str, Requirement] = {}
    seen: set[str] = set()
    todo = list(reqs)
    while todo:
        r = todo.pop(0)
        if own is None or r.key != own:
            out.setdefault(r.key, r)
            continue
        assert py is not None
        for extra in py.extras:
            key = normalize_name(extra.name)
            if key not in seen and key in {normalize_name(e) for e in r.extras}:
                seen.add(key)
                todo.extend(extra.requirements)
    return out


def _check_fresh(py: PyprojectData, root: LockedPackage) -> None:
    """uv.lock must lock what pyproject.toml declares today (the names uv recorded in
    ``[package.metadata]`` when it locked), else the files would pin a stale world."""

    if root.declared is None:
        return
    wanted: dict[str, set[str]] = {
        "": {r.key for g in (py.runtime, *py.extras) for r in g.requirements}
    }

    def group_names(key: str, seen: frozenset[str]) -> set[str]:
        group = py.group(key)
        out = {r.key for r in group.requirements} if group else set()
        for inc in group.includes if group else ():
            if normalize_name(inc) not in seen:
                out |= group_names(normalize_name(inc), seen | {normalize_name(inc)})
        return out

    for group in py.groups:
        key = normalize_name(group.name)
        wanted[key] = group_names(key, frozenset({key}))
    for key, names in wanted.items():
        locked = root.declared.get(key, frozenset())
        if names != locked:
            where = f"dependency group {key!r}" if key else "[project] dependencies"
            diff = sorted(names ^ locked)
            raise InputError(
                f"uv.lock is older than pyproject.toml: the {where} differ in " + ", ".join(diff),
                path=UV_LOCK,
                hint="run `uv lock` first, then migrate",
            )


def _plan_files(ctx: _Context) -> list[_File]:
    py, lock = ctx.py, ctx.lock
    root = lock.root(py.name)
    if root is None:
        raise InputError(
            "uv.lock has no package for the project itself",
            path=UV_LOCK,
            hint="run `uv lock` in the project folder to refresh the lock",
        )
    name = py.name or root.name
    _check_fresh(py, root)
    runtime = lock.resolve(Selection(), py.name)
    used: dict[str, set[str]] = {}  # registry URL -> names taken from it

    def note_registries(resolved: Iterable[ResolvedPackage]) -> None:
        for rp in resolved:
            if rp.package.source.kind is LockSourceKind.REGISTRY:
                used.setdefault(rp.package.source.value, set()).add(rp.package.name)

    note_registries(runtime)
    group_sets: dict[str, list[ResolvedPackage]] = {}
    lock_groups = {normalize_name(g) for g in root.dev_dependencies}
    for group in py.groups:
        key = normalize_name(group.name)
        if key in lock_groups:
            # resolved with the runtime set: uv's conflict markers may pick other versions
            group_sets[key] = lock.resolve(Selection(groups=(group.name,)), py.name)
        elif group.requirements:
            raise InputError(
                f"uv.lock does not know the dependency group {group.name!r}: it is older than "
                "pyproject.toml",
                path=UV_LOCK,
                hint="run `uv lock` first, then migrate",
            )
        else:  # an empty group (`dev = []`): uv installs the runtime set with it
            group_sets[key] = list(runtime)
        note_registries(group_sets[key])
    options = _index_options(ctx, used)
    if py.constraints:
        options.append(f"-c {CONSTRAINTS_FILE}")
    project_entry = None
    if root.source.kind in (LockSourceKind.EDITABLE, LockSourceKind.DIRECTORY) and py.is_package:
        text = "-e ." if root.source.kind is LockSourceKind.EDITABLE else "."
        project_entry = Entry(key="", text=text, project=True)  # first in its section
        if ctx.options.hashes:
            ctx.hash_refused.add(f"{root.name} (this project, {text})")
    files = [
        _build_file(
            ctx,
            RUNTIME_FILE,
            runtime,
            _declared(py.runtime.requirements),
            {},
            options,
            _header(ctx, f"Runtime dependencies of {name}.", f"pip install -r {RUNTIME_FILE}"),
            project_entry,
        )
    ]
    runtime_set = _installed(runtime)
    group_names = {normalize_name(g.name) for g in py.groups}

    def closure(key: str, seen: set[str]) -> set[str]:
        group = py.group(key)
        out: set[str] = set()
        for inc in group.includes if group else ():
            ik = normalize_name(inc)
            if ik not in seen:
                out |= {ik} | closure(ik, seen | {ik})
        return out

    for group in py.groups:
        key = normalize_name(group.name)
        path = f"requirements-{key}.txt"
        includes = [RUNTIME_FILE] + [
            f"requirements-{normalize_name(i)}.txt" for i in group.includes
        ]
        base = _merge(runtime_set, *(_installed(group_sets[k]) for k in closure(key, {key})))
        declared = _declared(group.requirements, py)
        file_options = [f"-r {i}" for i in includes]
        if not _builds_on(group_sets[key], base):
            base, file_options = {}, list(options)
            declared = {**_declared(py.runtime.requirements), **declared}
            _standalone_note(ctx, f"dependency group {group.name!r}", path)
        files.append(
            _build_file(
                ctx,
                path,
                group_sets[key],
                declared,
                base,
                file_options,
                _header(
                    ctx,
                    f"Dependency group {group.name!r} of {name} (with the runtime dependencies).",
                    f"pip install -r {path}",
                ),
            )
        )
    skipped_extras = []
    for extra in py.extras:
        key = normalize_name(extra.name)
        if not ctx.options.extras and key not in ctx.used_extras:
            skipped_extras.append(extra.name)
            continue
        if not ctx.options.extras:
            ctx.note(
                "pip-extras-used",
                Severity.INFO,
                f"extra {extra.name!r} gets its requirements file: {ctx.used_extras[key]} "
                "installs it (uv sync --extra)",
                Origin(ctx.used_extras[key]),
            )
        path = f"requirements-{'extra-' if key in group_names else ''}{key}.txt"
        resolved = lock.resolve(Selection(extras=(extra.name,)), py.name)
        declared = _declared(extra.requirements, py)
        base, file_options = runtime_set, [f"-r {RUNTIME_FILE}"]
        if not _builds_on(resolved, base):
            base, file_options = {}, list(options)
            declared = {**_declared(py.runtime.requirements), **declared}
            _standalone_note(ctx, f"extra {extra.name!r}", path)
        files.append(
            _build_file(
                ctx,
                path,
                resolved,
                declared,
                base,
                file_options,
                _header(
                    ctx,
                    f"Extra {extra.name!r} of {name} (with the runtime dependencies).",
                    f"pip install -r {path}",
                ),
            )
        )
    if skipped_extras and not (py.is_package or ctx.options.keep_pyproject):
        ctx.note(
            "pip-extras-skipped",
            Severity.WARNING,
            "no requirements file was written for the extras "
            + ", ".join(repr(e) for e in skipped_extras)
            + ", and [project] leaves pyproject.toml with them",
            Origin(PYPROJECT),
            hint="ask for them with --extras, or keep [project] with --keep-pyproject",
        )
    if py.constraints:
        constraints = tuple(
            Entry(
                key=r.key,
                text=r.origin.text if r.origin and r.origin.text else r.pep508(),
                category=category_of(r.name),
            )
            for r in py.constraints
        )
        header = (
            "Constraints from [tool.uv] constraint-dependencies, moved here by toolshift.",
            f"They limit versions without installing anything; {RUNTIME_FILE} uses them (-c).",
        )
        files.append(
            _File(
                CONSTRAINTS_FILE,
                RequirementsDoc(header=header, entries=constraints),
                "[tool.uv] constraint-dependencies, for pip's -c",
            )
        )
    if py.overrides:
        loose = sorted(
            r.name
            for r in py.overrides
            if ctx.policy.for_package(r.name, category_of(r.name)) == "declared"
        )
        ctx.note(
            "pip-overrides",
            Severity.WARNING,
            "pip has no overrides: [tool.uv] override-dependencies ("
            + ", ".join(
                r.origin.text if r.origin and r.origin.text else r.pep508() for r in py.overrides
            )
            + ") are dropped; "
            + (
                "the pinned versions still carry their effect, but pip may refuse them where a "
                "dependency's metadata disagrees"
                if not loose
                else f"with the declared pin policy nothing pins {', '.join(loose)}: pip "
                "installs whatever version it resolves, not the overridden one"
            ),
            py.overrides[0].origin,
            hint="if pip reports a conflict, install with `pip install --no-deps -r "
            "requirements.txt`"
            + (
                f"; pin {', '.join(loose)} exact ([tool.toolshift.pin] packages, or --pin exact)"
                if loose
                else ""
            ),
        )
    if ctx.hash_refused:
        ctx.note(
            "pip-hash-unhashable",
            Severity.WARNING,
            "pip's hash-checking mode (turned on by --hash) refuses requirements without a "
            "hash, and with them the whole install: `pip install -r` of these files stops "
            "until they are moved out; uv.lock has no hash for (or they cannot be hashed): "
            + ", ".join(sorted(ctx.hash_refused)),
            Origin(RUNTIME_FILE),
            hint="move those lines to a file of their own, installed after the hashed ones with "
            "`pip install --no-deps -r <that file>`, or drop --hashes",
        )
    return files


# --------------------------------------------------------------------------- pyproject clean-up


_HEADER = re.compile(r"^\s*\[\[?\s*(?P<key>[^\[\]#]+?)\s*\]\]?\s*(?:#.*)?$")


def _key_path(key: str) -> tuple[str, ...]:
    parts = re.findall(r'"[^"]*"|\'[^\']*\'|[^.\s]+', key)
    return tuple(p.strip("\"'") for p in parts)


def _headers(lines: list[str]) -> list[tuple[int, tuple[str, ...]]]:
    """(line index, dotted key) of every table header; a small scanner skips multi-line
    strings, arrays and inline tables, so a ``[`` inside a value is never taken for one."""

    out: list[tuple[int, tuple[str, ...]]] = []
    depth = 0
    in_ml: str | None = None
    for i, line in enumerate(lines):
        if in_ml is None and depth == 0:
            m = _HEADER.match(line)
            if m:
                out.append((i, _key_path(m["key"])))
                continue
        j = 0
        while j < len(line):
            if in_ml is not None:
                k = line.find(in_ml, j)
                if k < 0:
                    break
                j, in_ml = k + 3, None
                continue
            c = line[j]
            if c == "#":
                break
            if line.startswith(('"""', "'''"), j):
                in_ml = line[j : j + 3]
                j += 3
            elif c == '"':
                j += 1
                while j < len(line) and line[j] != '"':
                    j += 2 if line[j] == "\\" else 1
                j += 1
            elif c == "'":
                k = line.find("'", j + 1)
                j = k + 1 if k >= 0 else len(line)
            else:
                depth += c in "[{"
                depth -= c in "]}"
                j += 1
    return out


def _drop_tables(text: str, drop: Callable[[tuple[str, ...]], bool]) -> str:
    """``text`` without the tables ``drop`` selects (header, body, and the comment lines
    right above the header); comments above the next table stay with it."""

    lines = text.splitlines(keepends=True)
    headers = _headers(lines)
    starts: list[int] = []
    for i, _ in headers:
        start = i
        while start > 0 and lines[start - 1].lstrip().startswith("#"):
            start -= 1
        if start == 0:
            start = i  # comments opening the file are about the file: they stay
        starts.append(max(start, starts[-1] + 1 if starts else 0))
    keep = [True] * len(lines)
    for n, (_, key) in enumerate(headers):
        if drop(key):
            end = starts[n + 1] if n + 1 < len(headers) else len(lines)
            for k in range(starts[n], end):
                keep[k] = False
    return "".join(line for line, k in zip(lines, keep, strict=True) if k)


def _without(data: dict[str, Any], path: tuple[str, ...]) -> None:
    node: Any = data
    for part in path[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(path[-1], None)


def _tidy(out: str) -> str | None:
    out = re.sub(r"(\r?\n)(?:[ \t]*\r?\n){2,}", lambda m: m.group(1) * 2, out)
    out = re.sub(r"(\r?\n)(?:[ \t]*\r?\n)+\Z", lambda m: m.group(1), out)
    if not re.sub(r"(?m)^\s*#.*$", "", out).strip():
        return None
    return out.lstrip("\r\n")


def _clean_pyproject(text: str, py: PyprojectData, options: MigrateOptions) -> str | None:
    """The new pyproject text (``None``: delete the file). Lossless for everything kept.

    Tables go line by line (header, body, the comments right above); the result is checked
    with tomllib to hold exactly the old data minus what was removed. Any other shape (dotted
    keys, inline tables) is done with tomlkit instead.
    """

    import tomllib

    removed: list[tuple[str, ...]] = []
    disabled = options.disabled_rules
    if "TS123" not in disabled:
        removed.append(("tool", "uv"))
    if not options.keep_pyproject and "TS124" not in disabled:
        removed.append(("dependency-groups",))
        if not py.is_package:
            removed += [("project",), ("build-system",)]

    def drop(key: tuple[str, ...]) -> bool:
        return any(key[: len(r)] == r for r in removed)

    expected = tomllib.loads(text)
    for path in removed:
        _without(expected, path)
    out = _drop_tables(text, drop)
    if expected.get("tool") == {}:
        expected.pop("tool")
        out = _drop_tables(out, lambda key: key == ("tool",))
    try:
        if tomllib.loads(out) == expected:
            return _tidy(out)
    except tomllib.TOMLDecodeError:
        pass
    return _clean_with_tomlkit(text, removed)


def _clean_with_tomlkit(text: str, removed: list[tuple[str, ...]]) -> str | None:
    import tomlkit

    doc: Any = tomlkit.parse(text)
    for path in removed:
        node = doc
        for part in path[:-1]:
            node = node.get(part) if hasattr(node, "get") else None
        if node is not None and hasattr(node, "__contains__") and path[-1] in node:
            del node[path[-1]]
    if "tool" in doc and not doc["tool"]:
        del doc["tool"]
    return _tidy(tomlkit.dumps(doc))


# --------------------------------------------------------------------------- entry point


def _already_pip(detected: Detected, py_text: str | None) -> bool:
    if RUNTIME_FILE not in detected.contents and not detected.requirement_files:
        return False
    if py_text is None:
        return True
    py = read_pyproject(py_text, PYPROJECT)
    return not py.has_tool_uv  # [dependency-groups] is a standard table: pip reads it too


def _declares_project(py_text: str | None) -> bool:
    import tomllib

    if py_text is None:
        return False
    try:
        return isinstance(tomllib.loads(py_text).get("project"), dict)
    except tomllib.TOMLDecodeError:
        return True  # let the planner report it at file:line


def _no_index(py_text: str) -> bool:
    import tomllib

    uv = tomllib.loads(py_text).get("tool", {}).get("uv", {})
    return isinstance(uv, dict) and uv.get("no-index") is True


def needs_lock(detected: Detected) -> bool:
    """A uv project without ``uv.lock``: :func:`plan_to_pip` needs one first (the CLI runs
    ``uv lock`` in a temporary copy, see :mod:`toolshift.fresh_lock`)."""

    contents = detected.contents
    if UV_LOCK in contents or PYPROJECT not in contents:
        return False
    return not _already_pip(detected, decode(contents[PYPROJECT], PYPROJECT)[0])


_UV_EXTRA = re.compile(r"--extra(?:=|\s+)['\"]?([A-Za-z0-9][A-Za-z0-9._-]*)|(--all-extras)")


def _extras_used_around(detected: Detected, extras: set[str]) -> dict[str, str]:
    """Extras that a Dockerfile, compose file, CI file, Makefile or README installs with
    ``uv sync``/``uv run`` ``--extra X`` (``--all-extras``: every one): name -> file."""

    roles = (
        FileRole.DOCKERFILE,
        FileRole.COMPOSE,
        FileRole.GITHUB_WORKFLOW,
        FileRole.GITLAB_CI,
        FileRole.MAKEFILE,
        FileRole.README,
    )
    out: dict[str, str] = {}
    for path in sorted(f for role in roles for f in detected.project.files_with(role)):
        data = detected.contents.get(path)
        if data is None:
            continue
        try:
            text = decode(data, path)[0]
        except InputError:
            continue
        for line in text.splitlines():
            if not re.search(r"\buv\s+(sync|run|export)\b", line):
                continue
            for m in _UV_EXTRA.finditer(line):
                names = extras if m.group(2) else {normalize_name(m.group(1))}
                for n in sorted(names & extras):
                    out.setdefault(n, path)
    return out


def plan_to_pip(detected: Detected, options: MigrateOptions) -> Plan:
    """Plan the move from uv to requirements files (see the module docstring)."""

    root = detected.project.root
    if options.pin not in PIN_POLICIES:
        raise UsageError(
            f"unknown pin policy {options.pin!r}", hint="use one of " + ", ".join(PIN_POLICIES)
        )
    contents = detected.contents
    py_text = decode(contents[PYPROJECT], PYPROJECT)[0] if PYPROJECT in contents else None
    if UV_LOCK in contents and not _declares_project(py_text) and _already_pip(detected, py_text):
        # migrated with --disable TS122: uv.lock stayed, [project] left with the rest
        return Plan(
            root=root,
            target="pip",
            diagnostics=(
                Diagnostic(
                    "pip-nothing-to-do",
                    Severity.INFO,
                    "the project already uses requirements files; uv.lock is left over (no "
                    "[project] in pyproject.toml locks with it)",
                    Origin(UV_LOCK),
                    hint="delete uv.lock if nothing uses it",
                ),
            ),
        )
    if UV_LOCK not in contents:
        if _already_pip(detected, py_text):
            return Plan(
                root=root,
                target="pip",
                diagnostics=(
                    Diagnostic(
                        "pip-nothing-to-do",
                        Severity.INFO,
                        "the project already uses requirements files (no uv.lock, no [tool.uv])",
                    ),
                ),
            )
        raise InputError(
            "no uv.lock: toolshift takes the versions to pin from the lock",
            path=UV_LOCK,
            hint="run `uv lock` first, then migrate",
        )
    if py_text is None:
        raise InputError(
            "uv.lock without pyproject.toml",
            path=PYPROJECT,
            hint="run toolshift on the folder that holds the project's pyproject.toml",
        )
    py = read_pyproject(py_text, PYPROJECT)
    lock = read_uv_lock(decode(contents[UV_LOCK], UV_LOCK)[0], UV_LOCK)
    ctx = _Context(
        py=py,
        lock=lock,
        policy=PinPolicy(options.pin, py.pin.categories, py.pin.packages),
        options=options,
        declared=py.declared(),
        diagnostics=list(lock.diagnostics),
        no_index=_no_index(py_text),
    )
    if not py.is_package:  # a package names its extras on the project: `pip install .[pg]`
        ctx.used_extras = _extras_used_around(detected, {normalize_name(e.name) for e in py.extras})
    changes: list[FileChange] = []
    files = _plan_files(ctx) if "TS121" not in options.disabled_rules else []
    group_files = {"": RUNTIME_FILE}
    for group in py.groups:
        path = f"requirements-{normalize_name(group.name)}.txt"
        if any(f.path == path for f in files):
            group_files[group.name] = path
    group_names = {normalize_name(g.name) for g in py.groups}
    for extra in py.extras:
        key = normalize_name(extra.name)
        path = f"requirements-{'extra-' if key in group_names else ''}{key}.txt"
        if any(f.path == path for f in files):
            group_files[f"[{key}]"] = path  # the rewriters' key for an extra's file
    around = plan_surroundings(
        detected, options, "pip", requirement_files=group_files if files else None
    )
    files, placed = _place_adhoc(ctx, files, around.adhoc)
    if files:
        for f in files:
            new_text = render_requirements(f.doc)
            old = contents.get(f.path)
            fmt = decode(old, f.path)[1] if old is not None else TextFormat()
            new = encode(new_text, fmt)
            if new != old:
                changes.append(FileChange(f.path, old, new, ("TS121",), (f.reason,)))
    if "TS122" not in options.disabled_rules:
        changes.append(
            FileChange(
                UV_LOCK,
                contents[UV_LOCK],
                None,
                ("TS122",),
                ("the requirements files pin the versions now",),
            )
        )
    old_py = contents[PYPROJECT]
    text, fmt = decode(old_py, PYPROJECT)
    cleaned = _clean_pyproject(text, py, options)
    new_py = None if cleaned is None else encode(cleaned, fmt)
    if new_py != old_py:
        rules = tuple(
            r
            for r, applies in (
                ("TS123", py.has_tool_uv),
                ("TS124", py.has_dependency_groups or not py.is_package),
            )
            if applies and r not in options.disabled_rules
        )
        reason = "only uv used it" if new_py is None else "uv's tables are not needed by pip"
        changes.append(FileChange(PYPROJECT, old_py, new_py, rules, (reason,)))
    changes += around.changes
    ctx.diagnostics += without_adhoc_notes(around.diagnostics, placed)
    return Plan(root=root, target="pip", changes=tuple(changes), diagnostics=tuple(ctx.diagnostics))


def _place_adhoc(
    ctx: _Context, files: list[_File], adhoc: Iterable[AdhocPackage]
) -> tuple[list[_File], list[AdhocPackage]]:
    """Packages a Dockerfile or CI step installed by hand, whose install line the rewriters
    dropped: into requirements.txt (or requirements-dev.txt when CI installed them), unless the
    file lists them already. Returns the files and the packages placed."""

    found, diags = adhoc_requirements(tuple(adhoc))
    ctx.diagnostics += diags
    placed: list[AdhocPackage] = []
    by_path = {f.path: n for n, f in enumerate(files)}
    out = list(files)
    for pkg, req in found:
        dev_file = "requirements-dev.txt"
        path = dev_file if pkg.dev and dev_file in by_path else RUNTIME_FILE
        if path not in by_path:
            ctx.note(
                "TS208",
                Severity.WARNING,
                f"{pkg.requirement} was installed ad hoc and its install line removed, but no "
                "requirements file is written (TS121 is disabled)",
                pkg.origin,
                f"add {pkg.requirement} to the requirements files by hand",
            )
            continue
        n = by_path[path]
        doc = out[n].doc
        if any(e.key == req.key for e in doc.entries):
            continue
        entry = Entry(key=req.key, text=req.pep508(), category=category_of(req.name))
        out[n] = replace(out[n], doc=replace(doc, entries=(*doc.entries, entry)))
        placed.append(pkg)
        ctx.diagnostics.append(placed_diagnostic(pkg, path))
    return out, placed
