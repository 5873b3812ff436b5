"""Lock first, for ``migrate --to pip`` on a uv project that has no ``uv.lock``.

I/O edge, used by the CLI before planning. :func:`toolshift.planners.to_pip.plan_to_pip` takes
every version it pins from ``uv.lock``; a project without one gets a lock made the way
``uv lock`` would make it in the project, but without writing anything there:

1. a temporary folder receives ``pyproject.toml`` and what ``uv lock`` reads beside it
   (``uv.toml``, ``.python-version``, ``[tool.uv.sources]`` paths, ``[tool.uv.workspace]``
   members, relative ``find-links`` and index folders), at the same relative places, so
   ``../lib`` still means the same folder; a package whose ``[project]`` has ``dynamic``
   fields is built by uv to learn them, so its whole folder is copied (without ``.git``,
   virtualenvs and caches);
2. :func:`toolshift.locking.run_uv_lock` locks the copy (the project's own ``[tool.uv]``
   settings count, the user's and the system's do not; ``--offline``/``--find-links`` of this
   run go along);
3. absolute paths into the copy in the lock (a ``find-links`` folder) are put back to the real
   project, and the lock is handed to the planner as if it were on disk.

:func:`fresh_plan` then makes the plan honest about it: no ``uv.lock`` to delete, and an info
diagnostic (``pip-fresh-lock``) saying the versions come from a fresh ``uv lock``.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolshift.errors import InputError
from toolshift.locking import LockResult, run_uv_lock
from toolshift.model import (
    Detected,
    Diagnostic,
    FileChange,
    Origin,
    Plan,
    Severity,
    normalize_name,
)

PYPROJECT = "pyproject.toml"
UV_LOCK = "uv.lock"
BESIDE = ("uv.toml", ".python-version")  # read by uv lock next to pyproject.toml
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".toolshift",
        "__pycache__",
        "node_modules",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
    }
)
CODE = "pip-fresh-lock"


@dataclass(frozen=True)
class FreshLock:
    """A lock made for planning only: it is never written to the project."""

    text: bytes  # uv.lock as uv wrote it, paths pointing at the real project
    copied: tuple[str, ...]  # what the temporary copy held (relative to the project)
    result: LockResult
    packages: int = 0  # locked packages besides the project itself
    # --find-links of this run (`migrate --find-links DIR`): not the project's, never written
    run_links: tuple[str, ...] = ()


def _local(value: object) -> str | None:
    """A relative local path from a source/index/find-links value (not a URL, not absolute)."""

    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if "://" in text or Path(text).is_absolute() or text.startswith("~"):
        return None
    return text


def _paths(data: dict[str, Any]) -> Iterator[str]:
    tool: dict[str, Any] = data.get("tool", {}).get("uv", {})
    for entries in tool.get("sources", {}).values():
        for entry in entries if isinstance(entries, list) else [entries]:
            if isinstance(entry, dict) and (p := _local(entry.get("path"))):
                yield p
    links = tool.get("find-links", [])
    for link in links if isinstance(links, list) else [links]:
        if p := _local(link):
            yield p
    for index in tool.get("index", []):
        if isinstance(index, dict) and (p := _local(index.get("url"))):
            yield p


def referenced(root: Path, pyproject_text: str) -> list[Path]:
    """The files and folders ``uv lock`` reads for this project, besides ``pyproject.toml``.

    Paths may lie outside ``root`` (``../lib``); ones that do not exist are left out (uv says
    what is missing when it locks).
    """

    try:
        data = tomllib.loads(pyproject_text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"pyproject.toml is not valid TOML: {exc}", path=PYPROJECT) from None
    out: list[Path] = [root / name for name in BESIDE]
    out += [root / p for p in _paths(data)]
    workspace = data.get("tool", {}).get("uv", {}).get("workspace", {})
    for pattern in workspace.get("members", []) if isinstance(workspace, dict) else []:
        if isinstance(pattern, str) and _local(pattern):
            out += sorted(root.glob(pattern))
    project = data.get("project", {})
    if isinstance(project, dict) and project.get("dynamic"):
        out += [p for p in sorted(root.iterdir()) if p.name not in SKIP_DIRS]
    seen: set[Path] = set()
    kept: list[Path] = []
    for p in out:
        resolved = Path(p).resolve()
        if resolved.exists() and resolved not in seen and resolved != root / PYPROJECT:
            seen.add(resolved)
            kept.append(Path(p))
    return kept


def _copy(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    if src.is_dir():
        shutil.copytree(
            src,
            dest,
            ignore=lambda _dir, names: [n for n in names if n in SKIP_DIRS],
            dirs_exist_ok=True,
            symlinks=True,
        )
    else:
        shutil.copy2(src, dest)


def lock_in_copy(
    root: str | Path,
    pyproject: bytes,
    *,
    extra_args: Sequence[str] = (),
    timeout: float = 600.0,
) -> FreshLock:
    """``uv lock`` for the project in ``root`` run in a temporary copy (see the module
    docstring). ``pyproject`` is the file's bytes as detect read them. Raises
    :class:`~toolshift.errors.ToolError` with uv's explanation when locking fails."""

    from toolshift.textio import decode

    root = Path(root).resolve()
    text = decode(pyproject, PYPROJECT)[0]
    refs = referenced(root, text)
    resolved = [root, *(p.resolve() for p in refs)]
    # the folder every referenced path lies under: ../lib keeps meaning the same folder
    anchor = Path(_common(resolved))
    with tempfile.TemporaryDirectory(prefix="toolshift-lock-") as tmp:
        base = Path(tmp) / "copy"
        copy_root = base / root.relative_to(anchor)
        copy_root.mkdir(parents=True)
        (copy_root / PYPROJECT).write_bytes(pyproject)
        copied = [PYPROJECT]
        for ref, real in zip(refs, resolved[1:], strict=True):
            _copy(real, base / real.relative_to(anchor))
            copied.append(_relative(ref, root))
        result = run_uv_lock(copy_root, None, {}, extra_args=extra_args, timeout=timeout)
        lock = (copy_root / UV_LOCK).read_bytes()
        for temp in {str(base), str(base.resolve())}:
            lock = lock.replace(temp.encode(), str(anchor).encode())
    name = tomllib.loads(text).get("project", {}).get("name")
    own = normalize_name(name) if isinstance(name, str) else None
    packages = sum(1 for n in result.versions if n != own)
    links = tuple(
        extra_args[i + 1] for i, arg in enumerate(extra_args[:-1]) if arg in ("--find-links", "-f")
    )
    return FreshLock(
        text=lock, copied=tuple(copied), result=result, packages=packages, run_links=links
    )


def _common(paths: list[Path]) -> str:
    import os

    return os.path.commonpath([str(p) for p in paths])


def _relative(path: Path, root: Path) -> str:
    import os

    return Path(os.path.relpath(path.resolve(), root)).as_posix()


def with_lock(detected: Detected, fresh: FreshLock) -> Detected:
    """``detected`` as if ``uv.lock`` were on disk (for the planner only)."""

    return dataclasses.replace(detected, contents={**detected.contents, UV_LOCK: fresh.text})


def fresh_plan(plan: Plan, fresh: FreshLock) -> Plan:
    """The plan made from a fresh lock: nothing to delete (no ``uv.lock`` on disk), and a
    note that the pinned versions are the ones ``uv lock`` chose now."""

    count = fresh.packages
    note = Diagnostic(
        CODE,
        Severity.INFO,
        f"there was no uv.lock: the versions pinned come from a fresh `uv lock` ({count} "
        "package(s), the newest its requirements allow), run in a temporary copy of "
        f"the project ({', '.join(fresh.copied)}); no uv.lock is written",
        Origin(UV_LOCK),
        hint="to pin the versions you run today instead, run `uv lock` (or `uv sync`) where "
        "they are installed, review uv.lock, then migrate",
    )
    changes = [c for c in plan.changes if c.path != UV_LOCK]
    diagnostics = [note, *fresh.result.diagnostics, *plan.diagnostics]
    if fresh.run_links:
        changes, diagnostics = _without_run_links(changes, diagnostics, fresh.run_links)
    return dataclasses.replace(plan, changes=tuple(changes), diagnostics=tuple(diagnostics))


def _without_run_links(
    changes: list[FileChange], diagnostics: list[Diagnostic], links: tuple[str, ...]
) -> tuple[list[FileChange], list[Diagnostic]]:
    """The lock names a ``--find-links`` folder of this run as a registry, and the planner
    keeps such a registry as ``--find-links /home/me/wheels``: a path of this machine, which
    the option's help promises is not written. It leaves the requirements files again; a
    warning says pip needs it the same way."""

    import re

    from toolshift.textio import decode, encode

    lines = {f"--find-links {link}" for link in links}
    out: list[FileChange] = []
    dropped: set[str] = set()
    for change in changes:
        if change.new is None or not change.path.endswith(".txt") or "TS121" not in change.rules:
            out.append(change)
            continue
        text, fmt = decode(change.new, change.path)
        kept = [line for line in text.splitlines(keepends=True) if line.strip() not in lines]
        if len(kept) == len(text.splitlines()):
            out.append(change)
            continue
        dropped |= {line.strip() for line in text.splitlines()} & lines
        new_text = re.sub(r"(\r?\n)(?:[ \t]*\r?\n){2,}", lambda m: m.group(1) * 2, "".join(kept))
        new = encode(new_text, fmt)
        if new != change.old:
            out.append(dataclasses.replace(change, new=new))
    if not dropped:
        return out, diagnostics
    names = sorted(line.split(" ", 1)[1] for line in dropped)
    kept_notes = [
        d
        for d in diagnostics
        if not (
            d.code in ("pip-lock-index", "pip-index-merge") and any(n in d.message for n in names)
        )
    ]
    warning = Diagnostic(
        "pip-run-find-links",
        Severity.WARNING,
        f"uv locked packages from {', '.join(names)} (--find-links of this run); the "
        "requirements files do not name it, so pip looks for those versions on the index",
        Origin(UV_LOCK),
        hint="install the same way: pip install --find-links "
        + " --find-links ".join(names)
        + " -r requirements.txt (or add --find-links to requirements.txt)",
    )
    return out, [*kept_notes, warning]
