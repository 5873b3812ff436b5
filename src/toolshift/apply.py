"""Apply a Plan to disk, reversibly: journal, atomic writes, rollback, undo and history.

This is the I/O edge after *render*. Nothing is written until every planned file still has the
bytes the plan was made from. Then every path the run will touch (the plan's files and the
files post-actions produce, such as ``uv.lock``) is backed up into a journal entry::

    .toolshift/
      .gitignore                 "*": the journal is never committed by accident
      history/<id>/
        manifest.json            what was there before, what is there after, the status
        files/<path>             the bytes of every touched file that existed before

The entry is assembled under a hidden name and renamed into place, so an entry either has a
manifest or does not exist. Its status goes ``in-progress`` -> ``applied`` (or
``rolled-back``); ``undo`` marks it ``undone``. A crash between two writes leaves it
``in-progress``, and ``undo`` can still restore everything from the backups.

Each file is written atomically (temporary file in the same folder, fsync, ``os.replace``) and
keeps the mode of the file it replaces. Any failure, including Ctrl-C, restores every path byte
for byte and raises :class:`~toolshift.errors.ApplyError` (exit 4).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Any

from toolshift.errors import ApplyError, InputError, JournalError, UsageError
from toolshift.model import ChangeKind, Plan, PostAction
from toolshift.redact import redact_text

MANIFEST_SCHEMA = 1
STATE_DIR = ".toolshift"
HISTORY_DIR = f"{STATE_DIR}/history"
MANIFEST = "manifest.json"
BACKUPS = "files"

PostRunner = Callable[[PostAction], None]


class EntryStatus(StrEnum):
    IN_PROGRESS = "in-progress"
    APPLIED = "applied"
    ROLLED_BACK = "rolled-back"
    UNDONE = "undone"


class PathRole(StrEnum):
    CREATE = "create"
    MODIFY = "modify"
    DELETE = "delete"
    POST = "post"  # written by a post-action (e.g. uv.lock by `uv lock`)


@dataclass(frozen=True)
class JournalPath:
    """One touched path: its state before the run and after it."""

    path: str  # project-relative POSIX path
    role: PathRole
    existed_before: bool
    sha256_before: str | None = None
    mode: int | None = None  # permission bits before (``stat.S_IMODE``)
    backup: str | None = None  # entry-relative path of the saved bytes
    sha256_planned: str | None = None  # what the plan meant to write (None: absent/unknown)
    exists_after: bool | None = None  # None while the entry is in progress
    sha256_after: str | None = None
    # Why the plan touched it (the FileChange's rule ids and reasons); empty for post-action
    # outputs and for entries written before these fields existed.
    rules: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "role": self.role.value,
            "existed_before": self.existed_before,
            "sha256_before": self.sha256_before,
            "mode": None if self.mode is None else f"{self.mode:04o}",
            "backup": self.backup,
            "sha256_planned": self.sha256_planned,
            "exists_after": self.exists_after,
            "sha256_after": self.sha256_after,
            "rules": list(self.rules),
            "reasons": list(self.reasons),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> JournalPath:
        mode = d.get("mode")
        return cls(
            path=str(d["path"]),
            role=PathRole(d["role"]),
            existed_before=bool(d["existed_before"]),
            sha256_before=d.get("sha256_before"),
            mode=None if mode is None else int(str(mode), 8),
            backup=d.get("backup"),
            sha256_planned=d.get("sha256_planned"),
            exists_after=d.get("exists_after"),
            sha256_after=d.get("sha256_after"),
            rules=tuple(str(x) for x in d.get("rules", ())),
            reasons=tuple(str(x) for x in d.get("reasons", ())),
        )


@dataclass(frozen=True)
class JournalEntry:
    """One run of ``apply_plan`` as recorded in ``.toolshift/history/<id>/manifest.json``."""

    id: str
    created: str  # ISO 8601, UTC
    command: str  # redacted
    target: str
    status: EntryStatus
    paths: tuple[JournalPath, ...] = ()
    created_dirs: tuple[str, ...] = ()  # folders the run created, deepest last
    root: str = ""
    directory: str = ""  # absolute path of the entry folder
    toolshift_version: str = ""
    error: str = ""  # why it was rolled back, when it was
    finished: str = ""  # when it reached applied / rolled-back
    undone: str = ""  # when it was undone

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(p.path for p in self.paths)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": MANIFEST_SCHEMA,
            "id": self.id,
            "created": self.created,
            "command": self.command,
            "target": self.target,
            "status": self.status.value,
            "root": self.root,
            "toolshift_version": self.toolshift_version,
            "finished": self.finished,
            "undone": self.undone,
            "error": self.error,
            "created_dirs": list(self.created_dirs),
            "paths": [p.to_dict() for p in self.paths],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], directory: str = "") -> JournalEntry:
        return cls(
            id=str(d["id"]),
            created=str(d["created"]),
            command=str(d.get("command", "")),
            target=str(d.get("target", "")),
            status=EntryStatus(d["status"]),
            paths=tuple(JournalPath.from_dict(p) for p in d.get("paths", [])),
            created_dirs=tuple(str(x) for x in d.get("created_dirs", [])),
            root=str(d.get("root", "")),
            directory=directory,
            toolshift_version=str(d.get("toolshift_version", "")),
            error=str(d.get("error", "")),
            finished=str(d.get("finished", "")),
            undone=str(d.get("undone", "")),
        )


# --------------------------------------------------------------------------- small I/O helpers


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(ts: datetime) -> str:
    return ts.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _new_id(ts: datetime) -> str:
    return f"{ts:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def _read(full: Path) -> bytes | None:
    """The bytes at ``full``, or None when nothing is there."""

    try:
        return full.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise InputError(
            "is a folder where toolshift expects a file",
            path=str(full),
            hint="move the folder away, then run the command again",
        ) from None
    except OSError as exc:
        raise InputError(
            f"cannot read it ({exc.strerror or exc})",
            path=str(full),
            hint="check the file's permissions",
        ) from None


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not possible on every platform, and harmless to skip.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(full: Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to ``full`` through a temporary file in the same folder and
    ``os.replace``. ``mode`` sets the permission bits; None keeps those of the file being
    replaced, or uses the umask default for a new file."""

    if mode is None:
        try:
            mode = stat.S_IMODE(full.stat().st_mode)
        except FileNotFoundError:
            mode = None
    tmp = full.with_name(f".{full.name}.toolshift-{secrets.token_hex(4)}.tmp")
    # 0o666 goes through the umask, like any new file an editor would create.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        if mode is not None:
            os.chmod(tmp, mode)  # os.fchmod does not exist on Windows before 3.13
        os.replace(tmp, full)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(full.parent)


def _write_json(full: Path, doc: Mapping[str, Any]) -> None:
    atomic_write(full, (json.dumps(doc, indent=2) + "\n").encode("utf-8"))


def _check_rel_path(path: str) -> PurePosixPath:
    p = PurePosixPath(path)
    if (
        not path
        or "\\" in path
        or p.is_absolute()
        or any(part in {"", ".", ".."} for part in path.split("/"))
        or p.parts[0] in {STATE_DIR, ".git"}
    ):
        raise InputError(
            f"the plan names a path toolshift will not write: {path!r}",
            hint="plan paths are project-relative POSIX paths outside .git and .toolshift",
        )
    return p


def _full(root: Path, path: str) -> Path:
    full = root.joinpath(*_check_rel_path(path).parts)
    # A link in the way could send a write outside the project, or replace the link itself.
    for parent in [full, *full.parents]:
        if parent == root:
            break
        if parent.is_symlink():
            raise InputError(
                "is a symbolic link; toolshift does not write through links",
                path=path,
                hint="replace the link by a real file or folder, or leave it out of the plan",
            )
    return full


def ensure_state_dir(root: Path) -> Path:
    """Create ``.toolshift/`` with a ``.gitignore`` of ``*`` so the journal is never committed
    (the project's own ``.gitignore`` is a planner's business, not ours)."""

    state = root / STATE_DIR
    state.mkdir(exist_ok=True)
    ignore = state / ".gitignore"
    if not ignore.exists():
        atomic_write(ignore, b"# written by toolshift: the migration journal stays local\n*\n")
    return state


@contextlib.contextmanager
def _project_lock(root: Path, *, create: bool) -> Iterator[None]:
    """One toolshift at a time may change a project (an advisory lock on ``.toolshift/lock``,
    released by the OS if the process dies)."""

    state = root / STATE_DIR
    try:
        if create:
            ensure_state_dir(root)
        elif not state.is_dir():
            yield  # no journal: nothing for a second run to trip over
            return
        fd = os.open(state / "lock", os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise JournalError(
            f"cannot write the journal folder ({exc.strerror or exc})",
            path=str(state),
            hint="make sure the project folder is writable",
        ) from None
    try:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no flock; the checks still apply
            yield
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise JournalError(
                "another toolshift run is changing this project right now",
                path=str(state / "lock"),
                hint="wait for it to finish, then run the command again",
            ) from None
        yield
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- apply


def _missing_parents(root: Path, full: Path) -> list[Path]:
    out: list[Path] = []
    parent = full.parent
    while parent != root and not parent.exists():
        out.append(parent)
        parent = parent.parent
    return list(reversed(out))  # shallowest first


def _stale(plan: Plan, root: Path) -> list[str]:
    problems: list[str] = []
    for change in plan.changes:
        full = _full(root, change.path)
        if full.is_dir():
            raise InputError(
                "is a folder, but the plan treats it as a file",
                path=change.path,
                hint="move the folder away, or plan again",
            )
        if _read(full) != change.old:
            problems.append(change.path)
    return problems


def apply_plan(
    plan: Plan,
    *,
    command: str,
    post: PostRunner | None = None,
) -> JournalEntry:
    """Write ``plan`` to disk with a journal entry; roll everything back on any failure.

    Raises :class:`InputError` (nothing written) when a file changed since the plan was made,
    and :class:`ApplyError` (everything restored) when a write or a post-action fails.
    """

    root = Path(plan.root).absolute()
    if not root.is_dir():
        raise InputError("the project folder does not exist", path=str(root))
    seen: set[str] = set()
    for change in plan.changes:
        if change.path in seen:
            raise InputError(
                "the plan changes this file twice", path=change.path, hint="plan again"
            )
        seen.add(change.path)
        if change.old is None and change.new is None:
            raise InputError("the plan neither creates nor deletes this file", path=change.path)
    if plan.post_actions and post is None:
        raise UsageError(
            "the plan has post-actions but no runner for them",
            hint="pass post=... to apply_plan, or plan without post-actions",
        )
    for action in plan.post_actions:
        for produced in action.produces:
            _full(root, produced)
    for change in plan.changes:
        _full(root, change.path)
    with _project_lock(root, create=True):
        return _apply_locked(plan, root, command, post)


def _apply_locked(plan: Plan, root: Path, command: str, post: PostRunner | None) -> JournalEntry:
    from toolshift import __version__

    stale = _stale(plan, root)
    if stale:
        raise InputError(
            "the project changed since the plan was made; nothing was written: " + ", ".join(stale),
            path=stale[0],
            hint="run the command again to plan from the files as they are now",
        )

    # Every path the run may touch, in a stable order, with its state now.
    journal: list[JournalPath] = []
    roles: dict[str, PathRole] = {}
    planned: dict[str, str | None] = {}
    why: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for change in plan.changes:
        roles[change.path] = PathRole(change.kind.value)
        planned[change.path] = None if change.new is None else sha256(change.new)
        why[change.path] = (tuple(change.rules), tuple(change.reasons))
    for action in plan.post_actions:
        for produced in action.produces:
            roles.setdefault(produced, PathRole.POST)

    created_dirs: list[Path] = []
    for change in plan.changes:
        if change.kind is ChangeKind.DELETE:
            continue
        for d in _missing_parents(root, _full(root, change.path)):
            if d not in created_dirs:
                created_dirs.append(d)

    ts = _now()
    entry_id = _new_id(ts)
    history_dir = root / HISTORY_DIR
    staging = history_dir / f".{entry_id}.partial"
    backups = staging / BACKUPS

    try:
        history_dir.mkdir(exist_ok=True)
        # Under the lock, a leftover .partial is from a run that died while backing up
        # (before it wrote a single project file): it holds nothing worth keeping.
        for leftover in history_dir.glob(".*.partial"):
            _remove_tree(leftover)
        staging.mkdir()
        for path, role in roles.items():
            full = _full(root, path)
            data = _read(full)
            rules, reasons = why.get(path, ((), ()))
            if data is None:
                journal.append(
                    JournalPath(
                        path,
                        role,
                        False,
                        sha256_planned=planned.get(path),
                        rules=rules,
                        reasons=reasons,
                    )
                )
                continue
            target = backups.joinpath(*PurePosixPath(path).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            mode = stat.S_IMODE(full.stat().st_mode)
            atomic_write(target, data, 0o600)
            journal.append(
                JournalPath(
                    path,
                    role,
                    True,
                    sha256_before=sha256(data),
                    mode=mode,
                    backup=f"{BACKUPS}/{path}",
                    sha256_planned=planned.get(path),
                    rules=rules,
                    reasons=reasons,
                )
            )
        entry = JournalEntry(
            id=entry_id,
            created=_iso(ts),
            command=redact_text(command),
            target=plan.target,
            status=EntryStatus.IN_PROGRESS,
            paths=tuple(journal),
            created_dirs=tuple(d.relative_to(root).as_posix() for d in created_dirs),
            root=str(root),
            directory=str(history_dir / entry_id),
            toolshift_version=__version__,
        )
        _write_json(staging / MANIFEST, entry.to_dict())
        os.replace(staging, history_dir / entry_id)
    except BaseException as exc:
        _remove_tree(staging)
        if isinstance(exc, OSError):
            raise ApplyError(
                f"could not back up the files before writing; nothing was changed ({exc})",
                path=str(history_dir),
                hint="make sure the project folder is writable and the disk is not full",
            ) from exc
        raise
    _fsync_dir(history_dir)

    try:
        with _sigterm_raises():
            _write_changes(root, plan, created_dirs)
            for action in plan.post_actions:
                assert post is not None
                post(action)
            done = replace(
                entry,
                status=EntryStatus.APPLIED,
                paths=tuple(_after(root, p) for p in entry.paths),
                finished=_iso(_now()),
            )
            # A run the journal cannot describe is not kept: this write is part of the run.
            _save(done)
    except BaseException as exc:
        raise _roll_back(root, entry, exc) from exc
    return done


class Terminated(BaseException):
    """SIGTERM arrived while files were being written (CI cancel, ``timeout``, ``kill``)."""


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """Turn SIGTERM into an exception while files change, so the run rolls back instead of
    dying half-written. Signals can only be handled in the main thread; elsewhere a kill
    leaves the entry in progress, which ``undo`` restores."""

    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _WriteFailed(Exception):
    """A project file could not be written or deleted; names the file, not our temp file."""

    def __init__(self, path: str, exc: OSError) -> None:
        reason = exc.strerror or str(exc)
        super().__init__(f"cannot write {path}: {reason}")
        self.message = str(self)
        self.path = path
        self.hint = "check that the file and its folder are writable and the disk is not full"


def _write_changes(root: Path, plan: Plan, created_dirs: Iterable[Path]) -> None:
    for d in created_dirs:
        try:
            d.mkdir(exist_ok=True)
        except OSError as exc:
            raise _WriteFailed(d.relative_to(root).as_posix() + "/", exc) from exc
    for change in plan.changes:
        full = _full(root, change.path)
        try:
            if change.new is None:
                with contextlib.suppress(FileNotFoundError):
                    full.unlink()
                _fsync_dir(full.parent)
            else:
                atomic_write(full, change.new)
        except OSError as exc:
            raise _WriteFailed(change.path, exc) from exc


def _after(root: Path, jp: JournalPath) -> JournalPath:
    data = _read(_full(root, jp.path))
    return replace(
        jp, exists_after=data is not None, sha256_after=None if data is None else sha256(data)
    )


def _describe(exc: BaseException) -> tuple[str, str, str | None]:
    """(message, output, hint) of whatever went wrong."""

    if isinstance(exc, KeyboardInterrupt):
        return "interrupted", "", None
    if isinstance(exc, Terminated):
        return "terminated (SIGTERM)", "", None
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    if isinstance(exc, OSError) and exc.filename:
        message = f"{exc.strerror or message}: {exc.filename}"
    output = str(getattr(exc, "output", "") or "")
    hint = getattr(exc, "hint", None)
    return redact_text(str(message)), redact_text(output), hint


def _roll_back(root: Path, entry: JournalEntry, exc: BaseException) -> ApplyError:
    message, output, hint = _describe(exc)
    problems = _restore(root, entry)
    if problems:
        entry = replace(entry, error=f"{message}; rollback incomplete: {'; '.join(problems)}")
        with contextlib.suppress(OSError):
            _save(entry)
        return ApplyError(
            f"{message}; restoring the files also failed for: {', '.join(problems)}",
            output=output,
            hint=f"fix the cause, then run `toolshift undo --id {entry.id}` to restore the rest "
            "from the backups",
        )
    entry = replace(entry, status=EntryStatus.ROLLED_BACK, error=message, finished=_iso(_now()))
    with contextlib.suppress(OSError):
        _save(entry)
    return ApplyError(
        f"{message}; every file was restored as it was",
        path=getattr(exc, "path", None),
        output=output,
        hint=hint or "fix the cause above and run the command again",
    )


def _save(entry: JournalEntry) -> None:
    _write_json(Path(entry.directory) / MANIFEST, entry.to_dict())


def _remove_tree(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------- restore


def _backup_bytes(entry: JournalEntry, jp: JournalPath) -> bytes:
    where = Path(entry.directory) / MANIFEST
    if jp.backup is None:
        raise JournalError(
            f"the backup of {jp.path} is not recorded",
            path=str(where),
            hint="the journal entry is damaged; restore the file from version control",
        )
    full = Path(entry.directory).joinpath(*PurePosixPath(jp.backup).parts)
    data = _read(full)
    if data is None or sha256(data) != jp.sha256_before:
        raise JournalError(
            f"the backup of {jp.path} is missing or damaged",
            path=str(full),
            hint="restore the file from version control",
        )
    return data


def _restore(root: Path, entry: JournalEntry) -> list[str]:
    """Put every path of ``entry`` back as it was before; the paths that failed."""

    problems: list[str] = []
    for jp in entry.paths:
        try:
            full = _full(root, jp.path)
            now = _read(full)
            if jp.existed_before:
                data = _backup_bytes(entry, jp)
                if now != data:
                    atomic_write(full, data, jp.mode)
                elif jp.mode is not None and stat.S_IMODE(full.stat().st_mode) != jp.mode:
                    os.chmod(full, jp.mode)
            elif now is not None:
                full.unlink()
                _fsync_dir(full.parent)
        except (OSError, JournalError, InputError) as exc:
            problems.append(f"{jp.path} ({_describe(exc)[0]})")
    for rel in reversed(entry.created_dirs):
        # Only folders the run created, and only when nothing else lives there now.
        with contextlib.suppress(OSError):
            root.joinpath(*PurePosixPath(rel).parts).rmdir()
    return problems


# --------------------------------------------------------------------------- history and undo


def _history_dir(root: Path) -> Path:
    return root / STATE_DIR / "history"


def load_entry(folder: Path) -> JournalEntry:
    manifest = folder / MANIFEST
    hint = (
        f"the journal entry {folder.name} is damaged; if you do not need it, delete the "
        f"folder {folder}"
    )
    try:
        doc = json.loads(manifest.read_text("utf-8"))
    except FileNotFoundError:
        raise JournalError(
            "journal entry without a manifest", path=str(manifest), hint=hint
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JournalError(
            f"cannot read the manifest ({exc})", path=str(manifest), hint=hint
        ) from None
    if not isinstance(doc, dict) or doc.get("schema") != MANIFEST_SCHEMA:
        schema = doc.get("schema") if isinstance(doc, dict) else None
        raise JournalError(
            f"unknown manifest schema {schema!r} (this toolshift reads {MANIFEST_SCHEMA})",
            path=str(manifest),
            hint="use the toolshift version that wrote it, or delete the folder",
        )
    try:
        entry = JournalEntry.from_dict(doc, directory=str(folder))
    except (KeyError, TypeError, ValueError) as exc:
        raise JournalError(
            f"the manifest is damaged ({exc!r})", path=str(manifest), hint=hint
        ) from None
    if entry.id != folder.name:
        raise JournalError(
            f"the manifest names entry {entry.id!r}, but sits in {folder.name!r}",
            path=str(manifest),
            hint=hint,
        )
    for jp in entry.paths:
        _check_rel_path(jp.path)
    return entry


def history(root: Path) -> list[JournalEntry]:
    """Every journal entry of the project at ``root``, oldest first."""

    folder = _history_dir(Path(root).absolute())
    if not folder.is_dir():
        return []
    entries = [
        load_entry(child)
        for child in folder.iterdir()
        if child.is_dir() and not child.name.startswith(".")
    ]
    return sorted(entries, key=lambda e: (e.created, e.id))


@dataclass(frozen=True)
class UndoPreview:
    """What :func:`undo` would do, checked and ready; nothing written."""

    entry: JournalEntry
    restore: tuple[str, ...]  # files put back (modified or deleted by the run)
    remove: tuple[str, ...]  # files the run created
    modified: tuple[str, ...]  # files changed since the run (only when forced)
    remove_dirs: tuple[str, ...]


_UNDOABLE = (EntryStatus.APPLIED, EntryStatus.IN_PROGRESS)


def _pick(entries: list[JournalEntry], entry_id: str | None, root: Path) -> JournalEntry:
    if not entries:
        raise JournalError(
            "nothing to undo: this project has no migration journal",
            path=str(_history_dir(root)),
            hint="undo works on changes toolshift applied in this folder; check the PATH",
        )
    if entry_id is None:
        for entry in reversed(entries):
            if entry.status in _UNDOABLE:
                return entry
        raise JournalError(
            "nothing to undo: every recorded migration was already undone or rolled back",
            path=str(_history_dir(root)),
            hint="`toolshift history` lists them",
        )
    matches = [e for e in entries if e.id == entry_id]
    if not matches:
        matches = [e for e in entries if e.id.startswith(entry_id)]
        if len(matches) > 1:
            raise JournalError(
                f"{entry_id!r} matches several journal entries: "
                + ", ".join(e.id for e in matches),
                hint="give more of the id",
            )
    if not matches:
        raise JournalError(
            f"no journal entry {entry_id!r}",
            path=str(_history_dir(root)),
            hint="`toolshift history` lists the ids",
        )
    entry = matches[0]
    if entry.status not in _UNDOABLE:
        raise JournalError(
            f"journal entry {entry.id} is {entry.status.value}; there is nothing to undo",
            hint="`toolshift history` shows what can still be undone",
        )
    return entry


def _changed_since(root: Path, entry: JournalEntry) -> list[str]:
    changed: list[str] = []
    for jp in entry.paths:
        data = _read(_full(root, jp.path))
        now = None if data is None else sha256(data)
        if entry.status is EntryStatus.APPLIED:
            expected = {jp.sha256_after if jp.exists_after else None}
        elif jp.role is PathRole.POST:
            continue  # a post-action cut short may have left anything there
        else:  # in-progress: each file is either as before or as planned
            expected = {jp.sha256_before, jp.sha256_planned}
        if now not in expected:
            changed.append(jp.path)
    return changed


def undo_preview(root: Path, entry_id: str | None = None, *, force: bool = False) -> UndoPreview:
    """Check that ``entry_id`` (default: the latest applied entry) can be undone."""

    root = Path(root).absolute()
    entries = history(root)
    entry = _pick(entries, entry_id, root)
    mine = set(entry.files)
    newer = [
        e
        for e in entries
        if e.status in _UNDOABLE
        and (e.created, e.id) > (entry.created, entry.id)
        and mine & set(e.files)
    ]
    if newer:
        raise JournalError(
            f"a later migration ({newer[-1].id}) changed the same files: "
            + ", ".join(sorted(mine & set(newer[-1].files))),
            hint=f"undo the newer one first: `toolshift undo --id {newer[-1].id}`",
        )
    for jp in entry.paths:
        if jp.existed_before:
            _backup_bytes(entry, jp)
    changed = _changed_since(root, entry)
    if changed and not force:
        raise JournalError(
            "these files changed after the migration; undoing would lose those edits: "
            + ", ".join(changed),
            path=changed[0],
            hint="save your edits elsewhere, then run `toolshift undo --force` to restore anyway",
        )
    restore: list[str] = []
    remove: list[str] = []
    for jp in entry.paths:
        data = _read(_full(root, jp.path))
        if jp.existed_before:
            if data is None or sha256(data) != jp.sha256_before:
                restore.append(jp.path)
        elif data is not None:
            remove.append(jp.path)
    dirs = tuple(d for d in reversed(entry.created_dirs) if (root / d).is_dir())
    return UndoPreview(entry, tuple(restore), tuple(remove), tuple(changed), dirs)


def undo(root: Path, entry_id: str | None = None, *, force: bool = False) -> JournalEntry:
    """Restore the files of a journal entry byte for byte and mark it ``undone``.

    Files that existed come back with their mode; files the run created are removed, and the
    folders it created too when they are empty.
    """

    root = Path(root).absolute()
    with _project_lock(root, create=False):
        preview = undo_preview(root, entry_id, force=force)
        problems = _restore(root, preview.entry)
        if problems:
            raise JournalError(
                "could not restore: " + "; ".join(problems),
                path=preview.entry.directory,
                hint="fix the cause (permissions, disk space) and run `toolshift undo` again",
            )
        entry = replace(preview.entry, status=EntryStatus.UNDONE, undone=_iso(_now()))
        _save(entry)
    return entry
