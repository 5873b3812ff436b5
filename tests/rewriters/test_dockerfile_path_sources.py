"""Dockerfile rewriter: a project with path dependencies ([tool.uv.sources] x = {path = ...}).

uv installs path dependencies even under ``--no-install-project`` and ``--locked`` reads their
metadata, so the deps-only layer (run before the source is copied) is
``uv sync --frozen --no-install-local``; the final ``uv sync --locked`` installs them (defect D1).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from toolshift.rewriters import RewriteContext
from toolshift.rewriters.dockerfile import rewrite_dockerfile

from .fixtures import read

CASE = (
    Path(__file__).parent.parent / "fixtures" / "rewriters" / "dockerfile" / "pip_path_dependency"
)
UV_LOCAL = RewriteContext("uv", uv_version="0.9.5", has_path_sources=True)
UV_PLAIN = RewriteContext("uv", uv_version="0.9.5")
PIP = RewriteContext("pip", uv_version="0.9.5", has_path_sources=True)


def _syncs(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip().startswith("uv sync")]


def test_deps_layer_skips_local_packages_and_the_final_sync_installs_them() -> None:
    after = rewrite_dockerfile(read(CASE / "before"), UV_LOCAL).text
    assert _syncs(after) == [
        "uv sync --frozen --no-install-local --no-dev",
        "uv sync --locked --no-dev",
    ]
    # the deps-only sync runs before the path dependency is copied, the final one after
    assert after.index("--no-install-local") < after.index("COPY libs ./libs")
    assert after.index("COPY . .") < after.index("uv sync --locked --no-dev")


def test_without_path_sources_the_deps_layer_is_unchanged() -> None:
    after = rewrite_dockerfile(read(CASE / "before"), UV_PLAIN).text
    assert _syncs(after) == [
        "uv sync --locked --no-install-project --no-dev",
        "uv sync --locked --no-dev",
    ]


def test_source_copied_before_the_install_gets_a_local_free_deps_layer() -> None:
    text = (
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n"
        'RUN pip install -r requirements.txt\nCMD ["python", "app.py"]\n'
    )
    res = rewrite_dockerfile(text, UV_LOCAL)
    assert _syncs(res.text) == [
        "uv sync --frozen --no-install-local --no-dev",
        "uv sync --locked --no-dev",
    ]
    assert rewrite_dockerfile(res.text, UV_LOCAL).text == res.text


def test_back_to_pip_installs_the_requirements_again() -> None:
    migrated = read(CASE / "after")
    res = rewrite_dockerfile(migrated, PIP)
    assert "uv " not in res.text
    assert "pip install --no-cache-dir -r requirements.txt" in res.text
    assert not [d for d in res.diagnostics if "left alone" in d.message]
    # the same image as from the plain --no-install-project layer
    plain = migrated.replace("--frozen --no-install-local", "--locked --no-install-project")
    assert rewrite_dockerfile(plain, PIP).text == res.text


def _project(root: Path, requirements: str) -> None:
    (root / "libs" / "common").mkdir(parents=True)
    (root / "libs" / "common" / "pyproject.toml").write_text(
        '[project]\nname = "common"\nversion = "0.1.0"\n', encoding="utf-8"
    )
    (root / "requirements.txt").write_text(requirements, encoding="utf-8")
    (root / "app.py").write_text("print('hi')\n", encoding="utf-8")
    (root / "Dockerfile").write_text(read(CASE / "before"), encoding="utf-8")


def _migrated_dockerfile(root: Path, capsys: pytest.CaptureFixture[str]) -> str:
    from toolshift.cli.main import main

    assert main(["migrate", "--to", "uv", str(root), "--diff"]) == 0
    out = capsys.readouterr().out
    diff = out[out.index("--- a/Dockerfile") :]
    return "\n".join(ln for ln in diff.splitlines()[2:] if not ln.startswith("--- "))


def test_migrate_diff_of_a_requirements_path_dependency(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path, "flask==3.0.0\n-e ./libs/common\n")
    diff = _migrated_dockerfile(tmp_path, capsys)
    assert "+    uv sync --frozen --no-install-local --no-dev" in diff
    assert "+    uv sync --locked --no-dev" in diff
    assert "--no-install-project" not in diff


def test_migrate_diff_of_a_project_installing_only_itself(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path, "flask==3.0.0\n-e .\n")
    diff = _migrated_dockerfile(tmp_path, capsys)
    assert "+    uv sync --locked --no-install-project --no-dev" in diff
    assert "--no-install-local" not in diff


@pytest.mark.slow
def test_real_uv_deps_layer_without_the_path_dependency(tmp_path: Path, wheelhouse: Path) -> None:
    """What docker build runs: only pyproject.toml and uv.lock, no libs/ folder yet."""

    from toolshift.tools import find_uv, run

    uv = find_uv().path
    proj = tmp_path / "proj"
    (proj / "libs" / "common").mkdir(parents=True)
    (proj / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        'dependencies = ["alpha", "common"]\n\n[tool.uv]\npackage = false\n\n'
        '[tool.uv.sources]\ncommon = { path = "libs/common", editable = true }\n',
        encoding="utf-8",
    )
    (proj / "libs" / "common" / "pyproject.toml").write_text(
        '[project]\nname = "common"\nversion = "0.1.0"\ndependencies = ["beta"]\n',
        encoding="utf-8",
    )
    offline = ["--no-config", "--offline", "--no-index", "--find-links", str(wheelhouse)]
    locked = run([uv, "lock", *offline, "--directory", str(proj)], timeout=60)
    assert locked.returncode == 0, locked.stderr

    def deps_layer(name: str, *flags: str) -> tuple[int, str, Path]:
        image = tmp_path / name
        image.mkdir()
        for f in ("pyproject.toml", "uv.lock"):
            (image / f).write_bytes((proj / f).read_bytes())
        done = run(
            [uv, "sync", *flags, "--no-dev", *offline, "--python", sys.executable],
            cwd=image,
            timeout=60,
        )
        return done.returncode, done.stderr, image

    # the old layer: fails, as docker build did
    rc, err, _ = deps_layer("old", "--locked", "--no-install-project")
    assert rc != 0 and "libs/common" in err
    rc, err, image = deps_layer("new", "--frozen", "--no-install-local")
    assert rc == 0, err
    site = next((image / ".venv").glob("lib/python*/site-packages"))
    assert (site / "alpha").is_dir() and (site / "beta").is_dir()
    assert not list(site.glob("common*"))


def test_poetry_no_directory_gives_one_no_install_local() -> None:
    text = (
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml poetry.lock ./\n"
        "RUN pip install poetry && poetry install --no-root --no-directory\n"
        "COPY libs ./libs\nCOPY . .\nRUN poetry install\n"
    )
    res = rewrite_dockerfile(text, UV_LOCAL)
    assert _syncs(res.text) == ["uv sync --frozen --no-install-local", "uv sync --locked"]
    assert rewrite_dockerfile(res.text, UV_LOCAL).text == res.text
