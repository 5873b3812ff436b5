"""migrate --to uv on Poetry and Pipenv projects: what the fixtures in tests/fixtures/to_uv
(poetry_*, pipenv_*) do not show on their own: refusals, diagnostics, undo, unusual layouts,
and a real offline ``uv lock`` that keeps poetry.lock's versions."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from toolshift.apply import apply_plan, undo
from toolshift.detect import detect
from toolshift.errors import ParseError
from toolshift.model import MigrateOptions, PostAction, Severity, Tool
from toolshift.planners.to_uv import plan_to_uv

CASES = Path(__file__).parent.parent / "fixtures" / "to_uv"


def opts(**kw: object) -> MigrateOptions:
    return MigrateOptions(target="uv", **kw)  # type: ignore[arg-type]


def write(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def new_pyproject(root: Path, options: MigrateOptions | None = None) -> str:
    plan = plan_to_uv(detect(root), options or opts(lock=False))
    change = next(c for c in plan.changes if c.path == "pyproject.toml")
    assert change.new is not None
    return change.new.decode()


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".toolshift" not in p.relative_to(root).parts
    }


# --------------------------------------------------------------------------- refusals, diagnostics


def test_unreadable_poetry_constraint_stops_the_plan_at_its_line(tmp_path: Path) -> None:
    root = write(
        tmp_path / "svc",
        {
            "pyproject.toml": "[tool.poetry]\nname = 'svc'\n\n[tool.poetry.dependencies]\n"
            "flask = '^3.0'\nbroken = 'latest'\n"
        },
    )
    with pytest.raises(ParseError) as err:
        plan_to_uv(detect(root), opts())
    assert err.value.path == "pyproject.toml" and err.value.line == 6
    assert "latest" in err.value.message


def test_union_is_widened_with_a_warning_in_the_plan(tmp_path: Path) -> None:
    root = write(
        tmp_path / "svc",
        {
            "pyproject.toml": "[tool.poetry]\nname = 'svc'\npackage-mode = false\n\n"
            "[tool.poetry.dependencies]\nattrs = '^21.4 || ^22.1'\n"
        },
    )
    plan = plan_to_uv(detect(root), opts(lock=False))
    new = next(c.new for c in plan.changes if c.path == "pyproject.toml")
    assert new is not None
    assert tomllib.loads(new.decode())["project"]["dependencies"] == ["attrs>=21.4,<23.0"]
    widened = [d for d in plan.diagnostics if d.code == "PO002"]
    assert widened and widened[0].severity is Severity.WARNING
    assert widened[0].origin is not None and widened[0].origin.line == 6


def test_pipfile_errors_stop_the_plan(tmp_path: Path) -> None:
    root = write(tmp_path / "svc", {"Pipfile": "[packages]\nflask = '^3.0'\n"})
    with pytest.raises(ParseError) as err:
        plan_to_uv(detect(root), opts())
    assert (err.value.path, err.value.line) == ("Pipfile", 2)


def test_disabling_ts109_keeps_the_poetry_files(tmp_path: Path) -> None:
    work = tmp_path / "svc"
    shutil.copytree(CASES / "poetry_wheelhouse" / "before", work)
    plan = plan_to_uv(detect(work), opts(lock=False, disabled_rules=frozenset({"TS109"})))
    assert all(c.new is not None for c in plan.changes)  # poetry.lock stays
    new = next(c.new for c in plan.changes if c.path == "pyproject.toml")
    assert new is not None and b"[tool.poetry]" in new


def test_keep_requirements_does_not_keep_poetry_lock(tmp_path: Path) -> None:
    work = tmp_path / "svc"
    shutil.copytree(CASES / "poetry_service" / "before", work)
    plan = plan_to_uv(detect(work), opts(lock=False, keep_requirements=True))
    assert [c.path for c in plan.changes if c.new is None] == ["poetry.lock"]


def test_the_lock_runs_after_a_poetry_migration(tmp_path: Path) -> None:
    work = tmp_path / "svc"
    shutil.copytree(CASES / "poetry_service" / "before", work)
    plan = plan_to_uv(detect(work), opts())
    assert [a.produces for a in plan.post_actions] == [("uv.lock",)]
    assert all(c.rules and c.reasons for c in plan.changes)


def test_poetry_source_credentials_never_leave(tmp_path: Path) -> None:
    root = write(
        tmp_path / "svc",
        {
            "pyproject.toml": "[tool.poetry]\nname = 'svc'\npackage-mode = false\n\n"
            "[tool.poetry.dependencies]\nprivate = { version = '^1', source = 'corp' }\n\n"
            "[[tool.poetry.source]]\nname = 'corp'\n"
            "url = 'https://deploy:s3cretPassw0rd@corp.example/simple'\npriority = 'explicit'\n"
        },
    )
    plan = plan_to_uv(detect(root), opts(lock=False))
    written = b"".join(c.new or b"" for c in plan.changes)
    said = " ".join(d.render() for d in plan.diagnostics)
    assert b"s3cretPassw0rd" not in written and "s3cretPassw0rd" not in said
    assert b'url = "https://corp.example/simple"' in written
    assert "UV_INDEX_CORP_USERNAME" in said


def test_requirement_exports_beside_poetry_are_not_groups(tmp_path: Path) -> None:
    root = write(
        tmp_path / "svc",
        {
            "pyproject.toml": "[tool.poetry]\nname = 'svc'\npackage-mode = false\n\n"
            "[tool.poetry.dependencies]\nalpha = '^1.1'\n",
            "requirements.txt": "alpha==1.1.0 ; python_version >= '3.11'\nbeta==1.0\n",
        },
    )
    detected = detect(root)
    runtime = detected.project.group("runtime")
    assert runtime is not None and runtime.files == ("pyproject.toml",)
    assert [r.specifier for r in runtime.requirements] == [">=1.1,<2.0"]
    plan = plan_to_uv(detected, opts(lock=False))
    assert {c.path for c in plan.changes if c.new is None} == {"requirements.txt"}


def test_optional_dev_group_is_not_installed_by_default(tmp_path: Path) -> None:
    root = write(
        tmp_path / "svc",
        {
            "pyproject.toml": "[tool.poetry]\nname = 'svc'\npackage-mode = false\n\n"
            "[tool.poetry.dependencies]\nalpha = '*'\n\n"
            "[tool.poetry.group.dev]\noptional = true\n\n"
            "[tool.poetry.group.dev.dependencies]\ndevtool = '*'\n",
        },
    )
    data = tomllib.loads(new_pyproject(root))
    assert data["dependency-groups"] == {"dev": ["devtool"]}
    assert data["tool"]["uv"]["default-groups"] == []


def test_pipfile_self_entry_and_pre_releases(tmp_path: Path) -> None:
    root = write(
        tmp_path / "svc",
        {
            "Pipfile": "[packages]\nsvc = {path = '.', editable = true}\nalpha = '*'\n\n"
            "[pipenv]\nallow_prereleases = true\n",
            "setup.py": "from setuptools import setup\nsetup(name='svc')\n",
        },
    )
    data = tomllib.loads(new_pyproject(root))
    assert data["project"]["dependencies"] == ["alpha"]
    assert data["tool"]["uv"]["prerelease"] == "allow"
    assert "sources" not in data["tool"]["uv"]


# --------------------------------------------------------------------------- layouts


def test_crlf_pipfile_gives_a_crlf_pyproject_and_keeps_an_existing_one(tmp_path: Path) -> None:
    root = tmp_path / "svc"
    root.mkdir()
    (root / "Pipfile").write_bytes(b"[packages]\r\nalpha = '>=1'\r\n")
    new = plan_to_uv(detect(root), opts(lock=False)).changes[0]
    assert new.path == "pyproject.toml" and new.old is None and new.new is not None
    assert b"\r\n" in new.new and b"\n" not in new.new.replace(b"\r\n", b"")
    (root / "pyproject.toml").write_bytes(b"# tools\n[tool.black]\nline-length = 99\n")
    text = new_pyproject(root)
    assert text.startswith("# tools\n[tool.black]\nline-length = 99\n")
    assert tomllib.loads(text)["project"]["dependencies"] == ["alpha>=1"]


def test_unusual_layout_falls_back_to_tomlkit(tmp_path: Path) -> None:
    """``[tool]`` with an inline ``poetry`` table: no ``[tool.poetry]`` header to cut out."""

    root = write(
        tmp_path / "svc",
        {
            "pyproject.toml": "[tool]\n"
            "poetry = { name = 'svc', version = '2.0.0', package-mode = false, "
            "dependencies = { alpha = '^1.1' } }\n"
            "black = { line-length = 99 }\n"
        },
    )
    assert detect(root).project.tool is Tool.POETRY
    data = tomllib.loads(new_pyproject(root))
    assert "poetry" not in data["tool"]
    assert data["tool"]["black"] == {"line-length": 99}
    assert data["project"]["version"] == "2.0.0"
    assert data["project"]["dependencies"] == ["alpha>=1.1,<2.0"]


def test_poetry2_project_table_is_kept(tmp_path: Path) -> None:
    root = write(
        tmp_path / "svc",
        {
            "pyproject.toml": '[project]\nname = "svc"\nversion = "1.0"\n'
            'dependencies = ["alpha>=1"]\n\n'
            "[tool.poetry]\npackage-mode = false\n\n"
            "[tool.poetry.group.dev.dependencies]\npytest = '^8'\n",
        },
    )
    text = new_pyproject(root)
    kept = '[project]\nname = "svc"\nversion = "1.0"\ndependencies = ["alpha>=1"]\n'
    assert text.startswith(kept)
    data = tomllib.loads(text)
    assert data["dependency-groups"] == {"dev": ["pytest>=8,<9"]}
    assert "poetry" not in data.get("tool", {})
    assert data["tool"]["uv"]["package"] is False


def test_comment_above_the_next_table_stays_with_it(tmp_path: Path) -> None:
    root = write(
        tmp_path / "svc",
        {
            "pyproject.toml": "# service settings\n[tool.poetry]\nname = 'svc'\n"
            "package-mode = false\n\n[tool.poetry.dependencies]\nalpha = '*'\n"
            "# lint settings\n[tool.ruff]\nline-length = 99\n",
        },
    )
    text = new_pyproject(root)
    assert text.startswith("# service settings\n[project]\n")
    assert "\n\n# lint settings\n[tool.ruff]\nline-length = 99\n" in text


def test_poetry2_tool_poetry_dependencies_only_enrich(tmp_path: Path) -> None:
    root = write(
        tmp_path / "svc",
        {
            "pyproject.toml": '[project]\nname = "svc"\nversion = "1.0"\n'
            'dependencies = ["private>=1", "mylib"]\n\n'
            "[tool.poetry]\npackage-mode = false\n\n"
            "[tool.poetry.dependencies]\nprivate = { source = 'corp' }\n"
            "mylib = { path = '../mylib', develop = true }\n\n"
            "[[tool.poetry.source]]\nname = 'corp'\nurl = 'https://corp.example/simple'\n"
            "priority = 'explicit'\n",
        },
    )
    runtime = detect(root).project.group("runtime")
    assert runtime is not None
    assert [r.pep508() for r in runtime.requirements] == ["private>=1", "mylib"]
    data = tomllib.loads(new_pyproject(root))
    assert data["project"]["dependencies"] == ["private>=1", "mylib"]
    assert data["tool"]["uv"]["sources"] == {
        "private": {"index": "corp"},
        "mylib": {"path": "../mylib", "editable": True},
    }
    assert data["tool"]["uv"]["index"] == [
        {"name": "corp", "url": "https://corp.example/simple", "explicit": True}
    ]


def test_package_with_other_folder_gets_hatch_packages(tmp_path: Path) -> None:
    root = write(
        tmp_path / "svc",
        {
            "pyproject.toml": "[tool.poetry]\nname = 'svc'\nversion = '1.0'\n"
            "packages = [{ include = 'service_core', from = 'lib' }]\n\n"
            "[tool.poetry.dependencies]\nalpha = '*'\n\n"
            "[build-system]\nrequires = ['poetry-core']\n"
            "build-backend = 'poetry.core.masonry.api'\n",
            "lib/service_core/__init__.py": "",
        },
    )
    data = tomllib.loads(new_pyproject(root))
    assert data["build-system"] == {"requires": ["hatchling"], "build-backend": "hatchling.build"}
    assert data["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["lib/service_core"]
    assert "uv" not in data["tool"]


def test_own_build_backend_is_left_alone(tmp_path: Path) -> None:
    root = write(
        tmp_path / "svc",
        {
            "pyproject.toml": "[tool.poetry]\nname = 'svc'\nversion = '1.0'\n\n"
            "[tool.poetry.dependencies]\nalpha = '*'\n\n"
            "[build-system]\nrequires = ['setuptools>=68']\n"
            "build-backend = 'setuptools.build_meta'\n",
            "svc/__init__.py": "",
        },
    )
    data = tomllib.loads(new_pyproject(root))
    assert data["build-system"]["build-backend"] == "setuptools.build_meta"


# --------------------------------------------------------------------------- apply and undo


@pytest.mark.parametrize("case", ["poetry_service", "pipenv_service"])
def test_apply_then_undo_restores_every_file(case: str, tmp_path: Path) -> None:
    work = tmp_path / "svc"
    shutil.copytree(CASES / case / "before", work)
    before = tree(work)
    plan = plan_to_uv(detect(work), opts(lock=False))
    entry = apply_plan(plan, command="toolshift migrate --to uv svc")
    after = tree(work)
    assert "poetry.lock" not in after and "Pipfile" not in after and "Pipfile.lock" not in after
    assert b"[project]" in after["pyproject.toml"]
    undo(work, entry.id)
    assert tree(work) == before


# --------------------------------------------------------------------------- a real lock


@pytest.mark.slow
def test_uv_lock_keeps_poetry_lock_versions(tmp_path: Path, wheelhouse: Path) -> None:
    """alpha >=1.0 and beta * would lock alpha 2.0.0 and beta 1.2; poetry.lock says 1.0.0/1.0."""

    from toolshift.locking import pins_for, read_lock_versions, run_uv_lock

    work = tmp_path / "svc"
    shutil.copytree(CASES / "poetry_wheelhouse" / "before", work)
    detected = detect(work)
    assert detected.project.locked == {"alpha": "1.0.0", "beta": "1.0", "devtool": "3.0"}
    plan = plan_to_uv(detected, opts())
    offline = ["--offline", "--no-index", "--find-links", str(wheelhouse)]
    results = []

    def post(action: PostAction) -> None:
        results.append(run_uv_lock(work, action, pins_for(detected), extra_args=offline))

    apply_plan(plan, command="toolshift migrate --to uv svc", post=post)
    locked = read_lock_versions((work / "uv.lock").read_text())
    assert (locked["alpha"], locked["beta"], locked["devtool"]) == ("1.0.0", "1.0", "3.0")
    assert results[0].moved == ()
    assert not (work / "poetry.lock").exists()
    # the control: without today's versions uv takes the newest
    control = tmp_path / "control"
    shutil.copytree(CASES / "poetry_wheelhouse" / "after", control)
    run_uv_lock(control, None, {}, extra_args=offline)
    newest = read_lock_versions((control / "uv.lock").read_text())
    assert (newest["alpha"], newest["beta"]) == ("2.0.0", "1.2")
