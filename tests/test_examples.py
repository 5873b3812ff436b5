"""The bundled example service: its files exist, parse, say what the README promises, and
toolshift's detect sees it as the pip project it is."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from toolshift.model import FileRole, GroupKind, IncludeKind, Severity, Tool

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "fastapi-service"

EXPECTED_FILES = (
    "requirements.txt",
    "requirements-dev.txt",
    ".python-version",
    "Dockerfile",
    "docker-compose.yml",
    ".github/workflows/ci.yml",
    ".dockerignore",
    ".gitignore",
    "README.md",
    "app/__init__.py",
    "app/main.py",
    "app/settings.py",
    "app/db.py",
    "tests/test_api.py",
)


def _text(rel: str) -> str:
    return (EXAMPLE / rel).read_text(encoding="utf-8")


def _yaml(rel: str) -> dict[str, object]:
    data = YAML(typ="safe", pure=True).load(_text(rel))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("rel", EXPECTED_FILES)
def test_example_file_exists(rel: str) -> None:
    assert (EXAMPLE / rel).is_file(), rel


def test_example_python_sources_compile() -> None:
    sources = sorted(EXAMPLE.rglob("*.py"))
    assert len(sources) >= 5
    for path in sources:
        ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_app_has_routes_and_sqlalchemy_models() -> None:
    main = _text("app/main.py")
    for route in ('@app.get("/health")', '@app.post("/orders"', '@app.get("/orders/{order_id}"'):
        assert route in main
    assert "from sqlalchemy" in _text("app/db.py")
    assert "TestClient" in _text("tests/test_api.py")


def test_python_version_file_says_312() -> None:
    assert _text(".python-version").strip() == "3.12"


# --------------------------------------------------------------------------- requirements


def _parse(rel: str):  # type: ignore[no-untyped-def]
    reader = pytest.importorskip("toolshift.readers.requirements")
    return reader.parse_requirements(_text(rel), rel)


def test_runtime_requirements_parse_cleanly() -> None:
    parsed = _parse("requirements.txt")
    errors = [d.render() for d in parsed.diagnostics if d.severity is Severity.ERROR]
    assert errors == []
    by_key = {r.key: r for r in parsed.requirements}
    assert set(by_key) == {
        "fastapi",
        "uvicorn",
        "uvloop",
        "sqlalchemy",
        "psycopg",
        "pydantic-settings",
    }
    # Every runtime requirement is an exact pin: that is what the migration must preserve.
    assert all(r.pinned_version for r in parsed.requirements)
    assert by_key["fastapi"].pinned_version == "0.165.0"
    assert by_key["uvicorn"].extras == ("standard",)
    assert by_key["psycopg"].extras == ("binary",)
    marker = by_key["uvloop"].marker
    assert marker is not None
    assert marker.replace("'", '"').replace(" ", "") == 'sys_platform!="win32"'
    # The trailing comment is not part of the requirement.
    assert by_key["pydantic-settings"].specifier == "==2.16.3"


def test_dev_requirements_include_runtime() -> None:
    parsed = _parse("requirements-dev.txt")
    assert [d.render() for d in parsed.diagnostics if d.severity is Severity.ERROR] == []
    assert [(i.kind, i.resolved) for i in parsed.includes] == [
        (IncludeKind.REQUIREMENT, "requirements.txt")
    ]
    assert {r.key for r in parsed.requirements} == {"pytest", "pytest-cov", "httpx2", "ruff"}
    assert all(r.pinned_version for r in parsed.requirements)
    assert _text("requirements-dev.txt").splitlines()[1] == "-r requirements.txt"


# --------------------------------------------------------------------------- containers and CI


def _instructions(dockerfile: str) -> list[str]:
    """One string per instruction: continuation lines joined, comments dropped."""

    out: list[str] = []
    pending = ""
    for raw in dockerfile.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        out.append(pending + line)
        pending = ""
    return out


def test_dockerfile_is_pip_based() -> None:
    lines = _instructions(_text("Dockerfile"))
    assert "FROM python:3.12-slim" in lines
    assert "COPY requirements.txt ." in lines
    assert "RUN pip install --no-cache-dir -r requirements.txt" in lines
    user = [line for line in lines if line.startswith("USER ")]
    assert user and user[0].split()[1] not in {"root", "0"}
    assert any(line.startswith("EXPOSE 8000") for line in lines)
    assert any(line.startswith("HEALTHCHECK ") for line in lines)
    cmd = [line for line in lines if line.startswith("CMD ")]
    assert len(cmd) == 1
    assert json.loads(cmd[0][4:])[0] == "uvicorn"


def test_compose_file_loads_with_app_and_postgres() -> None:
    data = _yaml("docker-compose.yml")
    services = data["services"]
    assert isinstance(services, dict)
    assert services["api"]["build"] == "."
    assert services["db"]["image"].startswith("postgres:")
    assert "db" in services["api"]["depends_on"]
    assert _text("docker-compose.yml").startswith("#")  # comments must survive rewrites


def test_workflow_installs_with_pip_and_runs_pytest() -> None:
    data = _yaml(".github/workflows/ci.yml")
    steps = data["jobs"]["test"]["steps"]  # type: ignore[index]
    setup = [s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python")]
    assert len(setup) == 1
    assert setup[0]["with"]["cache"] == "pip"
    runs = "\n".join(str(s.get("run", "")) for s in steps)
    assert "pip install -r requirements-dev.txt" in runs
    assert any(str(s.get("run", "")).strip() == "pytest" for s in steps)


def test_ignore_files_keep_environments_out() -> None:
    assert ".venv" in _text(".dockerignore").split()
    assert ".venv/" in _text(".gitignore").split()


def test_example_readme_has_pip_install_section() -> None:
    readme = _text("README.md")
    assert "## Install" in readme
    for command in ("python -m venv .venv", "pip install -r requirements-dev.txt", "pytest"):
        assert command in readme


# --------------------------------------------------------------------------- detect


def test_detect_sees_a_pip_project_with_runtime_and_dev_groups() -> None:
    pytest.importorskip("toolshift.readers.requirements")
    from toolshift.detect import detect

    detected = detect(EXAMPLE)
    project = detected.project
    assert project.tool is Tool.PIP
    runtime = project.group("runtime")
    dev = project.group("dev")
    assert runtime is not None and dev is not None
    assert runtime.kind is GroupKind.RUNTIME
    assert runtime.files == ("requirements.txt",)
    assert len(runtime.requirements) == 6
    assert dev.kind is GroupKind.GROUP
    assert "runtime" in dev.includes
    assert {r.key for r in dev.requirements} == {"pytest", "pytest-cov", "httpx2", "ruff"}

    assert project.files_with(FileRole.DOCKERFILE) == ["Dockerfile"]
    assert project.files_with(FileRole.COMPOSE) == ["docker-compose.yml"]
    assert project.files_with(FileRole.GITHUB_WORKFLOW) == [".github/workflows/ci.yml"]
    assert project.files_with(FileRole.PYTHON_VERSION) == [".python-version"]
    assert project.files_with(FileRole.DOCKERIGNORE) == [".dockerignore"]
    assert project.python.preferred() == "3.12"
    assert not project.python.conflicting
    # Today's exact pins are what a migration must keep.
    assert project.locked.get("fastapi") == "0.165.0"
    assert project.locked.get("uvicorn") == "0.54.0"
    errors = [d.render() for d in project.diagnostics if d.severity is Severity.ERROR]
    assert errors == []


# --------------------------------------------------------------------------- network


@pytest.mark.network
@pytest.mark.parametrize("python", ["3.11", "3.12"])
def test_example_pins_resolve_on_pypi(python: str, tmp_path: Path) -> None:
    """The pins are real: they exist on PyPI and resolve together for 3.11 and 3.12."""

    from toolshift.tools import find_uv, run

    done = run(
        [
            find_uv().path,
            "pip",
            "compile",
            "--no-config",
            "--python-version",
            python,
            "--index-url",
            "https://pypi.org/simple",
            "requirements-dev.txt",
            "-o",
            str(tmp_path / "out.txt"),
        ],
        cwd=EXAMPLE,
        timeout=300,
    )
    assert done.returncode == 0, done.output
    resolved = (tmp_path / "out.txt").read_text(encoding="utf-8")
    assert "fastapi==0.165.0" in resolved
    assert "uvloop==0.23.0" in resolved


@pytest.mark.network
def test_example_own_tests_pass_after_a_pip_style_install(tmp_path: Path) -> None:
    """What the example's README promises: install requirements-dev.txt, run pytest."""

    import shutil

    from toolshift.tools import find_uv, run

    uv = find_uv().path
    work = tmp_path / "service"
    shutil.copytree(EXAMPLE, work, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
    venv = tmp_path / "venv"
    made = run([uv, "venv", "--no-config", "--python", sys.executable, str(venv)], timeout=120)
    assert made.returncode == 0, made.output
    python = venv / "bin" / "python"
    installed = run(
        [
            uv,
            "pip",
            "install",
            "--no-config",
            "--python",
            str(python),
            "--index-url",
            "https://pypi.org/simple",
            "-r",
            "requirements-dev.txt",
        ],
        cwd=work,
        timeout=600,
    )
    assert installed.returncode == 0, installed.output
    tested = run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=work)
    assert tested.returncode == 0, tested.output
    assert "4 passed" in tested.stdout


# --------------------------------------------------------------------------- the README session


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".toolshift" not in p.relative_to(root).parts
    }


def _copy_example(tmp_path: Path) -> Path:
    import shutil

    work = tmp_path / "fastapi-service"
    shutil.copytree(EXAMPLE, work, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
    return work


def test_migrate_without_lock_then_undo_restores_the_example(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from toolshift.cli.main import main

    work = _copy_example(tmp_path)
    before = _snapshot(work)
    assert main(["migrate", "--to", "uv", str(work), "--yes", "--no-lock"]) == 0
    after = _snapshot(work)
    assert "pyproject.toml" in after and "pyproject.toml" not in before
    assert "requirements.txt" not in after
    pyproject = after["pyproject.toml"].decode()
    assert '"fastapi==0.165.0"' in pyproject
    assert 'uvloop==0.23.0; sys_platform != "win32"' in pyproject
    # The files around the packaging move with it.
    dockerfile = after["Dockerfile"].decode()
    assert "uv sync --locked" in dockerfile
    assert "pip install" not in dockerfile
    workflow = after[".github/workflows/ci.yml"].decode()
    assert "astral-sh/setup-uv" in workflow
    assert "uv run pytest" in workflow
    assert "requirements" not in workflow
    assert main(["undo", str(work), "--yes"]) == 0
    assert _snapshot(work) == before
    capsys.readouterr()


@pytest.mark.network
def test_readme_session_on_a_copy_of_the_example(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """analyze, migrate --diff, migrate (with the real uv lock against PyPI), undo.

    ``uv lock`` needs an interpreter the project allows, and the example says 3.12; a fresh
    machine may only have the Python running these tests, so the migration targets that one
    (``--python``), as the README tells a person in the same spot to do.
    """

    import tomllib

    from toolshift.cli.main import main

    work = _copy_example(tmp_path)
    before = _snapshot(work)
    assert main(["analyze", str(work)]) == 0
    assert main(["migrate", "--to", "uv", str(work), "--diff"]) == 0
    assert _snapshot(work) == before
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert main(["migrate", "--to", "uv", str(work), "--yes", "--python", here]) == 0
    assert (work / ".python-version").read_text(encoding="utf-8").strip() == here
    lock = tomllib.loads((work / "uv.lock").read_text(encoding="utf-8"))
    versions = {p["name"]: p.get("version") for p in lock["package"]}
    # Today's pins are kept: the lock does not upgrade anything the service pinned.
    assert versions["fastapi"] == "0.165.0"
    assert versions["sqlalchemy"] == "2.1.9"
    assert versions["uvloop"] == "0.23.0"
    assert versions["httpx2"] == "2.16.2"
    # Nothing is left to migrate.
    assert main(["migrate", "--to", "uv", str(work), "--check"]) == 0
    assert main(["undo", str(work), "--yes"]) == 0
    assert _snapshot(work) == before
    capsys.readouterr()
