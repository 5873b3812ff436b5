"""planners.surroundings and its use by plan_to_uv / plan_to_pip: the Dockerfiles, compose
files, CI, ignore files and docs of a project are rewritten in the same plan, ad hoc installs
land in the project's dependencies, and a second run finds nothing left to do."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from toolshift.detect import detect
from toolshift.model import Detected, MigrateOptions, Plan, Severity
from toolshift.planners.surroundings import plan_surroundings
from toolshift.planners.to_uv import plan_to_uv
from toolshift.rewriters import DEFAULT_UV_VERSION

FIXTURE = Path(__file__).parent.parent / "fixtures" / "to_uv" / "surroundings"

DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt && pip install gunicorn==22.0.0
COPY . .
CMD ["gunicorn", "app:app"]
"""


def _project(root: Path, files: dict[str, str | bytes]) -> Detected:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return detect(root)


def _apply(root: Path, plan: Plan) -> None:
    for c in plan.changes:
        path = root / c.path
        if c.new is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(c.new)


def _pyproject(plan: Plan) -> dict[str, object]:
    change = next(c for c in plan.changes if c.path == "pyproject.toml")
    assert change.new is not None
    return tomllib.loads(change.new.decode())


def test_every_surrounding_file_is_in_the_plan(tmp_path: Path) -> None:
    root = tmp_path / "svc"
    shutil.copytree(FIXTURE / "before", root)
    plan = plan_to_uv(detect(root), MigrateOptions("uv", uv_version="0.9.5", python="3.12"))
    paths = {c.path for c in plan.changes}
    assert {
        "Dockerfile",
        ".dockerignore",
        ".github/workflows/test.yml",
        ".gitlab-ci.yml",
        ".gitignore",
        "README.md",
        "Makefile",
    } <= paths
    # no file the plan rewrites is named as still pointing at a deleted requirements file
    assert not [d for d in plan.diagnostics if "still refers to" in d.message]
    by_path = {c.path: c for c in plan.changes}
    assert "TS201" in by_path["Dockerfile"].rules and by_path["Dockerfile"].reasons
    assert b"ghcr.io/astral-sh/uv:0.9.5" in (by_path["Dockerfile"].new or b"")


def test_adhoc_installs_move_into_the_project(tmp_path: Path) -> None:
    root = tmp_path / "svc"
    shutil.copytree(FIXTURE / "before", root)
    plan = plan_to_uv(detect(root), MigrateOptions("uv", uv_version="0.9.5"))
    data = _pyproject(plan)
    project = data["project"]
    assert isinstance(project, dict)
    assert "gunicorn==22.0.0" in project["dependencies"]  # from the Dockerfile: runtime
    groups = data["dependency-groups"]
    assert isinstance(groups, dict)
    assert "pytest-cov" in groups["dev"]  # from CI: the dev group
    notes = [d for d in plan.diagnostics if d.code == "TS208"]
    assert {d.origin.path for d in notes if d.origin} == {
        "Dockerfile",
        ".github/workflows/test.yml",
    }
    assert all("it is now in" in d.message for d in notes), [d.message for d in notes]
    # the rewriters' own "`uv add ...`" advice is gone: toolshift did it
    assert not any("uv add" in d.hint for d in notes)
    dockerfile = next(c for c in plan.changes if c.path == "Dockerfile").new or b""
    assert b"gunicorn==22.0.0" not in dockerfile


def test_adhoc_already_declared_is_not_added_twice(tmp_path: Path) -> None:
    detected = _project(
        tmp_path / "svc",
        {"requirements.txt": "gunicorn==21.2.0\nflask\n", "Dockerfile": DOCKERFILE},
    )
    plan = plan_to_uv(detected, MigrateOptions("uv"))
    deps = _pyproject(plan)["project"]
    assert isinstance(deps, dict)
    assert [d for d in deps["dependencies"] if d.startswith("gunicorn")] == ["gunicorn==21.2.0"]


def test_adhoc_in_the_image_goes_to_runtime_even_when_dev_has_it(tmp_path: Path) -> None:
    # the image installs --no-dev: a dev-group entry would not reach it
    detected = _project(
        tmp_path / "svc",
        {
            "requirements.txt": "flask\n",
            "requirements-dev.txt": "gunicorn==22.0.0\n",
            "Dockerfile": DOCKERFILE,
        },
    )
    deps = _pyproject(plan_to_uv(detected, MigrateOptions("uv")))["project"]
    assert isinstance(deps, dict)
    assert "gunicorn==22.0.0" in deps["dependencies"]


def test_disabled_ts208_keeps_the_install_line(tmp_path: Path) -> None:
    detected = _project(tmp_path / "svc", {"requirements.txt": "flask\n", "Dockerfile": DOCKERFILE})
    plan = plan_to_uv(detected, MigrateOptions("uv", disabled_rules=frozenset({"TS208"})))
    deps = _pyproject(plan)["project"]
    assert isinstance(deps, dict)
    assert not [d for d in deps["dependencies"] if d.startswith("gunicorn")]
    docker = [c for c in plan.changes if c.path == "Dockerfile"]
    # nothing may vanish: the Dockerfile keeps installing gunicorn (here: left alone)
    assert not docker or b"gunicorn==22.0.0" in (docker[0].new or b"")
    assert any("TS208 is disabled" in d.message for d in plan.diagnostics)


def test_disabled_rules_leave_their_files_alone(tmp_path: Path) -> None:
    detected = _project(
        tmp_path / "svc",
        {"requirements.txt": "flask\n", ".gitignore": "*.pyc\n", ".dockerignore": ".git\n"},
    )
    plan = plan_to_uv(detected, MigrateOptions("uv", disabled_rules=frozenset({"TS304"})))
    paths = {c.path for c in plan.changes}
    assert ".gitignore" not in paths and ".dockerignore" in paths


def test_bom_and_crlf_are_kept(tmp_path: Path) -> None:
    readme = "\ufeff# svc\r\n\r\n```bash\r\npip install -r requirements.txt\r\n```\r\n"
    detected = _project(
        tmp_path / "svc",
        {
            "requirements.txt": "flask\n",
            "README.md": readme.encode("utf-8"),
            "Dockerfile": DOCKERFILE.replace("\n", "\r\n").encode(),
        },
    )
    plan = plan_to_uv(detected, MigrateOptions("uv"))
    by_path = {c.path: c.new or b"" for c in plan.changes}
    assert by_path["README.md"].startswith(b"\xef\xbb\xbf# svc\r\n")
    assert b"uv sync --locked" in by_path["README.md"]
    for path in ("README.md", "Dockerfile"):
        assert b"\n" not in by_path[path].replace(b"\r\n", b""), path


def test_uv_version_from_options_or_the_default(tmp_path: Path) -> None:
    detected = _project(tmp_path / "svc", {"requirements.txt": "flask\n", "Dockerfile": DOCKERFILE})
    for given, pinned in (("0.9.5", "0.9.5"), (None, DEFAULT_UV_VERSION)):
        around = plan_surroundings(detected, MigrateOptions("uv", uv_version=given), "uv")
        (docker,) = [c for c in around.changes if c.path == "Dockerfile"]
        assert f"ghcr.io/astral-sh/uv:{pinned} ".encode() in (docker.new or b"")


def test_python_matrix_left_behind_is_a_warning(tmp_path: Path) -> None:
    root = tmp_path / "svc"
    shutil.copytree(FIXTURE / "before", root)
    plan = plan_to_uv(detect(root), MigrateOptions("uv", python="3.12"))
    warned = {
        d.origin.path
        for d in plan.diagnostics
        if d.code == "TS212" and d.severity is Severity.WARNING and d.origin
    }
    assert warned == {".github/workflows/test.yml", ".gitlab-ci.yml"}
    # what --python can align, it did
    docker = next(c for c in plan.changes if c.path == "Dockerfile").new or b""
    assert b"FROM python:3.12-slim" in docker
    assert next(c for c in plan.changes if c.path == ".python-version").new == b"3.12\n"


def test_the_migrated_surroundings_are_a_fixed_point(tmp_path: Path) -> None:
    root = tmp_path / "svc"
    shutil.copytree(FIXTURE / "before", root)
    options = MigrateOptions("uv", uv_version="0.9.5", python="3.12")
    _apply(root, plan_to_uv(detect(root), options))
    assert not plan_surroundings(detect(root), options, "uv").changes


@pytest.mark.parametrize("mode", ["multistage", "minimal"])
def test_docker_mode_reaches_the_rewriter(tmp_path: Path, mode: str) -> None:
    detected = _project(
        tmp_path / "svc",
        {
            "requirements.txt": "flask\n",
            "Dockerfile": DOCKERFILE.replace(" && pip install gunicorn==22.0.0", ""),
        },
    )
    around = plan_surroundings(detected, MigrateOptions("uv", docker=mode), "uv")
    (docker,) = [c for c in around.changes if c.path == "Dockerfile"]
    assert (b" AS builder" in (docker.new or b"")) is (mode == "multistage")


# --------------------------------------------------------------------------- --to pip

UV_DOCKERFILE = """\
FROM python:3.12-slim
COPY --from=ghcr.io/astral-sh/uv:0.9.5 /uv /uvx /bin/
WORKDIR /app
RUN --mount=type=cache,target=/root/.cache/uv \\
    --mount=type=bind,source=uv.lock,target=uv.lock \\
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \\
    uv sync --locked --no-install-project --no-dev
COPY . .
RUN uv sync --locked --no-dev
CMD ["uv", "run", "python", "-m", "orders"]
"""

UV_WORKFLOW = """\
name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: astral-sh/setup-uv@v6
        with:
          version: "0.9.5"
          enable-cache: true
      - run: uv sync --locked --group test
      - run: uv run pytest
"""


def _uv_project(root: Path) -> Detected:
    shutil.copytree(Path(__file__).parent.parent / "fixtures" / "to_pip" / "groups" / "input", root)
    return _project(
        root,
        {
            "Dockerfile": UV_DOCKERFILE,
            ".github/workflows/ci.yml": UV_WORKFLOW,
            ".dockerignore": ".git\n.venv\n",
        },
    )


def test_to_pip_rewrites_the_surroundings(tmp_path: Path) -> None:
    from toolshift.planners.to_pip import plan_to_pip

    root = tmp_path / "svc"
    plan = plan_to_pip(_uv_project(root), MigrateOptions("pip"))
    by_path = {c.path: (c.new or b"").decode() for c in plan.changes}
    docker = by_path["Dockerfile"]
    assert "pip install --no-cache-dir -r requirements.txt" in docker
    assert "uv" not in docker.replace("UV_", "").lower().replace("uvicorn", "")
    assert 'CMD ["python", "-m", "orders"]' in docker
    ci = by_path[".github/workflows/ci.yml"]
    assert "actions/setup-python" in ci and "uv " not in ci
    # uv sync installs the dev group by default, --group test on top: files this plan writes
    assert "pip install -r requirements-dev.txt -r requirements-test.txt" in ci
    assert {"requirements-dev.txt", "requirements-test.txt"} <= set(by_path)
    assert ".toolshift" in by_path[".dockerignore"].splitlines()
    assert all(c.rules and c.reasons for c in plan.changes)
    _apply(root, plan)
    again = plan_surroundings(detect(root), MigrateOptions("pip"), "pip")
    assert not again.changes, [c.path for c in again.changes]


def test_to_pip_places_adhoc_packages_in_the_requirements_files() -> None:
    from toolshift.model import Origin
    from toolshift.planners import to_pip
    from toolshift.renderers.requirements import Entry, RequirementsDoc
    from toolshift.rewriters import AdhocPackage

    ctx = to_pip._Context.__new__(to_pip._Context)
    ctx.diagnostics = []
    files = [
        to_pip._File(
            "requirements.txt", RequirementsDoc(("h",), (), (Entry("flask", "flask==3"),))
        ),
        to_pip._File("requirements-dev.txt", RequirementsDoc(("h",), ("-r requirements.txt",))),
    ]
    adhoc = (
        AdhocPackage("gunicorn==22.0.0", origin=Origin("Dockerfile", 4)),
        AdhocPackage("flask", origin=Origin("Dockerfile", 5)),  # listed already
        AdhocPackage("pytest-cov", dev=True, origin=Origin("ci.yml", 9)),
    )
    out, placed = to_pip._place_adhoc(ctx, files, adhoc)
    assert [e.text for e in out[0].doc.entries] == ["flask==3", "gunicorn==22.0.0"]
    assert [e.text for e in out[1].doc.entries] == ["pytest-cov"]
    assert [p.requirement for p in placed] == ["gunicorn==22.0.0", "pytest-cov"]
    assert [d.code for d in ctx.diagnostics] == ["TS208", "TS208"]


def test_a_folder_name_ending_in_underscore_gives_a_valid_project_name(tmp_path: Path) -> None:
    detected = _project(tmp_path / "svc_", {"requirements.txt": "flask\n"})
    project = _pyproject(plan_to_uv(detected, MigrateOptions("uv")))["project"]
    assert isinstance(project, dict)
    assert project["name"] == "svc"


@pytest.mark.parametrize(
    ("python", "severity"), [("3.12", Severity.INFO), ("3.9", Severity.WARNING), ("3.10", None)]
)
def test_requires_python_kept_as_written_is_said(
    tmp_path: Path, python: str, severity: Severity | None
) -> None:
    pyproject = '[project]\nname = "rp"\nversion = "1"\nrequires-python = ">=3.10"\n'
    detected = _project(
        tmp_path / "svc", {"pyproject.toml": pyproject, "requirements.txt": "flask\n"}
    )
    plan = plan_to_uv(detected, MigrateOptions("uv", python=python))
    notes = [d for d in plan.diagnostics if "requires-python = '>=3.10'" in d.message]
    assert [d.severity for d in notes] == ([severity] if severity else [])


@pytest.mark.parametrize("direction", ["uv", "pip"])
def test_a_dockerignore_is_created_where_copy_dot_would_ship_the_journal(
    tmp_path: Path, direction: str
) -> None:
    detected = _project(
        tmp_path / "svc",
        {
            "requirements.txt": "flask\n",
            "Dockerfile": DOCKERFILE,  # COPY . .
            "worker/Dockerfile": "FROM python:3.12-slim\nCOPY app.py /app/\n",  # copies a file
        },
    )
    around = plan_surroundings(detected, MigrateOptions(direction), direction)
    created = [c for c in around.changes if c.old is None]
    assert [c.path for c in created] == [".dockerignore"]
    assert ".toolshift" in (created[0].new or b"").decode().splitlines()
    assert created[0].rules == ("TS207",) and created[0].reasons
    off = MigrateOptions(direction, disabled_rules=frozenset({"TS207"}))
    assert not [c for c in plan_surroundings(detected, off, direction).changes if c.old is None]


def test_a_dockerfile_that_stops_installing_the_dependencies_is_flagged(tmp_path: Path) -> None:
    # a layout the uv -> pip rewriter does not follow: its `uv sync` goes, no pip install -r
    # comes; the plan must say so rather than ship an image without its dependencies
    docker = (
        "FROM python:3.12-slim\nWORKDIR /app\n"
        "COPY --from=ghcr.io/astral-sh/uv:0.9.5 /uv /bin/\n"
        "RUN uv pip install --system gunicorn\nCOPY . .\nRUN uv sync --locked\n"
    )
    detected = _project(
        tmp_path / "svc",
        {"pyproject.toml": '[project]\nname = "s"\nversion = "1"\n', "Dockerfile": docker},
    )
    around = plan_surroundings(detected, MigrateOptions("pip"), "pip")
    new = next(c for c in around.changes if c.path == "Dockerfile").new or b""
    lost = [d for d in around.diagnostics if "no longer does" in d.message]
    assert (b"-r requirements" in new) or lost
    # and a rewrite that keeps installing is not flagged
    fine = _project(tmp_path / "ok", {"requirements.txt": "flask\n", "Dockerfile": DOCKERFILE})
    assert not [
        d
        for d in plan_surroundings(fine, MigrateOptions("uv"), "uv").diagnostics
        if "no longer does" in d.message
    ]


def test_a_dockerfile_left_installing_with_pip_is_not_flagged(tmp_path: Path) -> None:
    # no WORKDIR: the install is left alone, only the base image is aligned (--python)
    docker = "FROM python:3.11-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    detected = _project(tmp_path / "svc", {"requirements.txt": "flask\n", "Dockerfile": docker})
    around = plan_surroundings(detected, MigrateOptions("uv", python="3.12"), "uv")
    assert any(c.path == "Dockerfile" for c in around.changes)
    assert not [d for d in around.diagnostics if "no longer does" in d.message]


def test_already_on_uv_names_the_files_still_the_pip_way(tmp_path: Path) -> None:
    pyproject = '[project]\nname = "s"\nversion = "1"\ndependencies = ["flask"]\n[tool.uv]\n'
    detected = _project(
        tmp_path / "svc",
        {"pyproject.toml": pyproject, "requirements.txt": "flask\n", "Dockerfile": DOCKERFILE},
    )
    plan = plan_to_uv(detected, MigrateOptions("uv", lock=False))
    assert plan.empty  # nothing is rewritten on a uv project
    (note,) = [d for d in plan.diagnostics if d.code == "TS205"]
    assert "Dockerfile" in note.message and note.severity is Severity.INFO


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fastapi-service"


def _matrix_warnings(plan: Plan) -> list[tuple[str, int, str]]:
    return [
        (d.origin.path, d.origin.line, d.hint)
        for d in plan.diagnostics
        if d.code == "TS212" and "requires-python" in d.message and d.origin
    ]


def test_a_ci_matrix_version_requires_python_excludes_is_a_warning(tmp_path: Path) -> None:
    """The example: matrix 3.11/3.12, .python-version 3.12 -> requires-python >=3.12, so
    `uv sync --locked` fails on the 3.11 job."""

    root = tmp_path / "svc"
    shutil.copytree(EXAMPLE, root)
    plan = plan_to_uv(detect(root), MigrateOptions("uv", lock=False))
    assert _pyproject(plan)["project"]["requires-python"] == ">=3.12"  # type: ignore[index]
    found = _matrix_warnings(plan)
    assert [(p, ln) for p, ln, _ in found] == [(".github/workflows/ci.yml", 13)]
    warning = next(d for d in plan.diagnostics if "requires-python" in d.message)
    assert warning.severity is Severity.WARNING and "3.11" in warning.message
    assert "--python 3.11" in found[0][2] and "drop 3.11" in found[0][2]


def test_a_ci_matrix_inside_requires_python_is_not_a_warning(tmp_path: Path) -> None:
    root = tmp_path / "svc"
    shutil.copytree(EXAMPLE, root)
    plan = plan_to_uv(detect(root), MigrateOptions("uv", lock=False, python="3.11"))
    assert _pyproject(plan)["project"]["requires-python"] == ">=3.11"  # type: ignore[index]
    assert _matrix_warnings(plan) == []
