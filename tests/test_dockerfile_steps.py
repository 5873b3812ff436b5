"""dockerfile_steps: which RUN commands count as Python install steps (pure), and verify
executing them before and after a migration against the local wheelhouse (slow, offline)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from toolshift.dockerfile_steps import install_steps, read_steps
from toolshift.rewriters import RewriteContext
from toolshift.rewriters.dockerfile import rewrite_dockerfile
from toolshift.verify import CheckStatus, verify

PIP_DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /app
RUN apt-get update && apt-get install -y gcc && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --upgrade pip && pip install --no-cache-dir -r requirements.txt
COPY . .
USER nobody
CMD ["python", "-m", "app"]
"""

# --------------------------------------------------------------------------- reading (pure)


def test_only_install_commands_are_steps_and_the_rest_is_listed_as_not_run() -> None:
    plan = read_steps(PIP_DOCKERFILE)
    assert plan.problem == ""
    [step] = plan.steps
    assert step.tool == "pip" and step.kind == "pip install"
    assert step.args == ("install", "--no-cache-dir", "-r", "requirements.txt")
    assert step.line == 5 and step.workdir == "/app"
    assert dict(step.files) == {"/app/requirements.txt": "requirements.txt"}
    assert plan.not_run == (
        "line 3: `apt-get update` (not an install: never executed)",
        "line 3: `apt-get install -y gcc` (not an install: never executed)",
        "line 3: `rm -rf /var/lib/apt/lists/*` (not an install: never executed)",
        "line 5: `pip install --upgrade pip` (upgrades pip itself)",
    )
    assert install_steps(PIP_DOCKERFILE) == list(plan.steps)


def test_uv_steps_of_the_rewritten_dockerfile_see_bind_mounts_and_copies() -> None:
    text = rewrite_dockerfile(PIP_DOCKERFILE, RewriteContext("uv")).text
    plan = read_steps(text)
    assert plan.problem == ""
    assert [s.args for s in plan.steps] == [
        ("sync", "--locked", "--no-install-project", "--no-dev"),
        ("sync", "--locked", "--no-dev"),
    ]
    first, second = plan.steps
    assert dict(first.files) == {"/app/pyproject.toml": "pyproject.toml", "/app/uv.lock": "uv.lock"}
    assert dict(second.files) == {"/app": ""}  # COPY . .


@pytest.mark.parametrize(
    ("dockerfile", "problem"),
    [
        ("FROM x\nWORKDIR /app\nRUN pip install -r requirements.txt\n", "requirements.txt is not"),
        ("FROM x\nCOPY . .\nRUN pip install --target /opt/x -r r.txt\n", "--target is not"),
        ("FROM x\nCOPY . .\nRUN pip install -r r.txt | tee log\n", "shell syntax"),
        ("FROM x\nCOPY . .\nRUN uv sync --weird\n", "--weird is not"),
        ("FROM x\nRUN uv sync --locked\n", "pyproject.toml, uv.lock is not"),
    ],
)
def test_steps_that_cannot_be_executed_say_why(dockerfile: str, problem: str) -> None:
    plan = read_steps(dockerfile)
    assert problem in plan.problem
    assert not plan.runnable


def test_crlf_python_m_pip_and_env_assignments() -> None:
    text = (
        "FROM x\r\nWORKDIR /srv\r\nCOPY req.txt /srv/\r\n"
        "RUN PIP_NO_CACHE_DIR=1 python3 -m pip install \\\r\n  -r /srv/req.txt gunicorn==21.2\r\n"
    )
    [step] = install_steps(text)
    assert step.args == ("install", "-r", "/srv/req.txt", "gunicorn==21.2")
    assert dict(step.files) == {"/srv/req.txt": "req.txt"}


# --------------------------------------------------------------------------- verify (slow)


def _project(root: Path, wh: Path, dockerfile: str) -> Path:
    """A pip project whose Dockerfile's base image is the Python running the tests (migrate
    aligns requires-python with it, and uv must find that interpreter here)."""

    root.mkdir(parents=True)
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    dockerfile = dockerfile.replace("python:3.12-slim", f"python:{here}-slim")
    (root / "requirements.txt").write_text(
        f"--no-index\n--find-links {wh.as_posix()}\nbeta==1.0\nalpha==1.1.0\ngamma[fast]==0.9\n"
    )
    (root / "Dockerfile").write_text(dockerfile)
    return root


def _migrate(root: Path) -> None:
    from toolshift.cli.main import main

    assert main(["migrate", "--to", "uv", str(root), "--yes", "--offline"]) == 0


@pytest.mark.slow
def test_verify_runs_both_dockerfiles_and_finds_the_same_packages(
    tmp_path: Path, wheelhouse: Path
) -> None:
    root = _project(tmp_path / "svc", wheelhouse, PIP_DOCKERFILE)
    _migrate(root)
    assert "uv sync --locked" in (root / "Dockerfile").read_text()
    result = verify(root, offline=True, find_links=[wheelhouse])
    check = result.check("dockerfile-installs")
    assert check is not None and check.status is CheckStatus.PASSED, check
    assert "Dockerfile: the same 4 package(s) before and after" in check.details
    assert any("apt-get update" in d and "never executed" in d for d in check.details)
    assert result.ok, result.checks


@pytest.mark.slow
def test_verify_fails_when_the_after_dockerfile_installs_another_set(
    tmp_path: Path, wheelhouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path / "svc", wheelhouse, PIP_DOCKERFILE)
    _migrate(root)
    docker = root / "Dockerfile"
    docker.write_text(docker.read_text() + "RUN uv pip install --system devtool==3.0\n")
    from toolshift.cli.main import main

    argv = ["verify", str(root), "--offline", "--find-links", str(wheelhouse), "--format", "json"]
    capsys.readouterr()  # the migration's own output
    assert main(argv) == 3
    doc = json.loads(capsys.readouterr().out)
    [check] = [c for c in doc["checks"] if c["name"] == "dockerfile-installs"]
    assert check["status"] == "failed"
    assert "devtool: added 3.0" in check["summary"]


@pytest.mark.slow
def test_an_unmigrated_dockerfile_copying_a_removed_file_fails(
    tmp_path: Path, wheelhouse: Path
) -> None:
    root = _project(tmp_path / "svc", wheelhouse, PIP_DOCKERFILE)
    old = (root / "Dockerfile").read_text()
    _migrate(root)
    assert not (root / "requirements.txt").exists()
    (root / "Dockerfile").write_text(old)  # the Dockerfile left as it was
    result = verify(root, offline=True, find_links=[wheelhouse])
    check = result.check("dockerfile-installs")
    assert check is not None and check.status is CheckStatus.FAILED, check
    assert "requirements.txt is not in the project" in check.summary


@pytest.mark.slow
def test_verify_skips_a_dockerfile_whose_steps_cannot_run(tmp_path: Path, wheelhouse: Path) -> None:
    root = _project(
        tmp_path / "svc",
        wheelhouse,
        "FROM python:3.12-slim\nCOPY . .\nRUN pip install -r requirements.txt | tee log\n",
    )
    result = verify(root, offline=True, find_links=[wheelhouse])
    check = result.check("dockerfile-installs")
    assert check is not None and check.status is CheckStatus.SKIPPED
    assert "shell syntax" in check.summary
