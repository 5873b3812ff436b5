"""fresh_lock: `migrate --to pip --find-links DIR` on a project without uv.lock (QA pass).

The fresh lock names DIR (an absolute path of this machine) as the registry of what it found
there, and the planner kept it as ``--find-links /abs/DIR`` in requirements.txt, though the
option's help says it is for this run only and never written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import toolshift.fresh_lock as fresh_lock
from toolshift.fresh_lock import FreshLock, fresh_plan, lock_in_copy
from toolshift.locking import LockResult
from toolshift.model import Diagnostic, FileChange, Origin, Plan, Severity

REQS = "# Runtime dependencies of svc.\n\n--find-links /home/me/wheels\n\n# Other\nbeta==1.2\n"


def test_a_run_only_find_links_folder_leaves_the_requirements_files() -> None:
    fresh = FreshLock(
        text=b"version = 1\n",
        copied=("pyproject.toml",),
        result=LockResult(versions={"beta": "1.2"}),
        packages=1,
        run_links=("/home/me/wheels",),
    )
    crlf = REQS.replace("\n", "\r\n").encode()
    plan = Plan(
        root="/srv/svc",
        target="pip",
        changes=(
            FileChange("requirements.txt", None, REQS.encode(), ("TS121",), ()),
            FileChange("requirements-dev.txt", None, crlf, ("TS121",), ()),
            FileChange("README.md", b"x\n", b"--find-links /home/me/wheels\n", ("TS303",), ()),
        ),
        diagnostics=(
            Diagnostic(
                "pip-lock-index",
                Severity.INFO,
                "uv.lock took packages from /home/me/wheels, which pyproject.toml does not name; "
                "it is kept as --find-links",
                Origin("uv.lock"),
            ),
        ),
    )
    out = fresh_plan(plan, fresh)
    by_path = {c.path: c.new for c in out.changes}
    assert by_path["requirements.txt"] == b"# Runtime dependencies of svc.\n\n# Other\nbeta==1.2\n"
    assert by_path["requirements-dev.txt"] == (
        b"# Runtime dependencies of svc.\r\n\r\n# Other\r\nbeta==1.2\r\n"
    )
    assert by_path["README.md"] == b"--find-links /home/me/wheels\n"  # not a TS121 file
    codes = [d.code for d in out.diagnostics]
    assert "pip-lock-index" not in codes
    (warning,) = [d for d in out.diagnostics if d.code == "pip-run-find-links"]
    assert warning.severity is Severity.WARNING
    assert "pip install --find-links /home/me/wheels -r requirements.txt" in warning.hint
    # without run links nothing changes
    same = fresh_plan(plan, FreshLock(text=b"", copied=(), result=LockResult(versions={})))
    assert [c.new for c in same.changes] == [c.new for c in plan.changes]


def test_lock_in_copy_remembers_the_run_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fake_lock(root: Path, action: Any, pins: Any, **kwargs: Any) -> LockResult:
        (root / "uv.lock").write_text("version = 1\n")
        return LockResult(versions={"svc": "0.1.0", "beta": "1.2"})

    monkeypatch.setattr(fresh_lock, "run_uv_lock", fake_lock)
    pyproject = b'[project]\nname = "svc"\nversion = "0.1.0"\n'
    args = ("--offline", "--find-links", "/home/me/wheels", "--find-links", "https://x/links")
    fresh = lock_in_copy(tmp_path, pyproject, extra_args=args)
    assert fresh.run_links == ("/home/me/wheels", "https://x/links")
    assert fresh.packages == 1
