"""Run the Python install steps of a Dockerfile, before and after the rewrite, against the local
wheelhouse, and check the same distributions end up installed (name -> version).

The steps are what :mod:`toolshift.dockerfile_steps` recognises (``pip install``/``uv sync``;
no other command is ever executed), run in a throwaway environment with the needed files laid
out as the image would hold them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from toolshift.dockerfile_steps import install_steps, read_steps, run_steps
from toolshift.rewriters import RewriteContext
from toolshift.rewriters.dockerfile import rewrite_dockerfile
from toolshift.tools import find_uv, run

PIP_DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --upgrade pip && pip install --no-cache-dir -r requirements.txt
COPY . .
USER nobody
CMD ["python", "-m", "app"]
"""

REQUIREMENTS = "alpha==1.1.0\nbeta==1.0\ngamma[fast]==0.9\n"
PYPROJECT = """\
[project]
name = "svc"
version = "0"
requires-python = ">=3.8"
dependencies = ["alpha==1.1.0", "beta==1.0", "gamma[fast]==0.9"]

[tool.uv]
package = false
"""


@pytest.fixture(scope="module")
def locked_project(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> Path:
    """requirements.txt and the equivalent pyproject.toml + uv.lock, locked once."""

    proj = tmp_path_factory.mktemp("locked") / "app"
    proj.mkdir()
    (proj / "requirements.txt").write_text(REQUIREMENTS)
    (proj / "pyproject.toml").write_text(PYPROJECT)
    argv = [find_uv().path, "lock", "--offline", "--no-index", "--find-links", str(wheelhouse)]
    done = run([*argv, "--python", sys.executable], cwd=proj)
    assert done.returncode == 0, done.output
    return proj


def _installed(dockerfile: str, proj: Path, work: Path, wheelhouse: Path) -> dict[str, str]:
    plan = read_steps(dockerfile)
    assert plan.runnable, plan.problem
    done = run_steps(plan, proj, work, python=sys.executable, find_links=[wheelhouse], offline=True)
    return dict(done.installed)


def test_both_docker_modes_run_the_same_install_steps() -> None:
    steps = {
        mode: [
            s.args
            for s in install_steps(
                rewrite_dockerfile(PIP_DOCKERFILE, RewriteContext("uv", docker_mode=mode)).text
            )
        ]
        for mode in ("multistage", "minimal")
    }
    assert steps["multistage"] == steps["minimal"]
    assert len(steps["minimal"]) == 2


EXPECTED = {"alpha": "1.1.0", "beta": "1.0", "gamma": "0.9", "delta": "1.0"}


@pytest.mark.slow
def test_pip_to_uv_installs_the_same(
    tmp_path: Path, wheelhouse: Path, locked_project: Path
) -> None:
    before = _installed(PIP_DOCKERFILE, locked_project, tmp_path / "before", wheelhouse)
    assert before == EXPECTED
    new = rewrite_dockerfile(PIP_DOCKERFILE, RewriteContext("uv")).text
    steps = install_steps(new)
    assert steps and all(s.args[:2] == ("sync", "--locked") for s in steps)
    assert _installed(new, locked_project, tmp_path / "after", wheelhouse) == before


@pytest.mark.slow
def test_uv_to_pip_installs_the_same(
    tmp_path: Path, wheelhouse: Path, locked_project: Path
) -> None:
    uv_dockerfile = rewrite_dockerfile(PIP_DOCKERFILE, RewriteContext("uv")).text
    before = _installed(uv_dockerfile, locked_project, tmp_path / "before", wheelhouse)
    assert before == EXPECTED
    pip_dockerfile = rewrite_dockerfile(uv_dockerfile, RewriteContext("pip")).text
    steps = install_steps(pip_dockerfile)
    assert steps and all(s.tool == "pip" and "requirements.txt" in s.args for s in steps)
    assert _installed(pip_dockerfile, locked_project, tmp_path / "after", wheelhouse) == before
