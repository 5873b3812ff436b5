"""``toolshift migrate`` on a copy of the bundled example, through ``toolshift.cli.main.main``:
the Dockerfile, workflow, README and ignore files move with the packaging, a second run plans
nothing, ``undo`` restores every byte, and ``--to pip`` brings the surroundings back to pip."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from toolshift.cli.main import main
from toolshift.errors import ExitCode
from toolshift.tools import find_uv

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fastapi-service"


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".toolshift" not in p.relative_to(root).parts
    }


@pytest.fixture
def example(tmp_path: Path) -> Path:
    root = tmp_path / "orders"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__", ".venv"))
    return root


def _text(root: Path, rel: str) -> str:
    return (root / rel).read_text(encoding="utf-8")


def test_migrate_to_uv_check_again_then_undo(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree(example)
    assert main(["migrate", "--to", "uv", str(example), "--no-lock", "--yes"]) == ExitCode.OK
    out = capsys.readouterr().out
    for path in ("Dockerfile", ".dockerignore", ".github/workflows/ci.yml", "README.md"):
        assert path in out, path

    docker = _text(example, "Dockerfile")
    assert f"COPY --from=ghcr.io/astral-sh/uv:{find_uv().version_str} /uv /uvx /bin/" in docker
    assert "uv sync --locked --no-install-project --no-dev" in docker
    assert "requirements.txt ." not in docker and "pip install" not in docker
    assert "USER appuser" in docker and 'CMD ["uvicorn"' in docker
    ci = _text(example, ".github/workflows/ci.yml")
    assert "astral-sh/setup-uv" in ci and "uv sync --locked" in ci and "uv run pytest" in ci
    assert "uv sync --locked" in _text(example, "README.md")
    assert {".venv", ".toolshift"} <= set(_text(example, ".dockerignore").splitlines())
    assert not (example / "requirements.txt").exists()

    # idempotent: nothing left to do, and the rewriters have nothing left either
    assert main(["migrate", "--to", "uv", str(example), "--no-lock", "--check"]) == ExitCode.OK
    assert "up to date" in capsys.readouterr().out
    from toolshift.detect import detect
    from toolshift.model import MigrateOptions
    from toolshift.planners.surroundings import plan_surroundings

    again = plan_surroundings(
        detect(example), MigrateOptions("uv", uv_version=find_uv().version_str), "uv"
    )
    assert not again.changes, [c.path for c in again.changes]

    assert main(["undo", str(example), "--yes"]) == ExitCode.OK
    assert tree(example) == before


def _json_plan(root: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    import json

    args = ["migrate", "--to", "uv", str(root), "--dry-run", "--format", "json", *extra]
    assert main(args) == ExitCode.OK
    payload: dict[str, Any] = json.loads(capsys.readouterr().out)
    return payload


def test_json_plan_lists_the_surroundings(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changes = {c["path"]: c for c in _json_plan(example, capsys)["changes"]}
    assert changes["Dockerfile"]["rules"] == ["TS201", "TS202", "TS203", "TS205"]
    assert changes[".dockerignore"]["rules"] == ["TS207"]
    assert changes["README.md"]["rules"] == ["TS303"]
    assert all(c["reasons"] for c in changes.values())


def test_disable_leaves_those_files_alone(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = _json_plan(example, capsys, "--disable", "TS301,TS302,TS303")
    paths = {c["path"] for c in plan["changes"]}
    assert "Dockerfile" in paths
    assert not paths & {".github/workflows/ci.yml", "README.md"}
    # left alone, the workflow still installs the requirements files: they are kept (CI would
    # fail without them), and said so
    kept = [d for d in plan["diagnostics"] if d["code"] == "TS107" and "kept" in d["message"]]
    assert {d["where"].split(":")[0] for d in kept} == {".github/workflows/ci.yml"}
    assert not {"requirements.txt", "requirements-dev.txt"} & paths


@pytest.mark.slow
def test_round_trip_to_uv_and_back_to_pip(
    example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--to uv (locked offline from a wheelhouse of the example's pins) then --to pip: the
    Dockerfile, CI and README install with pip again, from files that pin the same versions."""

    from toolshift.locking import run_uv_lock
    from toolshift.readers.requirements import parse_requirements
    from wheelhouse import WheelSpec, build_wheelhouse

    def pins(root: Path) -> dict[str, str]:
        out: dict[str, str] = {}
        for rel in ("requirements.txt", "requirements-dev.txt"):
            for r in parse_requirements(_text(root, rel), rel).requirements:
                out[r.key] = r.pinned_version or ""
        return out

    original = pins(example)
    specs = []
    for rel in ("requirements.txt", "requirements-dev.txt"):
        for r in parse_requirements(_text(example, rel), rel).requirements:
            specs.append(WheelSpec(r.name, r.pinned_version or "1.0", extras=r.extras))
    wheels = build_wheelhouse(tmp_path / "wheels", specs)

    # the Python running the tests: uv needs an interpreter the project allows to lock
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    args = ["migrate", "--to", "uv", str(example), "--no-lock", "--yes", "--python", python]
    assert main(args) == ExitCode.OK
    assert f"FROM python:{python}-slim" in _text(example, "Dockerfile")
    lock_args = ["--offline", "--find-links", str(wheels), "--python", sys.executable]
    run_uv_lock(example, None, original, extra_args=lock_args)
    capsys.readouterr()

    assert main(["migrate", "--to", "pip", str(example), "--yes"]) == ExitCode.OK
    assert pins(example) == original
    docker = _text(example, "Dockerfile")
    assert "pip install --no-cache-dir -r requirements.txt" in docker
    assert "astral-sh/uv" not in docker and "uv sync" not in docker
    ci = _text(example, ".github/workflows/ci.yml")
    assert "actions/setup-python" in ci and "pip install -r requirements-dev.txt" in ci
    assert "uv " not in ci
    readme = _text(example, "README.md")
    assert "pip install -r requirements-dev.txt" in readme and "uv sync" not in readme
    assert main(["migrate", "--to", "pip", str(example), "--check"]) == ExitCode.OK
