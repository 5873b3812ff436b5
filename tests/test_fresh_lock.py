"""fresh_lock: which files a temporary copy needs for `uv lock`, and what the plan says."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolshift.errors import InputError
from toolshift.fresh_lock import CODE, FreshLock, fresh_plan, referenced, with_lock
from toolshift.locking import LockResult
from toolshift.model import (
    Detected,
    FileChange,
    Plan,
    Project,
    Severity,
    Tool,
)


def names(root: Path, text: str) -> list[str]:
    import os

    return [Path(os.path.relpath(p, root)).as_posix() for p in referenced(root, text)]


def test_referenced_paths_keep_their_relative_places(tmp_path: Path) -> None:
    root = tmp_path / "svc"
    for folder in ("svc/packages/a", "svc/packages/b", "svc/wheels", "svc/flat", "shared/lib"):
        (tmp_path / folder).mkdir(parents=True)
    (root / "uv.toml").write_text("")
    (root / ".python-version").write_text("3.12\n")
    (root / "app.py").write_text("")  # not referenced: not copied
    text = """
[project]
name = "svc"
[tool.uv]
find-links = ["wheels", "https://example.com/links", "/opt/abs"]
[tool.uv.workspace]
members = ["packages/*"]
[tool.uv.sources]
lib = { path = "../shared/lib" }
gone = { path = "../missing" }
web = [{ git = "https://example.com/web.git" }, { path = "packages/a", marker = "x" }]
[[tool.uv.index]]
name = "flat"
url = "flat"
format = "flat"
[[tool.uv.index]]
name = "remote"
url = "https://pkgs.example.com/simple"
"""
    assert names(root, text) == [
        "uv.toml",
        ".python-version",
        "../shared/lib",
        "packages/a",
        "wheels",
        "flat",
        "packages/b",
    ]


def test_dynamic_metadata_copies_the_project_folder_without_caches(tmp_path: Path) -> None:
    for name in ("src/pkg", ".git", ".venv", "__pycache__"):
        (tmp_path / name).mkdir(parents=True)
    (tmp_path / "README.md").write_text("")
    text = '[project]\nname = "pkg"\ndynamic = ["version"]\n'
    assert names(tmp_path, text) == ["README.md", "src"]


def test_not_toml_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        referenced(tmp_path, "[project\n")
    assert err.value.path == "pyproject.toml"


def test_fresh_plan_deletes_no_lock_and_says_where_versions_come_from() -> None:
    lock = b"version = 1\n"
    detected = Detected(
        project=Project(root="/srv/p", name="p", tool=Tool.UV),
        contents={"pyproject.toml": b"[project]\n"},
    )
    fresh = FreshLock(
        text=lock,
        copied=("pyproject.toml", ".python-version"),
        result=LockResult(versions={"p": "1", "alpha": "1.1.0"}),
        packages=1,
    )
    assert with_lock(detected, fresh).contents == {
        "pyproject.toml": b"[project]\n",
        "uv.lock": lock,
    }
    assert detected.contents == {"pyproject.toml": b"[project]\n"}  # not changed in place
    plan = Plan(
        root="/srv/p",
        target="pip",
        changes=(
            FileChange("requirements.txt", None, b"alpha==1.1.0\n", ("TS121",), ()),
            FileChange("uv.lock", lock, None, ("TS122",), ()),
        ),
    )
    out = fresh_plan(plan, fresh)
    assert [c.path for c in out.changes] == ["requirements.txt"]
    note = out.diagnostics[0]
    assert note.code == CODE and note.severity is Severity.INFO
    assert "fresh `uv lock` (1 package(s)" in note.message
    assert "(pyproject.toml, .python-version)" in note.message
