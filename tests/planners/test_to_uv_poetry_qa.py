"""planners.to_uv on Poetry projects: defects found by migrating realistic services (QA pass)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from toolshift.detect import detect
from toolshift.model import MigrateOptions
from toolshift.planners.to_uv import plan_to_uv

DYNAMIC = """\
[tool.poetry]
name = "lib"
version = "0.0.0"
description = "A library"
authors = ["A <a@example.com>"]
packages = [{ include = "lib" }]

[tool.poetry.dependencies]
python = "^3.9"

[tool.poetry-dynamic-versioning]
enable = true

[build-system]
requires = ["poetry-core>=1.0.0", "poetry-dynamic-versioning>=1.0.0,<2.0.0"]
build-backend = "poetry_dynamic_versioning.backend"
"""


def _pyproject(root: Path, text: str) -> str:
    (root / "lib").mkdir()
    (root / "lib" / "__init__.py").write_text("")
    (root / "pyproject.toml").write_text(text)
    plan = plan_to_uv(detect(root), MigrateOptions(target="uv"))
    change = next(c for c in plan.changes if c.path == "pyproject.toml")
    assert change.new is not None
    return change.new.decode()


def test_dynamic_versioning_becomes_hatch_vcs(tmp_path: Path) -> None:
    # the placeholder version = "0.0.0" was kept with a plain hatchling build: every wheel
    # built after the migration was lib-0.0.0
    text = _pyproject(tmp_path, DYNAMIC)
    data = tomllib.loads(text)
    assert "version" not in data["project"]
    assert data["project"]["dynamic"] == ["version"]
    assert data["build-system"] == {
        "requires": ["hatchling", "hatch-vcs"],
        "build-backend": "hatchling.build",
    }
    assert data["tool"] == {"hatch": {"version": {"source": "vcs"}}}
    assert "\n\n\n" not in text


def test_plugin_config_without_enable_keeps_the_version(tmp_path: Path) -> None:
    text = DYNAMIC.replace("enable = true", "enable = false").replace(
        '"poetry_dynamic_versioning.backend"', '"poetry.core.masonry.api"'
    )
    data = tomllib.loads(_pyproject(tmp_path, text))
    assert data["project"]["version"] == "0.0.0"
    assert data["build-system"]["requires"] == ["hatchling"]
