"""planners.to_uv on Pipenv projects: defects found by migrating realistic services (QA pass)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from toolshift.detect import detect
from toolshift.model import MigrateOptions
from toolshift.planners.to_uv import plan_to_uv

SETUP_PY = (
    "from setuptools import setup, find_packages\n"
    'setup(name="myapp", version="0.4.0", packages=find_packages(), install_requires=["attrs"])\n'
)


def _plan(root: Path, files: dict[str, str]) -> dict[str, object]:
    for rel, text in files.items():
        (root / rel).write_text(text, encoding="utf-8")
    plan = plan_to_uv(detect(root), MigrateOptions(target="uv"))
    change = next(c for c in plan.changes if c.path == "pyproject.toml")
    assert change.new is not None
    data = tomllib.loads(change.new.decode())
    data["_diagnostics"] = [d.message for d in plan.diagnostics]
    return data


def test_pipenv_with_a_setup_py_package_gets_setuptools_build_system(tmp_path: Path) -> None:
    # `myapp = {path = ".", editable = true}` was left out because "uv installs a package
    # project without naming it", but no [build-system] was written: uv then never installs
    # the project (its code and console scripts were missing from the environment)
    data = _plan(
        tmp_path,
        {
            "setup.py": SETUP_PY,
            "Pipfile": '[packages]\nmyapp = {path = ".", editable = true}\nclick = "~=8.1"\n',
        },
    )
    assert data["build-system"] == {
        "requires": ["setuptools>=61"],
        "build-backend": "setuptools.build_meta",
    }
    project = data["project"]
    assert isinstance(project, dict)
    assert (project["name"], project["version"]) == ("myapp", "0.4.0")
    assert project["dependencies"] == ["click~=8.1"]
    # install_requires is not read: said, since setuptools now ignores it
    msgs = data["_diagnostics"]
    assert isinstance(msgs, list)
    assert any("install_requires" in m and "Pipfile" in m for m in msgs)


def test_pipenv_package_with_only_itself_keeps_install_requires_dynamic(tmp_path: Path) -> None:
    data = _plan(
        tmp_path,
        {"setup.py": SETUP_PY, "Pipfile": '[packages]\nmyapp = {path = ".", editable = true}\n'},
    )
    project = data["project"]
    assert isinstance(project, dict)
    assert project.get("dynamic") == ["dependencies"]
    assert "dependencies" not in project


def test_pipenv_without_setup_py_is_not_a_package(tmp_path: Path) -> None:
    data = _plan(tmp_path, {"Pipfile": '[packages]\nclick = "*"\n'})
    assert "build-system" not in data
    assert data["tool"] == {"uv": {"package": False}}
