from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

from toolshift import apply as apply_mod
from toolshift.apply import EntryStatus, apply_plan, history, undo, undo_preview
from toolshift.errors import ApplyError, ExitCode, InputError, JournalError, ToolError, UsageError
from toolshift.model import FileChange, Plan, PostAction, PostActionKind
from toolshift.tools import run

Snapshot = dict[str, tuple[str, int]]


def snapshot(root: Path) -> Snapshot:
    """Every file and folder under root (outside .toolshift): hash and permission bits."""

    out: Snapshot = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root)
        if rel_dir.parts[:1] == (".toolshift",):
            continue
        for d in dirnames:
            if d == ".toolshift" and rel_dir == Path("."):
                continue
            p = Path(dirpath, d)
            out[(rel_dir / d).as_posix() + "/"] = ("dir", stat.S_IMODE(p.stat().st_mode))
        for f in filenames:
            p = Path(dirpath, f)
            out[(rel_dir / f).as_posix()] = (
                hashlib.sha256(p.read_bytes()).hexdigest(),
                stat.S_IMODE(p.stat().st_mode),
            )
    return out


ORIGINAL = {
    "requirements.txt": b"flask==3.0.0\nrequests==2.32.3\n",
    "win.txt": b"line one\r\nline two\r\n",
    "bom.txt": b"\xef\xbb\xbfname = 'x'\n",
    "latin.txt": b"caf\xe9 cr\xe8me\n",
    "run.sh": b"#!/bin/sh\nexec pip install -r requirements.txt\n",
    "old.cfg": b"[metadata]\nname = x",
    "pkg/__init__.py": b"",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "svc"
    for rel, data in ORIGINAL.items():
        full = root / rel
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_bytes(data)
    (root / "run.sh").chmod(0o755)
    (root / "old.cfg").chmod(0o600)
    return root


def full_plan(root: Path, *, lock: bool = True) -> Plan:
    changes = (
        FileChange("requirements.txt", ORIGINAL["requirements.txt"], b"flask==3.0.0\n", ("TS101",)),
        FileChange("win.txt", ORIGINAL["win.txt"], b"line one\r\nline 2\r\nline three"),
        FileChange("bom.txt", ORIGINAL["bom.txt"], b"\xef\xbb\xbfname = 'y'\n"),
        FileChange("latin.txt", ORIGINAL["latin.txt"], b"caf\xe9\n\x00\xff"),
        FileChange("run.sh", ORIGINAL["run.sh"], b"#!/bin/sh\nexec uv sync --frozen\n"),
        FileChange("old.cfg", ORIGINAL["old.cfg"], None, ("TS107",)),
        FileChange("new/nested/dir/file.txt", None, b"created\n"),
        FileChange("pyproject.toml", None, b"[project]\nname = 'svc'\n"),
    )
    posts = (PostAction(PostActionKind.UV_LOCK, "uv lock", produces=("uv.lock",)),) if lock else ()
    return Plan(root=str(root), target="uv", changes=changes, post_actions=posts)


def write_lock(root: Path) -> apply_mod.PostRunner:
    def lock(action: PostAction) -> None:
        assert action.kind is PostActionKind.UV_LOCK
        (root / "uv.lock").write_bytes(b"version = 1\n")

    return lock


def test_apply_writes_every_change_and_journals_it(project: Path) -> None:
    plan = full_plan(project)
    entry = apply_plan(plan, command="toolshift migrate --to uv .", post=write_lock(project))

    for change in plan.changes:
        full = project / change.path
        if change.new is None:
            assert not full.exists()
        else:
            assert full.read_bytes() == change.new
    assert (project / "uv.lock").read_bytes() == b"version = 1\n"
    # modes: kept for replaced files, umask default for new ones
    assert stat.S_IMODE((project / "run.sh").stat().st_mode) == 0o755
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((project / "pyproject.toml").stat().st_mode) == 0o666 & ~umask
    # no temporary files left behind
    assert not [p for p in project.rglob("*.tmp")]

    assert entry.status is EntryStatus.APPLIED
    assert entry.target == "uv"
    assert entry.created_dirs == ("new", "new/nested", "new/nested/dir")
    entry_dir = project / ".toolshift" / "history" / entry.id
    assert Path(entry.directory) == entry_dir
    manifest = json.loads((entry_dir / "manifest.json").read_text())
    assert manifest["schema"] == 1
    assert manifest["status"] == "applied"
    assert manifest["command"] == "toolshift migrate --to uv ."
    assert manifest["created"].endswith("Z")
    by_path = {p["path"]: p for p in manifest["paths"]}
    assert set(by_path) == {c.path for c in plan.changes} | {"uv.lock"}
    assert by_path["run.sh"]["mode"] == "0755"
    assert by_path["run.sh"]["existed_before"] is True
    assert (
        by_path["run.sh"]["sha256_after"] == hashlib.sha256(plan.changes[4].new or b"").hexdigest()
    )
    assert by_path["old.cfg"]["exists_after"] is False
    assert by_path["pyproject.toml"]["existed_before"] is False
    assert by_path["uv.lock"]["role"] == "post"
    assert by_path["uv.lock"]["exists_after"] is True
    # backups hold the bytes as they were
    for rel, data in ORIGINAL.items():
        if rel in by_path:
            assert (entry_dir / "files" / rel).read_bytes() == data
    assert (project / ".toolshift" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_apply_then_undo_restores_the_tree_byte_for_byte(project: Path) -> None:
    before = snapshot(project)
    entry = apply_plan(full_plan(project), command="migrate", post=write_lock(project))
    assert snapshot(project) != before

    undone = undo(project)

    assert undone.id == entry.id
    assert undone.status is EntryStatus.UNDONE
    assert snapshot(project) == before
    assert not (project / "new").exists()
    assert not (project / "uv.lock").exists()
    assert history(project)[-1].status is EntryStatus.UNDONE


def test_undo_keeps_folders_that_hold_other_files(project: Path) -> None:
    entry = apply_plan(full_plan(project, lock=False), command="migrate")
    (project / "new" / "mine.txt").write_text("not toolshift's")
    undo(project, entry.id)
    assert not (project / "new" / "nested").exists()
    assert (project / "new" / "mine.txt").read_text() == "not toolshift's"


def test_stale_plan_writes_nothing(project: Path) -> None:
    plan = full_plan(project)
    (project / "win.txt").write_bytes(b"someone edited this\r\n")
    before = snapshot(project)
    ran: list[PostAction] = []
    with pytest.raises(InputError, match="changed since the plan was made") as exc:
        apply_plan(plan, command="migrate", post=ran.append)
    assert "win.txt" in str(exc.value)
    assert exc.value.hint
    assert snapshot(project) == before
    assert ran == []
    assert history(project) == []
    assert not (project / ".toolshift" / "history").exists()


def test_stale_plan_file_that_should_not_exist(project: Path) -> None:
    plan = full_plan(project, lock=False)
    (project / "pyproject.toml").write_text("[project]\n")
    with pytest.raises(InputError, match=r"pyproject\.toml"):
        apply_plan(plan, command="migrate")
    assert (project / "pyproject.toml").read_text() == "[project]\n"


def test_post_action_failure_rolls_back_everything(project: Path) -> None:
    before = snapshot(project)

    def failing_lock(action: PostAction) -> None:
        (project / "uv.lock").write_bytes(b"half a lock")
        raise ToolError(
            "uv lock failed (exit 1)",
            output="No solution found when resolving dependencies",
            hint="loosen the pin on flask",
        )

    with pytest.raises(ApplyError) as exc:
        apply_plan(full_plan(project), command="migrate", post=failing_lock)

    err = exc.value
    assert err.exit_code == ExitCode.ROLLED_BACK == 4
    assert "uv lock failed" in err.message
    assert "restored" in err.message
    assert "No solution found" in err.output
    assert err.hint == "loosen the pin on flask"
    assert isinstance(err.__cause__, ToolError)
    assert snapshot(project) == before
    [entry] = history(project)
    assert entry.status is EntryStatus.ROLLED_BACK
    assert "uv lock failed" in entry.error
    with pytest.raises(JournalError, match="nothing to undo"):
        undo(project)


def test_keyboard_interrupt_during_post_action_rolls_back(project: Path) -> None:
    before = snapshot(project)

    def interrupted(action: PostAction) -> None:
        raise KeyboardInterrupt

    with pytest.raises(ApplyError, match="interrupted"):
        apply_plan(full_plan(project), command="migrate", post=interrupted)
    assert snapshot(project) == before
    assert history(project)[0].status is EntryStatus.ROLLED_BACK


def test_failed_replace_rolls_back(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second file write fails (as on a read-only folder or a full disk)."""

    before = snapshot(project)
    real_replace = os.replace
    calls: list[str] = []

    def flaky_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        # the manifest and backups go through os.replace too: count project files only
        if ".toolshift" not in str(dst):
            calls.append(str(dst))
            if len(calls) == 2:
                raise PermissionError(13, "Permission denied", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky_replace)
    with pytest.raises(ApplyError, match="Permission denied") as exc:
        apply_plan(full_plan(project), command="migrate", post=write_lock(project))
    monkeypatch.setattr(os, "replace", real_replace)
    assert exc.value.exit_code == 4
    assert snapshot(project) == before
    assert history(project)[0].status is EntryStatus.ROLLED_BACK


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root ignores permission bits; test_failed_replace_rolls_back covers this path",
)
def test_read_only_folder_rolls_back(project: Path) -> None:
    sub = project / "pkg"
    plan = Plan(
        root=str(project),
        target="uv",
        changes=(
            FileChange("requirements.txt", ORIGINAL["requirements.txt"], b"x\n"),
            FileChange("pkg/__init__.py", b"", b"# new\n"),
        ),
    )
    before = snapshot(project)
    sub.chmod(0o555)
    try:
        with pytest.raises(ApplyError) as exc:
            apply_plan(plan, command="migrate")
    finally:
        sub.chmod(0o755)
    assert "pkg" in str(exc.value)
    assert snapshot(project) == before


CRASH_SCRIPT = """
import os, sys
from pathlib import Path
import toolshift.apply as A
sys.path.insert(0, sys.argv[2])
from test_apply import full_plan, write_lock

root = Path(sys.argv[1])
real = A.atomic_write
count = 0

def crashing(full, data, mode=None):
    global count
    if ".toolshift" not in str(full):
        count += 1
        if count == 3:
            os._exit(9)  # the machine stops: no rollback, no finally
    real(full, data, mode)

A.atomic_write = crashing
A.apply_plan(full_plan(root), command="migrate", post=write_lock(root))
"""


def test_crash_between_two_writes_then_undo_restores(project: Path) -> None:
    before = snapshot(project)
    done = run(
        [sys.executable, "-c", CRASH_SCRIPT, str(project), str(Path(__file__).parent)], timeout=60
    )
    assert done.returncode == 9, done.stderr
    # the first two files were written, the rest not
    assert (project / "requirements.txt").read_bytes() == b"flask==3.0.0\n"
    assert (project / "bom.txt").read_bytes() == ORIGINAL["bom.txt"]
    assert (project / "new" / "nested" / "dir").is_dir()
    [entry] = history(project)
    assert entry.status is EntryStatus.IN_PROGRESS

    preview = undo_preview(project)
    assert set(preview.restore) == {"requirements.txt", "win.txt"}
    undone = undo(project)

    assert undone.status is EntryStatus.UNDONE
    assert snapshot(project) == before


def test_in_progress_entry_with_foreign_edit_needs_force(project: Path) -> None:
    entry = apply_plan(full_plan(project, lock=False), command="migrate")
    # pretend it crashed: mark it in progress again by hand
    manifest = Path(entry.directory) / "manifest.json"
    doc = json.loads(manifest.read_text())
    doc["status"] = "in-progress"
    for p in doc["paths"]:
        p["exists_after"] = p["sha256_after"] = None
    manifest.write_text(json.dumps(doc))
    (project / "run.sh").write_text("edited by hand\n")

    with pytest.raises(JournalError, match=r"run\.sh") as exc:
        undo(project)
    assert "--force" in (exc.value.hint or "")
    undo(project, force=True)
    assert (project / "run.sh").read_bytes() == ORIGINAL["run.sh"]


def test_undo_refuses_files_changed_since_without_force(project: Path) -> None:
    before = snapshot(project)
    apply_plan(full_plan(project), command="migrate", post=write_lock(project))
    (project / "requirements.txt").write_bytes(b"my own edit\n")
    (project / "pyproject.toml").unlink()
    during = snapshot(project)

    with pytest.raises(JournalError) as exc:
        undo(project)
    assert "requirements.txt" in exc.value.message
    assert "pyproject.toml" in exc.value.message
    assert "--force" in (exc.value.hint or "")
    assert snapshot(project) == during
    assert history(project)[0].status is EntryStatus.APPLIED

    preview = undo_preview(project, force=True)
    assert set(preview.modified) == {"requirements.txt", "pyproject.toml"}
    undo(project, force=True)
    assert snapshot(project) == before


def test_undo_older_entry_while_newer_touches_same_files(project: Path) -> None:
    first = apply_plan(full_plan(project, lock=False), command="migrate --to uv")
    second_plan = Plan(
        root=str(project),
        target="uv",
        changes=(FileChange("pyproject.toml", b"[project]\nname = 'svc'\n", b"[project]\n"),),
    )
    second = apply_plan(second_plan, command="migrate again")
    with pytest.raises(JournalError, match="later migration") as exc:
        undo(project, first.id)
    assert second.id in (exc.value.hint or "")
    assert undo(project).id == second.id
    assert undo(project).id == first.id
    assert [e.status for e in history(project)] == [EntryStatus.UNDONE, EntryStatus.UNDONE]


def test_undo_older_entry_with_unrelated_newer_one(project: Path) -> None:
    first = apply_plan(Plan(str(project), "uv", (FileChange("a.txt", None, b"a"),)), command="one")
    apply_plan(Plan(str(project), "uv", (FileChange("b.txt", None, b"b"),)), command="two")
    undo(project, first.id[:-1])  # a unique prefix is enough
    assert not (project / "a.txt").exists()
    assert (project / "b.txt").read_bytes() == b"b"


def test_history_lists_entries_oldest_first(project: Path) -> None:
    assert history(project) == []
    a = apply_plan(Plan(str(project), "uv", (FileChange("a.txt", None, b"a"),)), command="one")
    b = apply_plan(Plan(str(project), "pip", (FileChange("b.txt", None, b"b"),)), command="two")
    undo(project)
    entries = history(project)
    assert [e.id for e in entries] == [a.id, b.id]
    assert [e.command for e in entries] == ["one", "two"]
    assert [e.status for e in entries] == [EntryStatus.APPLIED, EntryStatus.UNDONE]
    assert entries[0].files == ("a.txt",)
    assert a.id < b.id or a.created < b.created


def test_command_is_redacted_in_the_manifest(project: Path) -> None:
    entry = apply_plan(
        Plan(str(project), "uv", (FileChange("a.txt", None, b"a"),)),
        command="toolshift migrate --index https://bob:s3cr3t@pypi.corp/simple .",
    )
    text = (Path(entry.directory) / "manifest.json").read_text()
    assert "s3cr3t" not in text
    assert "https://****:****@pypi.corp/simple" in entry.command or "****" in entry.command


def test_nothing_to_undo(project: Path) -> None:
    with pytest.raises(JournalError, match="nothing to undo") as exc:
        undo(project)
    assert exc.value.hint


def test_unknown_id(project: Path) -> None:
    apply_plan(Plan(str(project), "uv", (FileChange("a.txt", None, b"a"),)), command="one")
    with pytest.raises(JournalError, match="no journal entry"):
        undo(project, "19990101T000000Z-000000")


def test_undo_twice_refuses(project: Path) -> None:
    entry = apply_plan(Plan(str(project), "uv", (FileChange("a.txt", None, b"a"),)), command="x")
    undo(project)
    with pytest.raises(JournalError, match="undone"):
        undo(project, entry.id)


@pytest.mark.parametrize(
    "content",
    [b"{not json", b'{"schema": 1, "id": "x"}', b'{"schema": 99}', None],
    ids=["garbage", "missing-fields", "future-schema", "no-manifest"],
)
def test_damaged_manifest_is_a_journal_error(project: Path, content: bytes | None) -> None:
    entry = apply_plan(Plan(str(project), "uv", (FileChange("a.txt", None, b"a"),)), command="x")
    manifest = Path(entry.directory) / "manifest.json"
    if content is None:
        manifest.unlink()
    else:
        manifest.write_bytes(content)
    with pytest.raises(JournalError) as exc:
        history(project)
    assert exc.value.path == str(manifest)
    assert exc.value.hint
    with pytest.raises(JournalError):
        undo(project)


def test_damaged_backup_refuses_before_writing(project: Path) -> None:
    entry = apply_plan(full_plan(project, lock=False), command="x")
    (Path(entry.directory) / "files" / "win.txt").write_bytes(b"corrupted")
    during = snapshot(project)
    with pytest.raises(JournalError, match=r"win\.txt"):
        undo(project)
    assert snapshot(project) == during


@pytest.mark.parametrize("bad", ["../escape.txt", "/etc/passwd", ".git/config", ".toolshift/x", ""])
def test_paths_outside_the_project_are_refused(project: Path, bad: str) -> None:
    with pytest.raises(InputError):
        apply_plan(Plan(str(project), "uv", (FileChange(bad, None, b"x"),)), command="x")
    assert not (project / ".toolshift").exists()


def test_symlinks_are_refused(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (project / "link").symlink_to(outside)
    with pytest.raises(InputError, match="symbolic link"):
        apply_plan(Plan(str(project), "uv", (FileChange("link/x.txt", None, b"x"),)), command="x")
    assert list(outside.iterdir()) == []


def test_post_actions_need_a_runner(project: Path) -> None:
    with pytest.raises(UsageError):
        apply_plan(full_plan(project), command="x")
    assert not (project / ".toolshift").exists()


def test_journal_ids_are_unique_and_sortable(project: Path) -> None:
    ids = [
        apply_plan(Plan(str(project), "uv", (FileChange(f"f{i}.txt", None, b"x"),)), command="x").id
        for i in range(5)
    ]
    assert len(set(ids)) == 5
    assert all(len(i) == len("20261124T150203Z-a1b2c3") for i in ids)
    assert [e.id for e in history(project)] == ids
    assert not [p for p in (project / ".toolshift" / "history").iterdir() if p.name.startswith(".")]


def test_existing_state_gitignore_is_kept(project: Path) -> None:
    (project / ".toolshift").mkdir()
    (project / ".toolshift" / ".gitignore").write_text("# mine\n*\n")
    (project / ".gitignore").write_text("*.pyc\n")
    apply_plan(Plan(str(project), "uv", (FileChange("a.txt", None, b"a"),)), command="x")
    assert (project / ".toolshift" / ".gitignore").read_text() == "# mine\n*\n"
    assert (project / ".gitignore").read_text() == "*.pyc\n"


@pytest.mark.skipif(sys.platform == "win32", reason="advisory locks are POSIX only")
def test_one_run_at_a_time(project: Path) -> None:
    import fcntl

    entry = apply_plan(Plan(str(project), "uv", (FileChange("a.txt", None, b"a"),)), command="x")
    with open(project / ".toolshift" / "lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(JournalError, match="another toolshift run"):
            apply_plan(Plan(str(project), "uv", (FileChange("b.txt", None, b"b"),)), command="y")
        with pytest.raises(JournalError, match="another toolshift run"):
            undo(project)
    assert not (project / "b.txt").exists()
    assert undo(project).id == entry.id


def test_journal_that_cannot_be_saved_rolls_back(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(project)

    def disk_full(entry: apply_mod.JournalEntry) -> None:
        raise OSError(28, "No space left on device", entry.directory)

    monkeypatch.setattr(apply_mod, "_save", disk_full)
    with pytest.raises(ApplyError, match="No space left"):
        apply_plan(full_plan(project), command="x", post=write_lock(project))
    assert snapshot(project) == before


def test_backup_failure_changes_nothing(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(project)
    real = apply_mod.atomic_write

    def no_space_for_backups(full: Path, data: bytes, mode: int | None = None) -> None:
        if "history" in full.parts:
            raise OSError(28, "No space left on device", str(full))
        real(full, data, mode)

    monkeypatch.setattr(apply_mod, "atomic_write", no_space_for_backups)
    with pytest.raises(ApplyError, match="could not back up") as exc:
        apply_plan(full_plan(project), command="x", post=write_lock(project))
    assert exc.value.hint
    assert snapshot(project) == before
    assert list((project / ".toolshift" / "history").iterdir()) == []


SIGTERM_SCRIPT = """
import os, signal, sys
from pathlib import Path
from toolshift.apply import apply_plan
from toolshift.errors import ApplyError
sys.path.insert(0, sys.argv[2])
from test_apply import full_plan

root = Path(sys.argv[1])

def killed(action):
    (root / "uv.lock").write_bytes(b"partial")
    os.kill(os.getpid(), signal.SIGTERM)
    raise AssertionError("SIGTERM did not interrupt the post-action")

try:
    apply_plan(full_plan(root), command="migrate", post=killed)
except ApplyError as err:
    print(err.message)
    sys.exit(int(err.exit_code))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_during_the_run_rolls_back(project: Path) -> None:
    before = snapshot(project)
    done = run(
        [sys.executable, "-c", SIGTERM_SCRIPT, str(project), str(Path(__file__).parent)], timeout=60
    )
    assert done.returncode == 4, done.stderr
    assert "terminated (SIGTERM)" in done.stdout
    assert snapshot(project) == before
    assert history(project)[0].status is EntryStatus.ROLLED_BACK


RO_SCRIPT = """
set -e
mount --bind "$1/pkg" "$1/pkg"
mount -o remount,bind,ro "$1/pkg"
exec "$2" -c '
import sys
from toolshift.apply import apply_plan
from toolshift.errors import ApplyError
from toolshift.model import FileChange, Plan
plan = Plan(sys.argv[1], "uv", (
    FileChange("requirements.txt", open(sys.argv[1] + "/requirements.txt", "rb").read(), b"x\\\\n"),
    FileChange("pkg/__init__.py", b"", b"# new\\\\n"),
))
try:
    apply_plan(plan, command="migrate")
except ApplyError as err:
    print(err)
    sys.exit(int(err.exit_code))
' "$1"
"""


def test_read_only_mount_rolls_back(project: Path) -> None:
    """A real read-only folder, for when chmod cannot stop us (root): a private mount."""

    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1) for a private read-only mount")
    probe = run(["unshare", "-m", "true"], timeout=30)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a mount namespace here: {probe.output}")
    before = snapshot(project)
    done = run(
        ["unshare", "-m", "sh", "-c", RO_SCRIPT, "sh", str(project), sys.executable], timeout=60
    )
    assert done.returncode == 4, done.output
    assert "pkg/__init__.py: cannot write pkg/__init__.py: Read-only file system" in done.stdout
    assert snapshot(project) == before
    assert history(project)[0].status is EntryStatus.ROLLED_BACK


def test_undo_when_a_file_became_a_folder(project: Path) -> None:
    apply_plan(Plan(str(project), "uv", (FileChange("a.txt", None, b"a"),)), command="x")
    (project / "a.txt").unlink()
    (project / "a.txt").mkdir()
    with pytest.raises(InputError, match="is a folder"):
        undo(project)
    assert (project / "a.txt").is_dir()


def test_leftovers_of_a_run_that_died_while_backing_up_are_cleaned(project: Path) -> None:
    leftover = project / ".toolshift" / "history" / ".20260101T000000Z-abcdef.partial"
    (leftover / "files").mkdir(parents=True)
    (leftover / "files" / "x").write_text("x")
    apply_plan(Plan(str(project), "uv", (FileChange("a.txt", None, b"a"),)), command="x")
    assert not leftover.exists()
    assert len(history(project)) == 1


def test_manifest_records_rules_and_reasons_of_each_change(project: Path) -> None:
    plan = Plan(
        root=str(project),
        target="uv",
        changes=(
            FileChange(
                "requirements.txt",
                ORIGINAL["requirements.txt"],
                None,
                ("TS107",),
                ("dependencies moved to pyproject.toml",),
            ),
            FileChange("pyproject.toml", None, b"[project]\n", ("TS101",), ("declares deps",)),
            FileChange("win.txt", ORIGINAL["win.txt"], b"x\r\n"),
        ),
    )
    entry = apply_plan(plan, command="toolshift migrate --to uv .")
    again = {p.path: p for p in history(project)[-1].paths}
    for by_path in ({p.path: p for p in entry.paths}, again):
        assert by_path["requirements.txt"].rules == ("TS107",)
        assert by_path["requirements.txt"].reasons == ("dependencies moved to pyproject.toml",)
        assert by_path["pyproject.toml"].rules == ("TS101",)
        assert by_path["pyproject.toml"].reasons == ("declares deps",)
        assert by_path["win.txt"].rules == ()
    # a manifest written before these fields existed still loads
    old = apply_mod.JournalPath.from_dict({"path": "a", "role": "modify", "existed_before": True})
    assert old.rules == () and old.reasons == ()
