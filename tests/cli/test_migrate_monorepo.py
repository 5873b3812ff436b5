"""Monorepos: ``toolshift migrate --to uv .`` finds every service folder below the top, plans
them as one change (paths relative to the top, one ``uv lock`` per service, one journal entry)
and ``--only`` narrows it; a folder without services below behaves exactly as before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolshift.apply import history
from toolshift.cli.main import main
from toolshift.detect import detect
from toolshift.errors import ExitCode
from toolshift.model import (
    Diagnostic,
    FileChange,
    MigrateOptions,
    Origin,
    Plan,
    PostAction,
    PostActionKind,
    Severity,
)
from toolshift.planners.to_uv import plan_to_uv
from toolshift.services import detect_services, merge_plans

DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
CMD ["python", "-m", "svc"]
"""


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".toolshift" not in p.relative_to(root).parts
    }


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def monorepo(root: Path, header: str = "") -> Path:
    return write(
        root,
        {
            "apps/backend/requirements.txt": header + "alpha==1.1.0\nbeta==1.0\n",
            "apps/backend/requirements-dev.txt": "-r requirements.txt\ndevtool==3.0\n",
            "apps/backend/Dockerfile": DOCKERFILE,
            "plugins/x/requirements.txt": header + "gamma==0.9\n",
            "plugins/x/sub/pyproject.toml": '[project]\nname = "sub"\nversion = "1"\n'
            'dependencies = ["delta==1.0"]\n',
            ".github/workflows/ci.yml": "name: ci\non: [push]\njobs:\n  t:\n"
            "    runs-on: ubuntu-latest\n    steps:\n"
            "      - run: pip install -r apps/backend/requirements.txt\n",
        },
    )


def test_every_service_is_found_down_the_tree(tmp_path: Path) -> None:
    root = monorepo(tmp_path / "mono")
    services, notes = detect_services(root, detect(root))
    assert [s.path for s in services] == ["apps/backend", "plugins/x", "plugins/x/sub"]
    assert [s.detected.project.root for s in services] == [
        str(root / p) for p in ("apps/backend", "plugins/x", "plugins/x/sub")
    ]
    assert any("not a service" in n.message for n in notes)


def test_only_narrows_and_names_what_exists(tmp_path: Path) -> None:
    from toolshift.errors import UsageError

    root = monorepo(tmp_path / "mono")
    services, _ = detect_services(root, detect(root), ["./plugins/x/", "apps/backend"])
    assert [s.path for s in services] == ["apps/backend", "plugins/x"]
    with pytest.raises(UsageError) as err:
        detect_services(root, detect(root), ["plugins"])
    assert "apps/backend, plugins/x, plugins/x/sub" in (err.value.hint or "")


def test_a_single_service_plan_is_untouched() -> None:
    plan = Plan(root="/x", target="uv", changes=(FileChange("a", b"1", b"2"),))
    assert merge_plans("/x", "uv", [("", plan)]) is plan


def test_merge_puts_every_path_under_its_service() -> None:
    lock = PostAction(PostActionKind.UV_LOCK, "uv lock", produces=("uv.lock",))
    a = Plan(
        root="/m/a",
        target="uv",
        changes=(FileChange("pyproject.toml", None, b"x", ("TS101",), ("why",)),),
        post_actions=(lock,),
        diagnostics=(Diagnostic("TS107", Severity.WARNING, "m", Origin("Dockerfile", 3)),),
    )
    b = Plan(root="/m/b/c", target="uv", changes=(FileChange("requirements.txt", b"y", None),))
    merged = merge_plans("/m", "uv", [("a", a), ("b/c", b)])
    assert merged.root == "/m"
    assert [c.path for c in merged.changes] == ["a/pyproject.toml", "b/c/requirements.txt"]
    assert merged.changes[0].rules == ("TS101",) and merged.changes[0].reasons == ("why",)
    (post,) = merged.post_actions
    assert (post.cwd, post.produces) == ("a", ("a/uv.lock",))
    assert merged.diagnostics[0].origin == Origin("a/Dockerfile", 3)


def test_top_folder_that_is_a_service_comes_first(tmp_path: Path) -> None:
    root = write(
        tmp_path / "mono",
        {"requirements.txt": "alpha\n", "worker/requirements.txt": "beta\n"},
    )
    services, _ = detect_services(root, detect(root))
    assert [s.path for s in services] == ["", "worker"]


def test_dry_run_plans_every_service(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = monorepo(tmp_path / "mono")
    args = ["migrate", "--to", "uv", str(root), "--dry-run", "--format", "json"]
    assert main(args) == ExitCode.OK
    plan = json.loads(capsys.readouterr().out)
    paths = [c["path"] for c in plan["changes"]]
    assert "apps/backend/pyproject.toml" in paths and "apps/backend/Dockerfile" in paths
    assert "plugins/x/pyproject.toml" in paths and "plugins/x/requirements.txt" in paths
    assert "plugins/x/sub/pyproject.toml" in paths  # a service below a service
    produces = sorted(p for a in plan["post_actions"] for p in a["produces"])
    assert produces == ["apps/backend/uv.lock", "plugins/x/sub/uv.lock", "plugins/x/uv.lock"]
    # the shared workflow is nobody's: it still names a deleted file, and says so
    stale = [d for d in plan["diagnostics"] if d["code"] == "TS107"]
    assert [d["where"] for d in stale] == [".github/workflows/ci.yml:7"]


def test_dry_run_with_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = monorepo(tmp_path / "mono")
    args = ["migrate", "--to", "uv", str(root), "--dry-run", "--format", "json"]
    assert main([*args, "--only", "plugins/x"]) == ExitCode.OK
    plan = json.loads(capsys.readouterr().out)
    assert {c["path"].split("/")[0] + "/" + c["path"].split("/")[1] for c in plan["changes"]} == {
        "plugins/x"
    }
    assert main([*args, "--only", "nowhere"]) == ExitCode.USAGE
    assert "apps/backend" in capsys.readouterr().err


def test_single_service_plan_is_what_the_planner_gives(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write(tmp_path / "svc", {"requirements.txt": "alpha==1.1.0\n", "Dockerfile": DOCKERFILE})
    args = ["migrate", "--to", "uv", str(root), "--dry-run", "--format", "json"]
    assert main(args) == ExitCode.OK
    via_cli = json.loads(capsys.readouterr().out)
    plan = plan_to_uv(detect(root), MigrateOptions("uv", uv_version=_uv()))
    assert [c["path"] for c in via_cli["changes"]] == [c.path for c in plan.changes]
    assert [a.get("cwd", "") for a in via_cli["post_actions"]] == [""]
    assert len(via_cli["diagnostics"]) == len(plan.diagnostics)


def _uv() -> str:
    from toolshift.tools import find_uv

    return find_uv().version_str


@pytest.mark.slow
def test_apply_locks_each_service_in_one_journal_entry(tmp_path: Path, wheelhouse: Path) -> None:
    header = f"--no-index\n--find-links {wheelhouse.as_posix()}\n"
    root = monorepo(tmp_path / "mono", header)
    (root / "plugins/x/sub/pyproject.toml").unlink()  # keep the wheelhouse-only services
    before = tree(root)
    args = ["migrate", "--to", "uv", str(root), "--yes", "--offline", "--python", "3.11"]
    assert main(args) == ExitCode.OK
    for service in ("apps/backend", "plugins/x"):
        assert (root / service / "uv.lock").is_file(), service
        assert not (root / service / ".toolshift").exists()  # the journal lives at the top
    # the shared workflow still installs apps/backend/requirements.txt: kept; plugins/x's goes
    assert (root / "apps/backend/requirements.txt").exists()
    assert not (root / "plugins/x/requirements.txt").exists()
    assert 'version = "1.1.0"' in (root / "apps/backend/uv.lock").read_text()
    assert "uv sync --locked" in (root / "apps/backend/Dockerfile").read_text()
    assert len(history(root)) == 1
    assert main(["migrate", "--to", "uv", str(root), "--check", "--offline"]) == ExitCode.OK
    migrated = tree(root)

    # and back: every service to requirements files, in one more journal entry
    assert main(["migrate", "--to", "pip", str(root), "--yes"]) == ExitCode.OK
    for service in ("apps/backend", "plugins/x"):
        assert "==" in (root / service / "requirements.txt").read_text()
        assert not (root / service / "uv.lock").exists()
    assert "pip install" in (root / "apps/backend/Dockerfile").read_text()
    assert len(history(root)) == 2
    assert main(["undo", str(root), "--yes"]) == ExitCode.OK
    assert tree(root) == migrated
    assert main(["undo", str(root), "--yes"]) == ExitCode.OK
    assert tree(root) == before


def test_analyze_lists_every_service(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = monorepo(tmp_path / "mono")
    assert main(["analyze", str(root), "--format", "json"]) == ExitCode.OK
    payload = json.loads(capsys.readouterr().out)
    assert payload["services"] == ["apps/backend", "plugins/x", "plugins/x/sub"]


def test_top_folder_files_that_install_a_service_keep_its_requirements(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A shared workflow (working-directory per service, from a matrix) and a root compose
    # command installed `requirements.txt`; the migration deleted them without a word and CI
    # and the worker container failed.
    root = write(
        tmp_path / "mono",
        {
            "services/api/requirements.txt": "alpha==1.1.0\n",
            "services/api/requirements-dev.txt": "-r requirements.txt\ndevtool==3.0\n",
            "services/worker/requirements.txt": "-r base.txt\n",
            "services/worker/base.txt": "gamma==0.9\n",
            "services/billing/requirements.txt": "beta==1.0\n",
            ".github/workflows/ci.yml": "name: ci\non: [push]\njobs:\n  t:\n"
            "    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n"
            "        service: [api]\n    defaults:\n      run:\n"
            "        working-directory: services/${{ matrix.service }}\n    steps:\n"
            "      - run: pip install -r requirements-dev.txt\n",
            "docker-compose.yml": "services:\n  worker:\n    build: ./services/worker\n"
            '    command: sh -c "pip install -r requirements.txt && python -m worker"\n',
        },
    )
    args = ["migrate", "--to", "uv", str(root), "--dry-run", "--format", "json"]
    assert main(args) == ExitCode.OK
    plan = json.loads(capsys.readouterr().out)
    deleted = {c["path"] for c in plan["changes"] if c["change"] == "delete"}
    # kept with what they include (-r); the service no top file names goes as usual
    assert deleted == {"services/billing/requirements.txt"}
    kept = {
        d["message"].split(":")[0]: d["where"]
        for d in plan["diagnostics"]
        if d["code"] == "TS107" and d["message"].startswith("kept")
    }
    assert kept == {
        "kept services/api/requirements-dev.txt": ".github/workflows/ci.yml:13",
        "kept services/worker/requirements.txt": "docker-compose.yml:4",
    }


def test_a_path_dependency_library_is_not_a_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # libs/shared (a path source of the service) was migrated as a service of its own: a
    # fresh lock and a requirements.txt / uv.lock appeared in a library folder.
    lib = '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
    lib += '[project]\nname = "shared"\nversion = "0.2.0"\ndependencies = ["alpha"]\n'
    root = write(
        tmp_path / "mono",
        {
            "requirements.txt": "beta==1.0\n-e ./libs/shared\n",
            "libs/shared/pyproject.toml": lib,
            "libs/other/pyproject.toml": lib.replace("shared", "other"),
        },
    )
    args = ["migrate", "--to", "uv", str(root), "--dry-run", "--format", "json"]
    assert main(args) == ExitCode.OK
    plan = json.loads(capsys.readouterr().out)
    paths = {c["path"] for c in plan["changes"]}
    paths |= {p for a in plan["post_actions"] for p in a["produces"]}
    assert not {p for p in paths if p.startswith("libs/shared/")}
    assert "libs/other/uv.lock" in paths  # not used by anyone here: still a service
    notes = [d["message"] for d in plan["diagnostics"] if d["code"] == "DET001"]
    assert any(m.startswith("libs/shared is a path dependency") for m in notes)
    # asked for by name, it is migrated
    args += ["--only", "libs/shared"]
    assert main(args) == ExitCode.OK
    plan = json.loads(capsys.readouterr().out)
    assert [p for a in plan["post_actions"] for p in a["produces"]] == ["libs/shared/uv.lock"]
