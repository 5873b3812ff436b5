"""Run the Python install steps of a Dockerfile, before and after the rewrite, against the local
wheelhouse, and check the same distributions end up installed (name -> version).

The steps are the RUN lines that install dependencies (``pip install``/``uv sync``), run with
bash in a temporary project folder standing in for the WORKDIR; the ``--mount`` flags only
matter to BuildKit, so the bodies are run as they are.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from toolshift.rewriters import RewriteContext
from toolshift.rewriters.dockerfile import parse, rewrite_dockerfile
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


def _install_steps(dockerfile: str) -> list[str]:
    steps = []
    for it in parse(dockerfile).items:
        if it.keyword == "RUN" and any(w in it.text for w in ("pip install", "uv sync", "venv")):
            steps.append(it.body)
    return steps


def _installed(venv: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for info in venv.glob("lib/python*/site-packages/*.dist-info"):
        name, _, version = info.name[: -len(".dist-info")].partition("-")
        if name.lower() not in ("pip", "setuptools", "wheel"):
            out[name.lower().replace("_", "-")] = version
    return out


def _bundled() -> Path:
    import ensurepip

    return Path(ensurepip.__file__).parent / "_bundled"


def _env(tmp: Path, wheelhouse: Path, bin_dir: Path) -> dict[str, str]:
    uv_dir = str(Path(find_uv().path).parent)
    return {
        "PATH": os.pathsep.join([str(bin_dir), uv_dir, os.environ.get("PATH", "")]),
        "PIP_NO_INDEX": "1",
        # the bundled pip wheel too, for `pip install --upgrade pip`
        "PIP_FIND_LINKS": f"{wheelhouse} {_bundled()}",
        "UV_NO_INDEX": "1",
        "UV_FIND_LINKS": str(wheelhouse),
        "UV_OFFLINE": "1",
        "UV_PYTHON": sys.executable,
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_CACHE_DIR": str(tmp / "uv-cache"),
        "UV_LINK_MODE": "copy",
    }


def _run_steps(steps: list[str], cwd: Path, env: dict[str, str]) -> None:
    for body in steps:
        body = body.replace("/app", str(cwd))  # the WORKDIR is the temporary project
        done = run(["bash", "-ec", body], cwd=cwd, extra_env=env, timeout=120)
        assert done.returncode == 0, f"{body!r} failed:\n{done.output}"


@pytest.fixture(scope="module")
def locked_project(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> Path:
    """requirements.txt and the equivalent pyproject.toml + uv.lock, locked once."""

    tmp = tmp_path_factory.mktemp("locked")
    proj = tmp / "app"
    proj.mkdir()
    (proj / "requirements.txt").write_text(REQUIREMENTS)
    (proj / "pyproject.toml").write_text(PYPROJECT)
    done = run([find_uv().path, "lock"], cwd=proj, extra_env=_env(tmp, wheelhouse, tmp))
    assert done.returncode == 0, done.output
    return proj


def _project(tmp: Path, template: Path) -> Path:
    import shutil

    return Path(shutil.copytree(template, tmp / "app"))


def _pip_venv(tmp: Path) -> Path:
    """A venv whose ``pip`` runs the wheel bundled with ensurepip (seeding pip is slow)."""

    venv = tmp / "pip-venv"
    done = run([sys.executable, "-m", "venv", "--without-pip", str(venv)], timeout=120)
    assert done.returncode == 0, done.output
    wheels = sorted(_bundled().glob("pip-*.whl"))
    assert wheels, "this Python has no bundled pip wheel"
    pip = venv / "bin" / "pip"
    pip.write_text(f'#!/bin/sh\nexec "{venv}/bin/python" "{wheels[-1]}/pip" "$@"\n')
    pip.chmod(0o755)
    return venv


def test_both_docker_modes_run_the_same_install_steps() -> None:
    steps = {
        mode: _install_steps(
            rewrite_dockerfile(PIP_DOCKERFILE, RewriteContext("uv", docker_mode=mode)).text
        )
        for mode in ("multistage", "minimal")
    }
    assert steps["multistage"] == steps["minimal"]
    assert len(steps["minimal"]) == 2


@pytest.mark.slow
def test_pip_to_uv_installs_the_same(
    tmp_path: Path, wheelhouse: Path, locked_project: Path
) -> None:
    proj = _project(tmp_path, locked_project)
    before_venv = _pip_venv(tmp_path)
    _run_steps(
        _install_steps(PIP_DOCKERFILE), proj, _env(tmp_path, wheelhouse, before_venv / "bin")
    )
    before = _installed(before_venv)
    assert before == {"alpha": "1.1.0", "beta": "1.0", "gamma": "0.9", "delta": "1.0"}

    new = rewrite_dockerfile(PIP_DOCKERFILE, RewriteContext("uv")).text
    steps = _install_steps(new)
    assert steps and all("uv sync --locked" in s for s in steps)
    after_venv = tmp_path / "uv-venv"
    env = _env(tmp_path, wheelhouse, after_venv / "bin")
    env["UV_PROJECT_ENVIRONMENT"] = str(after_venv)
    _run_steps(steps, proj, env)
    assert _installed(after_venv) == before


@pytest.mark.slow
def test_uv_to_pip_installs_the_same(
    tmp_path: Path, wheelhouse: Path, locked_project: Path
) -> None:
    proj = _project(tmp_path, locked_project)
    uv_dockerfile = rewrite_dockerfile(PIP_DOCKERFILE, RewriteContext("uv")).text
    uv_venv = tmp_path / "uv-venv"
    env = _env(tmp_path, wheelhouse, uv_venv / "bin")
    env["UV_PROJECT_ENVIRONMENT"] = str(uv_venv)
    _run_steps(_install_steps(uv_dockerfile), proj, env)
    before = _installed(uv_venv)

    pip_dockerfile = rewrite_dockerfile(uv_dockerfile, RewriteContext("pip")).text
    steps = _install_steps(pip_dockerfile)
    assert steps and all("pip install --no-cache-dir -r requirements.txt" in s for s in steps)
    pip_venv = _pip_venv(tmp_path)
    _run_steps(steps, proj, _env(tmp_path, wheelhouse, pip_venv / "bin"))
    # the builder stage is copied from, so pip installs into a venv in the WORKDIR
    target = proj / ".venv" if (proj / ".venv").is_dir() else pip_venv
    assert _installed(target) == before
    assert before == {"alpha": "1.1.0", "beta": "1.0", "gamma": "0.9", "delta": "1.0"}
