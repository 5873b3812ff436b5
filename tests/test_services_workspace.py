"""uv workspaces in a monorepo: members (``[tool.uv.workspace] members`` minus ``exclude``) are
part of the root project, never services of their own, for ``--to pip`` and ``--to uv``; and a
top-folder workflow that runs the old tool in a service folder is warned about (file:line) when
the migration deletes the file it uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolshift.cli.main import main
from toolshift.detect import detect
from toolshift.errors import ExitCode
from toolshift.model import FileChange, Plan, Severity
from toolshift.services import _glob_match, detect_services, merge_plans, workspace_globs


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def member(name: str, deps: str) -> str:
    return (
        f'[project]\nname = "{name}"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        f"dependencies = [{deps}]\n"
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
    )


def workspace(root: Path, exclude: str = "") -> Path:
    top = (
        '[project]\nname = "platform"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        'dependencies = ["alpha==1.1.0", "platform-core"]\n\n'
        "[tool.uv.sources]\nplatform-core = { workspace = true }\n\n"
        '[tool.uv.workspace]\nmembers = ["packages/*"]\n' + exclude
    )
    return write(
        root,
        {
            "pyproject.toml": top,
            "packages/core/pyproject.toml": member("platform-core", '"beta==1.0"'),
            "packages/core/src/platform_core/__init__.py": "",
            "packages/api/pyproject.toml": member("platform-api", '"platform-core"')
            + "[tool.uv.sources]\nplatform-core = { workspace = true }\n",
            "packages/api/src/platform_api/__init__.py": "",
            "packages/legacy/requirements.txt": "gamma==0.9\n",
        },
    )


def test_glob_match_reads_workspace_globs_like_uv() -> None:
    assert _glob_match("packages/api", "packages/*")
    assert not _glob_match("packages/api/sub", "packages/*")
    assert not _glob_match("libs/api", "packages/*")
    assert _glob_match("libs/a/b", "libs/**")
    assert _glob_match("libs/a/b", "**/b")
    assert _glob_match("tools/x1", "tools/x?")


def test_workspace_members_are_part_of_the_root_project(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", '\nexclude = ["packages/legacy"]\n')
    top = detect(root)
    assert workspace_globs(top) == (["packages/*"], ["packages/legacy"])
    services, notes = detect_services(root, top)
    # the excluded folder is not a member: a service of its own, as before
    assert [s.path for s in services] == ["", "packages/legacy"]
    messages = [n.message for n in notes if n.code == "DET001"]
    assert any(m.startswith("packages/api is a member of the uv workspace in .") for m in messages)
    assert any(m.startswith("packages/core is a member") for m in messages)


def test_every_member_glob_counts_and_no_workspace_still_splits(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws")  # no exclude: packages/legacy is matched too
    services, _ = detect_services(root, detect(root))
    assert [s.path for s in services] == [""]
    # the same tree without [tool.uv.workspace]: every folder is a service, as before
    text = (root / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(text.split("[tool.uv.workspace]")[0])
    services, _ = detect_services(root, detect(root))
    assert [s.path for s in services] == ["", "packages/api", "packages/core", "packages/legacy"]


@pytest.mark.slow
@pytest.mark.parametrize("target", ["pip", "uv"])
def test_dry_run_plans_no_member_on_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str, wheelhouse: Path
) -> None:
    # QA: `--to pip ROOT` planned packages/api alone, fresh-locked it and failed (exit 2:
    # "platform-core references a workspace ... but is not a workspace member")
    root = workspace(tmp_path / "ws", '\nexclude = ["packages/legacy"]\n')
    args = ["migrate", "--to", target, str(root), "--dry-run", "--format", "json"]
    args += ["--offline", "--find-links", str(wheelhouse)]
    assert main(args) == ExitCode.OK
    plan = json.loads(capsys.readouterr().out)
    paths = {c["path"] for c in plan["changes"]}
    paths |= {p for a in plan["post_actions"] for p in a["produces"]}
    assert not {p for p in paths if p.startswith(("packages/api/", "packages/core/"))}
    assert not [a for a in plan["post_actions"] if a.get("cwd", "").startswith("packages/a")]


WORKFLOW = """\
name: ci
on: [push]
jobs:
  api:
    runs-on: ubuntu-latest
    defaults:
      run:
        working-directory: services/api
    steps:
      - uses: actions/checkout@v4
      # uv sync in a comment runs nothing
      - run: uv sync --locked
      - run: uv run pytest
  web:
    runs-on: ubuntu-latest
    steps:
      - run: pip install -r services/web/requirements.txt
"""


def _to_pip(folder: str) -> Plan:
    return Plan(
        root=f"/m/{folder}",
        target="pip",
        changes=(
            FileChange("requirements.txt", None, b"alpha==1.1.0\n", ("TS121",)),
            FileChange("uv.lock", b"version = 1\n", None, ("TS122",)),
        ),
    )


def test_a_top_workflow_running_uv_in_a_service_folder_is_warned_about(tmp_path: Path) -> None:
    root = write(tmp_path / "m", {".github/workflows/ci.yml": WORKFLOW})
    top = detect(root)
    merged = merge_plans(str(root), "pip", [("services/api", _to_pip("services/api"))], top=top)
    (warning,) = [d for d in merged.diagnostics if d.severity is Severity.WARNING]
    assert warning.code == "TS107"
    assert warning.origin is not None
    assert (warning.origin.path, warning.origin.line) == (".github/workflows/ci.yml", 12)
    assert "runs `uv sync` in services/api" in warning.message
    assert "services/api/uv.lock" in warning.message
    assert warning.hint is not None and "pip install -r requirements.txt" in warning.hint
    # a folder the workflow never names, or a workflow that runs no uv: nothing to say
    merged = merge_plans(str(root), "pip", [("services/other", _to_pip("services/other"))], top=top)
    assert not [d for d in merged.diagnostics if d.severity is Severity.WARNING]
    (root / ".github/workflows/ci.yml").write_text(WORKFLOW.replace("uv ", "make "))
    merged = merge_plans(
        str(root), "pip", [("services/api", _to_pip("services/api"))], top=detect(root)
    )
    assert not [d for d in merged.diagnostics if d.severity is Severity.WARNING]


@pytest.mark.slow
def test_migrating_a_uv_service_to_pip_warns_at_the_workflow_step(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], wheelhouse: Path
) -> None:
    # QA: a shared workflow ran `uv sync --locked` in services/api; --to pip deleted uv.lock
    # and pyproject.toml there and only said "the top folder ... left as they are" (info)
    header = f"--no-index\n--find-links {wheelhouse.as_posix()}\n"
    root = write(
        tmp_path / "m",
        {
            "services/api/requirements.txt": header + "alpha==1.1.0\n",
            "services/web/requirements.txt": "beta==1.0\n",
        },
    )
    args = ["migrate", "--to", "uv", str(root), "--only", "services/api", "--yes", "--offline"]
    assert main([*args, "--python", "3.11"]) == ExitCode.OK
    assert (root / "services/api/uv.lock").is_file()
    write(root, {".github/workflows/ci.yml": WORKFLOW})
    capsys.readouterr()
    args = ["migrate", "--to", "pip", str(root), "--dry-run", "--format", "json"]
    assert main([*args, "--offline", "--find-links", str(wheelhouse)]) == ExitCode.OK
    plan = json.loads(capsys.readouterr().out)
    assert "services/api/uv.lock" in {c["path"] for c in plan["changes"] if c["change"] == "delete"}
    warnings = [d for d in plan["diagnostics"] if d["severity"] == "warning"]
    ours = [d for d in warnings if d["code"] == "TS107"]
    assert len(ours) == 1, warnings
    assert ours[0]["where"] == ".github/workflows/ci.yml:12"
    assert "services/api/uv.lock" in ours[0]["message"]
    # still said: the top folder is not a service
    assert any(
        d["code"] == "DET001" and "top folder is not a service" in d["message"]
        for d in plan["diagnostics"]
    )
