"""migrate --to uv on project shapes teams really have (found in an end-to-end QA pass):
each test is a defect a user hit, planned through the real ``detect``."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from toolshift.detect import detect
from toolshift.model import MigrateOptions, Plan
from toolshift.planners.to_uv import plan_to_uv


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, text in files.items():
        full = root / rel
        full.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            full.write_bytes(text)
        else:
            full.write_text(text)
    return root


def plan(root: Path, **kw: object) -> Plan:
    return plan_to_uv(detect(root), MigrateOptions(target="uv", **kw))  # type: ignore[arg-type]


def new_text(p: Plan, path: str) -> str:
    for c in p.changes:
        if c.path == path:
            assert c.new is not None, f"{path} is deleted"
            return c.new.decode("utf-8-sig")
    raise AssertionError(f"no change for {path}")


def changed(p: Plan) -> dict[str, bool]:
    """path -> still exists after the plan."""
    return {c.path: c.new is not None for c in p.changes}


# --------------------------------------------------------------------------- -e . (the project)

PACKAGE = """[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "billing"
version = "2.0.1"
"""


def test_editable_install_of_the_project_itself_is_not_a_dependency(tmp_path: Path) -> None:
    # `-e .` in requirements-dev.txt made a "" dependency and `"" = {path = "."}`: uv lock
    # failed on the pyproject toolshift wrote and the whole migration rolled back.
    root = write(
        tmp_path / "billing",
        {
            "pyproject.toml": PACKAGE,
            "requirements.txt": "alpha==1.1.0\n",
            "requirements-dev.txt": "-r requirements.txt\n-e .\ndevtool==3.0\n",
            "src/billing/__init__.py": "",
        },
    )
    p = plan(root)
    data = tomllib.loads(new_text(p, "pyproject.toml"))
    assert data["dependency-groups"]["dev"] == ["devtool==3.0"]
    assert data["project"]["dependencies"] == ["alpha==1.1.0"]
    assert "sources" not in data.get("tool", {}).get("uv", {})
    assert any(
        d.code == "TS105"
        and "project itself" in d.message
        and d.origin
        and d.origin.path == "requirements-dev.txt"
        for d in p.diagnostics
    )


def test_editable_project_with_extras_and_file_url_forms(tmp_path: Path) -> None:
    root = write(
        tmp_path / "billing",
        {
            "pyproject.toml": PACKAGE + '\n[project.optional-dependencies]\ntest = ["delta"]\n',
            "requirements.txt": "alpha==1.1.0\n-e file:.\n",
            "requirements-dev.txt": "-e .[test]\ndevtool==3.0\n",
        },
    )
    p = plan(root)
    data = tomllib.loads(new_text(p, "pyproject.toml"))
    assert data["project"]["dependencies"] == ["alpha==1.1.0"]
    # `-e .[test]` in a group file: the group installs the project's extra (uv resolves
    # billing[test] from the project itself); it was dropped, with a hint to pass --extra test
    assert data["dependency-groups"]["dev"] == ["billing[test]", "devtool==3.0"]
    assert any("billing[test]" in d.message for d in p.diagnostics)


# --------------------------------------------------------------------------- setuptools packages

SETUP_CFG = """[metadata]
name = order-service
version = 1.4.0

[options]
packages = find:
"""


def test_setup_cfg_package_keeps_its_name_version_and_is_built(tmp_path: Path) -> None:
    # The new [project] said name = "<folder>", version = "0.1.0": setuptools reads [project]
    # first, so the package was renamed, and with no [build-system] uv did not install it.
    root = write(
        tmp_path / "svc-folder",
        {
            "setup.cfg": SETUP_CFG,
            "setup.py": "from setuptools import setup\nsetup()\n",
            "requirements.txt": "alpha==1.1.0\n",
            "requirements-dev.txt": "-e .\ndevtool==3.0\n",
        },
    )
    data = tomllib.loads(new_text(plan(root), "pyproject.toml"))
    assert data["project"]["name"] == "order-service"
    assert data["project"]["version"] == "1.4.0"
    assert data["build-system"]["build-backend"] == "setuptools.build_meta"
    assert any(r.startswith("setuptools") for r in data["build-system"]["requires"])
    assert "package" not in data.get("tool", {}).get("uv", {})


def test_setup_py_with_a_computed_version_leaves_the_version_dynamic(tmp_path: Path) -> None:
    root = write(
        tmp_path / "svc",
        {
            "setup.py": "from setuptools import setup\n"
            "from svc import __version__\n"
            "setup(\n    name='svc-core',\n    version=__version__,\n    packages=['svc'],\n)\n",
            "requirements.txt": "alpha==1.1.0\n",
        },
    )
    data = tomllib.loads(new_text(plan(root), "pyproject.toml"))
    assert data["project"]["name"] == "svc-core"
    assert "version" not in data["project"]
    assert data["project"]["dynamic"] == ["version"]
    assert data["build-system"]["build-backend"] == "setuptools.build_meta"


def test_existing_build_system_is_not_touched(tmp_path: Path) -> None:
    root = write(
        tmp_path / "svc",
        {
            "pyproject.toml": '[build-system]\nrequires = ["flit_core"]\n'
            'build-backend = "flit_core.buildapi"\n',
            "setup.cfg": SETUP_CFG,
            "requirements.txt": "alpha==1.1.0\n",
        },
    )
    data = tomllib.loads(new_text(plan(root), "pyproject.toml"))
    assert data["build-system"] == {
        "requires": ["flit_core"],
        "build-backend": "flit_core.buildapi",
    }
    assert data["project"]["name"] == "order-service"


# --------------------------------------------------------------------------- pip-tools layering

COMPILED = "#\n# This file is autogenerated by pip-compile with Python 3.11\n#\n"


def pip_tools_project(root: Path, dev_txt_extra: str = "") -> Path:
    return write(
        root,
        {
            "requirements.in": "beta\n",
            "requirements.txt": COMPILED
            + "alpha==1.1.0\n    # via beta\nbeta==1.0\n    # via -r requirements.in\n",
            "requirements-dev.in": "-c requirements.txt\ndevtool\n",
            "requirements-dev.txt": COMPILED
            + "devtool==3.0\n    # via -r requirements-dev.in\n"
            + dev_txt_extra,
        },
    )


def test_layered_constraint_on_the_compiled_runtime_file_is_not_a_permanent_pin(
    tmp_path: Path,
) -> None:
    # `-c requirements.txt` in requirements-dev.in (pip-tools' layered workflow) became
    # constraint-dependencies pinning every runtime package forever: `uv lock --upgrade`
    # could no longer move anything.
    root = pip_tools_project(tmp_path / "svc")
    det = detect(root)
    p = plan_to_uv(det, MigrateOptions(target="uv"))
    data = tomllib.loads(new_text(p, "pyproject.toml"))
    assert "constraint-dependencies" not in data.get("tool", {}).get("uv", {})
    assert data["dependency-groups"]["dev"] == ["devtool"]
    # today's versions are still kept, as lock preferences
    assert det.project.locked["alpha"] == "1.1.0" and det.project.locked["beta"] == "1.0"
    assert any(
        "one uv.lock" in d.message and d.origin and d.origin.path == "requirements-dev.in"
        for d in p.diagnostics
    )
    assert not changed(p)["requirements.txt"]


def test_a_real_constraints_file_still_becomes_constraint_dependencies(tmp_path: Path) -> None:
    root = pip_tools_project(tmp_path / "svc")
    (root / "requirements-dev.in").write_text("-c constraints.txt\ndevtool\n")
    (root / "constraints.txt").write_text("alpha<2\n")
    data = tomllib.loads(new_text(plan(root), "pyproject.toml"))
    assert data["tool"]["uv"]["constraint-dependencies"] == ["alpha<2"]


def test_compiled_lines_the_in_file_does_not_declare_are_reported(tmp_path: Path) -> None:
    # A VCS line and a pin added by hand to the compiled file were dropped without a word.
    root = pip_tools_project(
        tmp_path / "svc",
        "git+https://github.com/org/vcslib@v1#egg=vcslib\nprivpkg==0.3.0\n",
    )
    p = plan(root)
    found = [d for d in p.diagnostics if d.origin and d.origin.path == "requirements-dev.txt"]
    lines = {d.origin.line: d for d in found if d.origin}
    assert 6 in lines and "vcslib" in lines[6].message
    assert 7 in lines and "privpkg" in lines[7].message
    assert all("requirements-dev.in" in d.message for d in lines.values())
    # transitive pins annotated by pip-compile are not reported
    assert not any(
        d.origin and d.origin.path == "requirements.txt" and "alpha" in d.message
        for d in p.diagnostics
    )


# --------------------------------------------------------------------------- files still needed

# --root: uv pip install has none, so this step is left alone (--prefix is translated: see
# tests/rewriters/test_dockerfile_prefix.py)
PREFIX_DOCKERFILE = """FROM python:3.11-slim AS builder
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir --root=/install -r requirements.txt

FROM python:3.11-slim
COPY --from=builder /install /
COPY . /app
CMD ["python", "-m", "svc"]
"""


def test_a_requirements_file_a_left_alone_dockerfile_installs_is_kept(tmp_path: Path) -> None:
    # The Dockerfile step (--root, which uv cannot do) was left alone but
    # requirements.txt was deleted: `docker build` failed at COPY requirements.txt.
    root = write(
        tmp_path / "svc",
        {
            "requirements.txt": "-r requirements/base.txt\n",
            "requirements/base.txt": "alpha==1.1.0\n",
            "requirements-dev.txt": "-r requirements.txt\ndevtool==3.0\n",
            "Dockerfile": PREFIX_DOCKERFILE,
            ".python-version": "3.11\n",
        },
    )
    p = plan(root)
    after = changed(p)
    assert "requirements.txt" not in after and "requirements/base.txt" not in after
    assert after["requirements-dev.txt"] is False  # nothing else needs it: deleted
    data = tomllib.loads(new_text(p, "pyproject.toml"))
    assert data["project"]["dependencies"] == ["alpha==1.1.0"]
    kept = [d for d in p.diagnostics if d.code == "TS107" and "kept" in d.message]
    assert kept and kept[0].origin and kept[0].origin.path == "Dockerfile"
    assert "uv export" in kept[0].hint


def test_a_dockerfile_that_is_rewritten_does_not_keep_the_file(tmp_path: Path) -> None:
    root = write(
        tmp_path / "svc",
        {
            "requirements.txt": "alpha==1.1.0\n",
            "Dockerfile": "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
            "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n"
            'CMD ["python", "-m", "svc"]\n',
            ".python-version": "3.11\n",
        },
    )
    p = plan(root)
    assert changed(p)["requirements.txt"] is False
    assert "requirements.txt" not in new_text(p, "Dockerfile")


# --------------------------------------------------------------------------- end to end


@pytest.mark.slow
def test_pip_tools_service_keeps_every_version_through_lock_and_undo(
    tmp_path: Path, wheelhouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A constraints file with a floor (alpha>=1.1) beside the compiled pin alpha==1.1.0: the
    # lock's temporary pin was merged away and alpha moved to 2.0.0.
    from toolshift.cli.main import main
    from toolshift.locking import read_lock_versions

    root = pip_tools_project(tmp_path / "svc")
    (root / "requirements.in").write_text("-c constraints.txt\nbeta\n")
    (root / "constraints.txt").write_text("# security floor\nalpha>=1.1\n")
    before = {p.name: p.read_bytes() for p in root.iterdir()}
    args = ["migrate", "--to", "uv", str(root), "--yes", "--offline", "--python", "3.11"]
    assert main([*args, "--find-links", str(wheelhouse)]) == 0
    out = capsys.readouterr().out
    versions = read_lock_versions((root / "uv.lock").read_text())
    assert versions["alpha"] == "1.1.0" and versions["beta"] == "1.0", out
    assert "moved" not in out
    data = tomllib.loads((root / "pyproject.toml").read_text())
    assert data["tool"]["uv"]["constraint-dependencies"] == ["alpha>=1.1"]
    assert main(["migrate", "--to", "uv", str(root), "--check"]) == 0
    assert main(["undo", str(root), "--yes"]) == 0
    after = {p.name: p.read_bytes() for p in root.iterdir() if p.name != ".toolshift"}
    assert after == before


# --------------------------------------------------------------------------- Python version


def test_requires_python_does_not_exclude_the_python_the_image_runs(tmp_path: Path) -> None:
    # .python-version 3.13 (a developer's choice) and python:3.12-slim in the Dockerfile:
    # requires-python = ">=3.13" made `uv sync --locked` fail in the image build.
    root = write(
        tmp_path / "svc",
        {
            "requirements.txt": "alpha==1.1.0\n",
            ".python-version": "3.13\n",
            "Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
            'RUN pip install -r requirements.txt\nCOPY . .\nCMD ["python", "app.py"]\n',
        },
    )
    p = plan(root)
    data = tomllib.loads(new_text(p, "pyproject.toml"))
    assert data["project"]["requires-python"] == ">=3.12"
    assert ".python-version" not in changed(p)  # the developers' choice stays
    [note] = [d for d in p.diagnostics if "deployed" in d.message]
    assert "Dockerfile:1" in note.message and "--python 3.13" in note.hint
    # asked for explicitly, it is what the user says
    p = plan(root, python="3.13")
    assert tomllib.loads(new_text(p, "pyproject.toml"))["project"]["requires-python"] == ">=3.13"


def test_a_rewritten_readme_that_still_names_a_deleted_file_is_reported(tmp_path: Path) -> None:
    # The README's code block was translated, so the file counted as handled, and the prose
    # line that still told people to `pip freeze > requirements.txt` went unmentioned.
    root = write(
        tmp_path / "svc",
        {
            "requirements.txt": "alpha==1.1.0\n",
            ".python-version": "3.11\n",
            "README.md": "# svc\n\n```bash\npip install -r requirements.txt\n```\n\n"
            "Add a dependency: `pip install foo && pip freeze > requirements.txt`.\n",
        },
    )
    p = plan(root)
    assert "uv sync --locked" in new_text(p, "README.md")
    [warning] = [d for d in p.diagnostics if "still refers" in d.message]
    assert warning.origin is not None and (warning.origin.path, warning.origin.line) == (
        "README.md",
        7,
    )


def test_a_requirements_file_setup_py_reads_is_kept(tmp_path: Path) -> None:
    # setup.py read requirements.txt for install_requires; the file was deleted, so building
    # the package (uv sync installs it) failed with FileNotFoundError.
    root = write(
        tmp_path / "svc",
        {
            "requirements.txt": "alpha==1.1.0\n",
            "setup.py": "from setuptools import setup\n\nwith open('requirements.txt') as f:\n"
            "    reqs = f.read().splitlines()\n\n"
            "setup(name='svc', version='1.0', install_requires=reqs)\n",
        },
    )
    p = plan(root)
    assert "requirements.txt" not in changed(p)
    assert tomllib.loads(new_text(p, "pyproject.toml"))["project"]["dependencies"] == [
        "alpha==1.1.0"
    ]
    [kept] = [d for d in p.diagnostics if "kept requirements.txt" in d.message]
    assert kept.origin is not None and kept.origin.path == "setup.py"


def test_diff_never_prints_a_credential(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from toolshift.cli.main import main

    root = write(
        tmp_path / "svc",
        {
            "requirements.txt": "--index-url https://deploy:s3cr3tT0ken@pypi.corp.example/simple\n"
            "alpha==1.1.0\n",
            ".python-version": "3.11\n",
        },
    )
    assert main(["migrate", "--to", "uv", str(root), "--diff"]) == 0
    captured = capsys.readouterr()
    assert "s3cr3tT0ken" not in captured.out + captured.err


def test_an_index_url_that_is_only_a_variable_is_not_written(tmp_path: Path) -> None:
    # `--index-url ${PIP_INDEX_URL}` became url = "${PIP_INDEX_URL}": uv does not expand it,
    # so uv lock failed and the migration rolled back with uv's puzzling URL error.
    root = write(
        tmp_path / "svc",
        {
            "requirements.txt": "--index-url ${PIP_INDEX_URL}\n--extra-index-url $EXTRA_URL\n"
            "--extra-index-url https://${NEXUS_HOST}/simple\nalpha==1.1.0\n",
            ".python-version": "3.11\n",
        },
    )
    p = plan(root)
    text = new_text(p, "pyproject.toml")
    assert "PIP_INDEX_URL" not in text and "EXTRA_URL" not in text
    assert "tool.uv.index" not in text
    hints = [d.hint for d in p.diagnostics if "comes from the environment" in d.message]
    assert any("UV_DEFAULT_INDEX=$PIP_INDEX_URL" in h for h in hints)
    assert any("UV_INDEX=$EXTRA_URL" in h for h in hints)
    assert len(hints) == 3
    assert "NEXUS_HOST" not in text


def test_find_links_under_project_root_is_a_relative_folder(tmp_path: Path) -> None:
    root = write(
        tmp_path / "svc",
        {
            "requirements.txt": "--find-links ${PROJECT_ROOT}/wheels\nalpha==1.1.0\n",
            ".python-version": "3.11\n",
        },
    )
    data = tomllib.loads(new_text(plan(root), "pyproject.toml"))
    assert data["tool"]["uv"]["index"] == [{"name": "wheels", "url": "./wheels", "format": "flat"}]


def test_compiled_absolute_path_of_a_declared_editable_is_not_reported(tmp_path: Path) -> None:
    root = pip_tools_project(tmp_path / "svc", "-e file:///home/dev/svc/libs/shared\n")
    (root / "requirements-dev.in").write_text("-c requirements.txt\ndevtool\n-e ./libs/shared\n")
    p = plan(root)
    assert not [d for d in p.diagnostics if d.code == "DET009"]


def test_a_setup_py_only_package_says_why_it_is_not_migrated(tmp_path: Path) -> None:
    root = write(
        tmp_path / "legacy",
        {
            "setup.py": "from setuptools import setup\n"
            "setup(name='legacy', version='2.1', install_requires=['alpha>=1.0'])\n",
        },
    )
    p = plan(root)
    assert not p.changes
    [warning] = [d for d in p.diagnostics if d.code == "TS101"]
    assert "install_requires" in warning.message and warning.origin is not None
    assert warning.origin.path == "setup.py"


def test_setup_py_install_requires_stay_dynamic_beside_dev_requirements(tmp_path: Path) -> None:
    # setup.py held install_requires, requirements-dev.txt the dev tools: the new [project]
    # said dependencies = [], setuptools took that over install_requires, and the package
    # lost every runtime dependency without a word.
    root = write(
        tmp_path / "svc",
        {
            "setup.py": "from setuptools import setup\nsetup(name='svc', version='1.0',\n"
            "      install_requires=['alpha>=1.0'], extras_require={'fast': ['gamma']})\n",
            "requirements-dev.txt": "devtool==3.0\n",
        },
    )
    p = plan(root)
    data = tomllib.loads(new_text(p, "pyproject.toml"))
    assert "dependencies" not in data["project"]
    assert data["project"]["dynamic"] == ["dependencies", "optional-dependencies"]
    assert data["dependency-groups"]["dev"] == ["devtool==3.0"]
    assert any("install_requires" in d.message for d in p.diagnostics)


def test_a_remote_include_stops_the_migration(tmp_path: Path) -> None:
    # `-r https://.../requirements.txt` was an info note, then requirements.txt was deleted:
    # everything the shared remote file listed was no longer installed.
    from toolshift.errors import ParseError

    root = write(
        tmp_path / "svc",
        {
            "requirements.txt": "-r https://raw.example.com/org/common/requirements.txt\n"
            "alpha==1.1.0\n",
            ".python-version": "3.11\n",
        },
    )
    with pytest.raises(ParseError) as err:
        plan(root)
    assert err.value.path == "requirements.txt" and err.value.line == 1
    assert "download it into the project" in (err.value.hint or "")
    # kept requirements files keep including it: nothing is lost then
    assert plan(root, keep_requirements=True).changes


def test_a_variable_in_a_version_stops_at_file_line(tmp_path: Path) -> None:
    # `alpha==${ALPHA_VERSION}` went into [project] as written; uv lock failed with a
    # setuptools traceback about pep508, and the migration rolled back.
    from toolshift.errors import ParseError

    root = write(
        tmp_path / "svc",
        {"requirements.txt": "beta==1.0\nalpha==${ALPHA_VERSION}\n", ".python-version": "3.11\n"},
    )
    with pytest.raises(ParseError) as err:
        plan(root)
    assert (err.value.path, err.value.line) == ("requirements.txt", 2)


def test_pipfile_scripts_are_named_in_the_warning(tmp_path: Path) -> None:
    # `pipenv run start` in a Dockerfile becomes `uv run start`, which runs a *command* named
    # start: the warning must name the scripts so the user can fix those lines
    root = write(
        tmp_path / "svc",
        {
            "Pipfile": '[packages]\nalpha = "==1.1.0"\n\n[scripts]\nstart = "python app.py"\n',
            "Dockerfile": "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\n"
            "RUN pip install pipenv && pipenv install --system --deploy\n"
            'CMD ["pipenv", "run", "start"]\n',
        },
    )
    p = plan(root)
    [warning] = [d for d in p.diagnostics if d.code == "PE002"]
    assert "start = 'python app.py'" in warning.message and "uv run" in warning.message


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("tox.ini", "[testenv]\ndeps = -rrequirements-dev.txt\ncommands = pytest\n"),
        ("tox.ini", "[testenv]\ndeps =\n    -r{toxinidir}/requirements-dev.txt\n"),
        ("noxfile.py", 'def tests(session):\n    session.install("-r", "requirements-dev.txt")\n'),
    ],
)
def test_a_requirements_file_tox_or_nox_installs_from_is_kept_and_said(
    tmp_path: Path, name: str, text: str
) -> None:
    # tox.ini was not read: requirements-dev.txt was deleted and every tox run failed on it.
    root = write(
        tmp_path / "svc",
        {
            "requirements.txt": "alpha==1.1.0\n",
            "requirements-dev.txt": "-r requirements.txt\ndevtool==3.0\n",
            ".python-version": "3.11\n",
            name: text,
        },
    )
    p = plan(root)
    gone = {c.path for c in p.changes if c.new is None}
    assert "requirements-dev.txt" not in gone and "requirements.txt" not in gone
    kept = [d for d in p.diagnostics if d.message.startswith("kept requirements-dev.txt")]
    assert kept and kept[0].origin is not None and kept[0].origin.path == name
    assert name not in {c.path for c in p.changes}  # read, never rewritten
