from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolshift.detect import FileSelection, classify, detect, group_for_file
from toolshift.errors import IncludeError, InputError, ParseError, UsageError
from toolshift.model import FileRole, GroupKind, Tool

PROJECTS = Path(__file__).parent / "fixtures" / "projects"


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
    return root


def names(reqs: object) -> list[str]:
    return [r.key for r in reqs]  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- classification


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("requirements.txt", FileRole.REQUIREMENTS),
        ("requirements-dev.txt", FileRole.REQUIREMENTS),
        ("requirements_test.txt", FileRole.REQUIREMENTS),
        ("dev-requirements.txt", FileRole.REQUIREMENTS),
        ("requirements.in", FileRole.REQUIREMENTS),
        ("requirements/base.txt", FileRole.REQUIREMENTS),
        ("requirements/dev.in", FileRole.REQUIREMENTS),
        ("docs/requirements.txt", FileRole.REQUIREMENTS),
        ("constraints.txt", FileRole.CONSTRAINTS),
        ("constraints-py312.txt", FileRole.CONSTRAINTS),
        ("pyproject.toml", FileRole.PYPROJECT),
        ("uv.lock", FileRole.UV_LOCK),
        ("poetry.lock", FileRole.POETRY_LOCK),
        ("Pipfile", FileRole.PIPFILE),
        ("Pipfile.lock", FileRole.PIPFILE_LOCK),
        ("setup.py", FileRole.SETUP_PY),
        ("setup.cfg", FileRole.SETUP_CFG),
        (".python-version", FileRole.PYTHON_VERSION),
        ("runtime.txt", FileRole.PYTHON_VERSION),
        ("Dockerfile", FileRole.DOCKERFILE),
        ("docker/api.Dockerfile", FileRole.DOCKERFILE),
        ("Dockerfile.prod", FileRole.DOCKERFILE),
        ("Dockerfile.dockerignore", FileRole.DOCKERIGNORE),
        ("docker-compose.yml", FileRole.COMPOSE),
        ("deploy/compose.prod.yaml", FileRole.COMPOSE),
        (".github/workflows/ci.yml", FileRole.GITHUB_WORKFLOW),
        (".gitlab-ci.yml", FileRole.GITLAB_CI),
        (".dockerignore", FileRole.DOCKERIGNORE),
        (".gitignore", FileRole.GITIGNORE),
        ("README.md", FileRole.README),
        ("CONTRIBUTING.rst", FileRole.README),
        ("Makefile", FileRole.MAKEFILE),
    ],
)
def test_classify_known_files(path: str, role: FileRole) -> None:
    assert classify(path) is role


@pytest.mark.parametrize(
    "path",
    [
        "app.py",
        "deploy/requirements.txt",  # another folder's file: only reached through -r
        "services/api/pyproject.toml",
        "sub/README.md",
        "notes.txt",
        ".github/ci.yml",
        "requirements/nested/deeper.txt",
    ],
)
def test_classify_ignores_other_files(path: str) -> None:
    assert classify(path) is None


@pytest.mark.parametrize(
    ("path", "group"),
    [
        ("requirements.txt", "runtime"),
        ("requirements/base.txt", "runtime"),
        ("requirements/main.txt", "runtime"),
        ("requirements/prod.txt", "runtime"),
        ("requirements/production.txt", "runtime"),
        ("requirements-prod.txt", "runtime"),
        ("requirements-dev.txt", "dev"),
        ("requirements_dev.txt", "dev"),
        ("dev-requirements.txt", "dev"),
        ("requirements/dev.txt", "dev"),
        ("requirements/tests.txt", "test"),
        ("requirements-test.txt", "test"),
        ("requirements-docs.txt", "docs"),
        ("requirements/doc.txt", "docs"),
        ("requirements-lint.txt", "lint"),
        ("requirements-CI_Tools.txt", "ci-tools"),
        ("requirements.in", "runtime"),
        ("dev-requirements.in", "dev"),
        ("docs/requirements.txt", "docs"),
        ("requirements/requirements-dev.txt", "dev"),
        ("requirements/requirements.txt", "runtime"),
        ("requirements/py312.txt", "py312"),
        ("requirements/local.txt", "dev"),
    ],
)
def test_group_names(path: str, group: str) -> None:
    assert group_for_file(path) == group


# --------------------------------------------------------------------------- fixture projects


def test_plain_pip_with_dev_file_including_runtime() -> None:
    d = detect(PROJECTS / "pip-basic")
    p = d.project
    assert p.tool is Tool.PIP
    assert p.name == "pip-basic"
    assert [g.name for g in p.groups] == ["runtime", "dev"]
    runtime, dev = p.groups
    assert runtime.kind is GroupKind.RUNTIME
    assert names(runtime.requirements) == ["flask", "requests", "gunicorn"]
    assert runtime.files == ("requirements.txt",)
    # dev includes runtime; runtime's requirements are not copied into dev
    assert dev.includes == ("runtime",)
    assert names(dev.requirements) == ["pytest", "ruff"]
    assert dev.kind is GroupKind.GROUP
    assert p.locked == {
        "flask": "3.0.0",
        "gunicorn": "21.2.0",
        "pytest": "8.0.0",
        "requests": "2.31.0",
        "ruff": "0.4.4",
    }
    assert p.files_with(FileRole.DOCKERFILE) == ["Dockerfile"]
    assert p.files_with(FileRole.README) == ["README.md"]
    assert p.python.versions() == {"3.12"}
    assert not p.is_package
    # the bytes of every classified file, for planning and stale checks
    assert d.contents["requirements.txt"] == (PROJECTS / "pip-basic/requirements.txt").read_bytes()
    assert set(d.contents) == {f.path for f in p.files}
    assert set(d.requirement_files) == {"requirements.txt", "requirements-dev.txt"}


def test_pip_tools_in_files_declare_and_compiled_txt_locks() -> None:
    p = detect(PROJECTS / "pip-tools").project
    assert p.tool is Tool.PIP_TOOLS
    assert [g.name for g in p.groups] == ["runtime", "dev"]
    runtime, dev = p.groups
    assert runtime.files == ("requirements.in",)
    assert [r.pep508() for r in runtime.requirements] == ["flask>=3"]
    assert dev.files == ("dev-requirements.in",)
    assert dev.includes == ("runtime",)
    assert names(dev.requirements) == ["pytest"]
    assert p.locked == {
        "blinker": "1.7.0",
        "click": "8.1.7",
        "flask": "3.0.0",
        "pluggy": "1.4.0",
        "pytest": "8.0.0",
        "werkzeug": "3.0.1",
    }
    # the compiled files are still project files (a migration replaces them)
    assert set(p.files_with(FileRole.REQUIREMENTS)) == {
        "requirements.in",
        "requirements.txt",
        "dev-requirements.in",
        "dev-requirements.txt",
    }


def test_constraints_file_reached_through_c_is_not_a_group() -> None:
    p = detect(PROJECTS / "constraints").project
    assert p.tool is Tool.PIP
    assert [g.name for g in p.groups] == ["runtime", "dev"]
    runtime, dev = p.groups
    assert names(runtime.requirements) == ["flask", "requests"]
    assert names(runtime.constraints) == ["flask", "requests", "pytest", "urllib3"]
    assert dev.includes == ("runtime",)
    assert names(dev.requirements) == ["pytest"]
    assert names(dev.constraints) == ["flask", "requests", "pytest", "urllib3"]
    assert p.files_with(FileRole.CONSTRAINTS) == ["constraints.txt"]
    assert p.locked["urllib3"] == "2.2.0"
    assert p.locked["flask"] == "3.0.0"


def test_nested_requirements_folder() -> None:
    p = detect(PROJECTS / "nested").project
    groups = {g.name: g for g in p.groups}
    assert list(groups) == ["runtime", "dev", "docs", "lint", "test"]
    runtime = groups["runtime"]
    # base and prod are both runtime; prod's -r base.txt stays inside the group
    assert runtime.files == ("requirements/base.txt", "requirements/prod.txt")
    assert names(runtime.requirements) == ["flask", "gunicorn"]
    assert runtime.includes == ()
    assert groups["dev"].includes == ("runtime", "test")
    assert names(groups["dev"].requirements) == ["ipython"]
    assert groups["test"].includes == ("runtime",)
    assert names(groups["test"].requirements) == ["pytest"]
    # pins.txt is reached only through -c: constraints of lint, not a group of its own
    assert "pins" not in groups
    assert names(groups["lint"].constraints) == ["markupsafe"]
    assert p.files_with(FileRole.CONSTRAINTS) == ["requirements/pins.txt"]
    # the worker service is not mixed in, but named
    assert all("services/" not in f.path for f in p.files)
    assert any(d.code == "DET001" and "services/worker" in d.message for d in p.diagnostics)


def test_explicit_selection_forms_the_only_groups() -> None:
    sel = FileSelection(requirements=("deps/main.txt",), groups=(("tools", "deps/tools.txt"),))
    p = detect(PROJECTS / "explicit", sel).project
    assert [g.name for g in p.groups] == ["runtime", "tools"]
    runtime, tools = p.groups
    assert names(runtime.requirements) == ["fastapi"]
    assert tools.includes == ("runtime",)
    assert names(tools.requirements) == ["black"]
    assert "this-file-is-ignored-when-files-are-named" not in p.locked
    assert p.locked == {"black": "24.2.0", "fastapi": "0.110.0"}


def test_explicit_dev_requirements_and_absolute_path() -> None:
    root = PROJECTS / "pip-basic"
    sel = FileSelection(
        requirements=(str(root / "requirements.txt"),),
        dev_requirements=("requirements-dev.txt",),
    )
    p = detect(root, sel).project
    assert [(g.name, g.includes) for g in p.groups] == [("runtime", ()), ("dev", ("runtime",))]


def test_explicit_missing_file_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as exc:
        detect(PROJECTS / "pip-basic", FileSelection(requirements=("nope.txt",)))
    assert "nope.txt" in str(exc.value)
    assert exc.value.hint


def test_explicit_file_outside_project_is_a_usage_error(tmp_path: Path) -> None:
    outside = write_tree(tmp_path / "elsewhere", {"r.txt": "x==1\n"})
    with pytest.raises(UsageError, match="outside"):
        detect(PROJECTS / "pip-basic", FileSelection(requirements=(str(outside / "r.txt"),)))


def test_uv_project_groups_come_from_pyproject() -> None:
    p = detect(PROJECTS / "uv-project").project
    assert p.tool is Tool.UV
    assert p.name == "my-service"
    assert not p.is_package  # [tool.uv] package = false
    assert [g.name for g in p.groups] == ["runtime", "dev"]
    assert names(p.groups[0].requirements) == ["fastapi"]
    # the exported requirements.txt is a file, not a second declaration
    assert p.groups[0].files == ("pyproject.toml",)
    assert p.locked == {"fastapi": "0.110.0", "pytest": "8.0.0"}
    assert {s.value for s in p.python.sources} >= {"3.12", ">=3.12"}


def test_missing_and_non_folder_root(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such folder") as exc:
        detect(tmp_path / "missing")
    assert exc.value.hint
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(UsageError, match="not a folder"):
        detect(tmp_path / "file.txt")


def test_no_dependency_file_is_still_a_project() -> None:
    p = detect(PROJECTS / "empty").project
    assert p.tool is Tool.UNKNOWN
    assert p.groups == ()
    assert p.files_with(FileRole.README) == ["README.md"]
    assert any(d.code == "DET020" for d in p.diagnostics)


def test_broken_include_raises_unless_tolerant() -> None:
    with pytest.raises(IncludeError) as exc:
        detect(PROJECTS / "broken")
    assert exc.value.path == "requirements-dev.txt"
    assert exc.value.line == 2
    p = detect(PROJECTS / "broken", tolerant=True).project
    broken = [d for d in p.diagnostics if d.code == "DET004"]
    assert len(broken) == 1
    assert broken[0].origin is not None
    assert str(broken[0].origin) == "requirements-dev.txt:2"
    # what could be read is still there
    assert [g.name for g in p.groups] == ["runtime", "dev"]
    assert names(p.groups[1].requirements) == ["pytest"]


# --------------------------------------------------------------------------- walking


def test_gitignored_folders_and_environments_are_skipped(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "svc",
        {
            ".gitignore": "generated/\n*.local.yml\n",
            "requirements.txt": "flask==3.0.0\n",
            "generated/Dockerfile": "FROM python:3.11\n",
            "docker/Dockerfile": "FROM python:3.12-slim\n",
            "docker-compose.local.yml": "services: {}\n",
            "docker-compose.yml": "services: {}\n",
            "env/pyvenv.cfg": "home = /usr/bin\n",
            "env/Dockerfile": "FROM python:3.10\n",
            "node_modules/x/Dockerfile": "FROM node\n",
            ".venv/Dockerfile": "FROM python:3.9\n",
            "docker/.gitignore": "old.Dockerfile\n",
            "docker/old.Dockerfile": "FROM python:3.8\n",
        },
    )
    p = detect(root).project
    assert p.files_with(FileRole.DOCKERFILE) == ["docker/Dockerfile"]
    assert p.files_with(FileRole.COMPOSE) == ["docker-compose.yml"]
    assert p.python.versions() == {"3.12"}


def test_gitignored_lock_is_still_read(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "svc",
        {
            ".gitignore": "uv.lock\n",
            "pyproject.toml": '[project]\nname = "svc"\nversion = "1"\ndependencies = []\n',
            "uv.lock": "version = 1\n",
        },
    )
    p = detect(root).project
    assert p.tool is Tool.UV
    assert p.files_with(FileRole.UV_LOCK) == ["uv.lock"]


def test_include_outside_standard_names_is_read_and_classified(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "svc",
        {
            "requirements.txt": "-r deps/common.txt\n-c deps/pins.txt\nflask\n",
            "deps/common.txt": "requests==2.31.0\n",
            "deps/pins.txt": "flask==3.0.0\n",
        },
    )
    d = detect(root)
    runtime = d.project.groups[0]
    assert names(runtime.requirements) == ["flask", "requests"]
    assert runtime.files == ("requirements.txt", "deps/common.txt")
    assert names(runtime.constraints) == ["flask"]
    assert d.project.files_with(FileRole.REQUIREMENTS) == ["deps/common.txt", "requirements.txt"]
    assert d.project.files_with(FileRole.CONSTRAINTS) == ["deps/pins.txt"]
    assert "deps/common.txt" in d.contents


def test_tool_detection_order(tmp_path: Path) -> None:
    def tool(files: dict[str, str]) -> Tool:
        import uuid

        return detect(write_tree(tmp_path / uuid.uuid4().hex, files)).project.tool

    req = {"requirements.txt": "flask==3.0.0\n"}
    assert tool(req) is Tool.PIP
    assert tool({**req, "Pipfile": "[packages]\n"}) is Tool.PIPENV
    assert tool({**req, "Pipfile": "[packages]\n", "poetry.lock": ""}) is Tool.POETRY
    assert tool({**req, "poetry.lock": "", "uv.lock": "version = 1\n"}) is Tool.UV
    assert tool({"pyproject.toml": "[tool.poetry]\nname = 'x'\n"}) is Tool.POETRY
    assert tool({"pyproject.toml": "[tool.uv]\n", "Pipfile": ""}) is Tool.UV
    assert tool({"setup.py": "from setuptools import setup\nsetup()\n"}) is Tool.PIP
    assert tool({"README.md": "hi"}) is Tool.UNKNOWN


def test_indexes_merged_and_deduplicated(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "svc",
        {
            "requirements.txt": "--extra-index-url https://pkgs.example.com/simple\n"
            "--trusted-host pkgs.example.com\nflask==3.0.0\n",
            "requirements-dev.txt": "--extra-index-url https://pkgs.example.com/simple\n"
            "--find-links ./wheels\n--pre\n--only-binary :all:\n--require-hashes\n"
            "pytest==8.0.0 --hash=sha256:" + "0" * 64 + "\n",
        },
    )
    p = detect(root).project
    assert p.options.require_hashes
    assert p.options.only_binary == (":all:",)
    assert not p.options.no_index
    assert [(i.url, i.kind.value, str(i.origin)) for i in p.indexes] == [
        ("https://pkgs.example.com/simple", "extra", "requirements.txt:1"),
        ("./wheels", "find-links", "requirements-dev.txt:2"),
    ]
    assert p.options.trusted_hosts == ("pkgs.example.com",)
    assert p.options.pre


def test_python_sources_from_every_place(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "svc",
        {
            ".python-version": "3.13\n",
            "requirements.txt": "flask==3.0.0\n",
            "Dockerfile": "FROM python:3.12-slim\n",
            "setup.cfg": "[options]\npython_requires = >=3.11\n",
            "runtime.txt": "python-3.11.4\n",
        },
    )
    p = detect(root).project
    where = {str(s.origin): s.value for s in p.python.sources}
    assert where[".python-version:1"] == "3.13"
    assert where["Dockerfile:1"].startswith("3.12")
    assert where["setup.cfg:2"] == ">=3.11"
    assert "runtime.txt:1" in where
    assert p.python.conflicting


def test_conflicting_pins_are_reported(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "svc",
        {
            "requirements.txt": "flask==3.0.0\n",
            "requirements-dev.txt": "flask==2.3.3\n",
        },
    )
    p = detect(root).project
    assert p.locked["flask"] == "3.0.0"
    assert any(d.code == "DET006" and "2.3.3" in d.message for d in p.diagnostics)


def test_crlf_and_bom_bytes_kept(tmp_path: Path) -> None:
    root = tmp_path / "svc"
    root.mkdir()
    raw = b"\xef\xbb\xbfflask==3.0.0\r\nrequests==2.31.0\r\n"
    (root / "requirements.txt").write_bytes(raw)
    d = detect(root)
    assert d.contents["requirements.txt"] == raw
    assert names(d.project.groups[0].requirements) == ["flask", "requests"]


def test_reader_diagnostics_are_carried(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "svc", {"requirements.txt": "flask==3.0.0\n--bogus-option\n"})
    p = detect(root).project
    assert any(d.code.startswith("RQ") and d.origin and d.origin.line == 2 for d in p.diagnostics)


def test_pip_tools_layered_with_c_and_requirements_folder(tmp_path: Path) -> None:
    header = "# This file is autogenerated by pip-compile with Python 3.12\n"
    root = write_tree(
        tmp_path / "svc",
        {
            "requirements/base.in": "django>=5\n",
            "requirements/base.txt": header + "django==5.0.2\n    # via -r base.in\n",
            "requirements/dev.in": "-c base.txt\n-r base.in\ndjango-debug-toolbar\n",
            "requirements/dev.txt": header + "django==5.0.2\ndjango-debug-toolbar==4.3.0\n",
        },
    )
    p = detect(root).project
    assert p.tool is Tool.PIP_TOOLS
    runtime, dev = p.groups
    assert runtime.files == ("requirements/base.in",)
    assert dev.includes == ("runtime",)
    # -c of the compiled runtime file is pip-tools layering, not a constraint: one uv.lock
    # keeps the groups in line (the pins stay today's versions through p.locked)
    assert dev.constraints == ()
    assert any(
        d.code == "DET008" and d.origin and d.origin.path == "requirements/dev.in"
        for d in p.diagnostics
    )
    assert p.locked == {"django": "5.0.2", "django-debug-toolbar": "4.3.0"}
    # the compiled file reached through -c is still a requirements file, not a constraints one
    assert p.files_with(FileRole.CONSTRAINTS) == []
    assert "requirements/base.txt" in p.files_with(FileRole.REQUIREMENTS)


def test_test_fixture_folders_are_not_the_service(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "svc",
        {
            "requirements.txt": "flask==3.0.0\n",
            "Dockerfile": "FROM python:3.12-slim\n",
            "tests/fixtures/case/Dockerfile": "FROM python:3.8\n",
            "tests/testdata/docker-compose.yml": "services: {}\n",
        },
    )
    p = detect(root).project
    assert p.files_with(FileRole.DOCKERFILE) == ["Dockerfile"]
    assert p.files_with(FileRole.COMPOSE) == []


def test_nested_services_are_not_walked(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo",
        {
            "requirements.txt": "flask==3.0.0\n",
            "docs/requirements.txt": "sphinx==7.2.6\n",
            "services/api/pyproject.toml": "[project]\nname = 'api'\n",
            "services/api/Dockerfile": "FROM python:3.11\n",
            "services/worker/setup.py": "from setuptools import setup\nsetup()\n",
            "services/worker/deploy/Dockerfile": "FROM python:3.10\n",
            "docker/Dockerfile": "FROM python:3.12-slim\n",
        },
    )
    p = detect(root).project
    assert p.files_with(FileRole.DOCKERFILE) == ["docker/Dockerfile"]
    assert [g.name for g in p.groups] == ["runtime", "docs"]
    assert p.groups[1].files == ("docs/requirements.txt",)
    nested = sorted(str(d.origin) for d in p.diagnostics if d.code == "DET001")
    assert nested == ["services/api/pyproject.toml", "services/worker/setup.py"]


def test_undecodable_files(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "svc", {"requirements.txt": "flask==3.0.0\n"})
    (root / "Dockerfile").write_bytes(b"FROM python:3.12\n# caf\xe9\n")
    p = detect(root).project  # a Dockerfile that is not UTF-8 does not stop detect
    (d,) = [d for d in p.diagnostics if d.code == "DET002"]
    assert d.severity.value == "warning"
    assert str(d.origin) == "Dockerfile:2"

    (root / "requirements-dev.txt").write_bytes(b"pytest==8.0.0  # \xff\n")
    with pytest.raises(InputError) as exc:
        detect(root)
    assert exc.value.path == "requirements-dev.txt"
    tolerant = detect(root, tolerant=True).project
    assert any(
        d.code == "DET002"
        and d.severity.value == "error"
        and d.origin
        and d.origin.path == "requirements-dev.txt"
        for d in tolerant.diagnostics
    )


def test_explicit_dev_file_only_keeps_the_runtime_found_by_name(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "svc",
        {
            "requirements.txt": "flask==3.0.0\n",
            "requirements-dev.txt": "ignored==1.0\n",
            "tools/dev.txt": "-r ../requirements.txt\npytest==8.0.0\n",
        },
    )
    p = detect(root, FileSelection(dev_requirements=("tools/dev.txt",))).project
    assert [(g.name, g.files, g.includes) for g in p.groups] == [
        ("runtime", ("requirements.txt",), ()),
        ("dev", ("tools/dev.txt",), ("runtime",)),
    ]
    assert "ignored" not in p.locked


@pytest.mark.parametrize(
    ("files", "tool"),
    [
        (
            {
                "pyproject.toml": "[tool.poetry]\nname = 'x'\n"
                "[tool.poetry.dependencies]\nflask = '^3.0'\n",
                "poetry.lock": "",
            },
            Tool.POETRY,
        ),
        ({"Pipfile": "[packages]\nflask = '>=3.0,<4.0'\n"}, Tool.PIPENV),
    ],
)
def test_poetry_and_pipenv_declarations_are_read(
    tmp_path: Path, files: dict[str, str], tool: Tool
) -> None:
    p = detect(write_tree(tmp_path / "svc", files)).project
    assert p.tool is tool
    codes = {d.code for d in p.diagnostics}
    assert not {"DET020", "DET021"} & codes
    runtime = p.group("runtime")
    assert runtime is not None
    assert [(r.name, r.specifier) for r in runtime.requirements] == [("flask", ">=3.0,<4.0")]


def test_tool_uv_settings_without_declarations_keep_requirement_groups(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "svc",
        {
            "pyproject.toml": '[tool.uv]\nindex-url = "https://pypi.org/simple"\n'
            "[tool.ruff]\nline-length = 100\n",
            "requirements.txt": "flask==3.0.0\n",
            "requirements-dev.txt": "-r requirements.txt\npytest==8.0.0\n",
        },
    )
    p = detect(root).project
    assert p.tool is Tool.UV
    assert [(g.name, g.files) for g in p.groups] == [
        ("runtime", ("requirements.txt",)),
        ("dev", ("requirements-dev.txt",)),
    ]


def test_pip_project_with_pyproject_extras(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "svc",
        {
            "pyproject.toml": '[project]\nname = "svc"\nversion = "1"\ndependencies = ["flask"]\n'
            '[project.optional-dependencies]\nredis = ["redis>=5"]\n'
            '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n',
            "requirements.txt": "flask==3.0.0\n",
        },
    )
    p = detect(root).project
    assert p.tool is Tool.PIP
    assert p.is_package
    assert [(g.name, g.kind) for g in p.groups] == [
        ("runtime", GroupKind.RUNTIME),
        ("redis", GroupKind.EXTRA),
    ]
    assert p.groups[0].files == ("requirements.txt",)


@pytest.mark.parametrize(
    ("header", "tool"),
    [
        (
            "# This file was autogenerated by uv via the following command:\n"
            "#    uv pip compile requirements.in -o requirements.txt\n",
            Tool.PIP_TOOLS,
        ),
        ("# pinned by hand\n", Tool.PIP),
    ],
)
def test_txt_beside_in_is_the_lock(tmp_path: Path, header: str, tool: Tool) -> None:
    root = write_tree(
        tmp_path / "svc",
        {"requirements.in": "flask\n", "requirements.txt": header + "flask==3.0.0\nclick==8.1.7\n"},
    )
    p = detect(root).project
    assert p.tool is tool
    assert [(g.name, g.files) for g in p.groups] == [("runtime", ("requirements.in",))]
    assert p.locked == {"click": "8.1.7", "flask": "3.0.0"}


def test_git_info_exclude_and_gitignore_with_bom(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "svc",
        {
            "requirements.txt": "flask==3.0.0\n",
            ".git/info/exclude": "scratch/\n",
            "scratch/Dockerfile": "FROM python:3.9\n",
            "old/Dockerfile": "FROM python:3.8\n",
            "Dockerfile": "FROM python:3.12-slim\n",
        },
    )
    (root / ".gitignore").write_bytes(b"\xef\xbb\xbfold/\r\n")
    p = detect(root).project
    assert p.files_with(FileRole.DOCKERFILE) == ["Dockerfile"]


def test_remote_include_is_reported_once(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "svc",
        {"requirements.txt": "-r https://example.com/base.txt\nflask==3.0.0\n"},
    )
    p = detect(root).project
    assert [d.code for d in p.diagnostics] == ["RQ012"]
    assert [r.key for r in p.groups[0].requirements] == ["flask"]


GROUPS = ("runtime", "dev", "test", "docs")


def _file_for(group: str, k: int) -> str:
    if group == "runtime":
        return "requirements.txt" if k == 0 else "requirements/base.txt"
    return f"requirements-{group}.txt" if k == 0 else f"requirements/{group}.txt"


@st.composite
def include_graphs(draw: st.DrawFn) -> list[tuple[str, str, list[int]]]:
    """Files as (path, group, indexes of earlier files it -r includes): always acyclic."""

    slots = draw(
        st.lists(
            st.tuples(st.sampled_from(GROUPS), st.integers(0, 1)),
            min_size=1,
            max_size=6,
            unique=True,
        )
    )
    out = []
    for i, (group, k) in enumerate(slots):
        targets = draw(st.lists(st.integers(0, i - 1), max_size=3, unique=True)) if i else []
        out.append((_file_for(group, k), group, targets))
    return out


@settings(max_examples=40, deadline=None)
@given(include_graphs())
def test_each_requirement_lands_in_its_own_files_group_only(
    graph: list[tuple[str, str, list[int]]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = {}
        for i, (path, _group, targets) in enumerate(graph):
            lines = [
                f"-r {os.path.relpath(graph[t][0], os.path.dirname(path) or '.')}" for t in targets
            ]
            files[path] = "\n".join([*lines, f"pkg{i}==1.0", ""])
        write_tree(root, files)
        p = detect(root).project

    groups = {g.name: g for g in p.groups}
    assert set(groups) == {group for _path, group, _t in graph}
    for i, (_path, group, _targets) in enumerate(graph):
        holders = [g.name for g in p.groups if f"pkg{i}" in names(g.requirements)]
        assert holders == [group]
    for name, g in groups.items():
        expected = {
            graph[t][1]
            for _path, group, targets in graph
            if group == name
            for t in targets
            if graph[t][1] != name
        }
        assert set(g.includes) == expected
    assert p.locked == {f"pkg{i}": "1.0" for i in range(len(graph))}


def test_huge_non_packaging_files_are_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import toolshift.detect

    monkeypatch.setattr(toolshift.detect, "MAX_FILE_BYTES", 1000)
    root = write_tree(tmp_path / "svc", {"requirements.txt": "flask==3.0.0\n"})
    (root / "README.md").write_bytes(b"x" * 2000)
    (root / "uv.lock").write_bytes(b"version = 1\n" + b"# padding\n" * 200)
    d = detect(root)
    assert "README.md" not in d.contents
    assert "uv.lock" in d.contents
    assert [str(x.origin) for x in d.project.diagnostics if x.code == "DET007"] == ["README.md"]


def test_broken_pyproject(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "svc",
        {"pyproject.toml": '[project]\nname = "x\n', "requirements.txt": "flask==3.0.0\n"},
    )
    with pytest.raises(ParseError) as exc:
        detect(root)
    assert exc.value.path == "pyproject.toml"
    assert exc.value.line == 2
    p = detect(root, tolerant=True).project
    assert [str(d.origin) for d in p.diagnostics if d.code == "DET003"] == ["pyproject.toml:2"]
    assert [g.name for g in p.groups] == ["runtime"]
