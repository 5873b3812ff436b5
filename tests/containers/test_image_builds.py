"""Build the images for real: the bundled example before and after ``migrate --to uv`` with the
Dockerfile rewriter (both ``--docker`` modes), on a private Docker engine with local stand-ins
for ``python:3.12-slim`` and ``ghcr.io/astral-sh/uv`` (see :mod:`engine`).

Each image must build, its command (uvicorn) must run as the non-root user and answer
``/health``, and ``import fastapi`` must work in it. The same goes, on a tiny locked project,
for rewriter-fixture Dockerfiles and a few more pip ones (pip -> uv in both modes, and back),
and for a compose command rewritten pip -> uv run in the migrated image. The builds install
from the package index (``--network host``), so besides the engine these tests need the
registry. Marked ``docker``: excluded by default, run by ``.ci/run`` with a timeout; without an
engine they skip with the reason (the install-step check in tests/rewriters still runs).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from toolshift.rewriters import RewriteContext
from toolshift.rewriters.compose import rewrite_compose
from toolshift.rewriters.dockerfile import rewrite_dockerfile
from toolshift.tools import Completed, find_uv, run

from .engine import Engine, Images, Unavailable, build, host_cpython

# the first test also pays for the setup: apt, debootstrap (uncached), stand-in images
pytestmark = [pytest.mark.docker, pytest.mark.timeout(900)]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fastapi-service"
FASTAPI = "0.165.0"  # pinned in the example's requirements.txt
# the app's default SQLite file lives in /app, which the non-root user cannot write; a real
# deployment passes its database URL (compose sets Postgres), so does the test
RUN_ENV = ("-e", "ORDERS_DATABASE_URL=sqlite:////tmp/orders.db")
HEALTH = (
    "import urllib.request; "
    "print(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2).read().decode())"
)


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example after ``toolshift migrate --to uv --yes`` (pyproject.toml, uv.lock)."""

    proj = Path(shutil.copytree(EXAMPLE, tmp_path_factory.mktemp("migrated") / "orders"))
    # uv lock wants the Python of .python-version (3.12); a pyenv shim for a version that is
    # installed but not selected fails when uv queries it, so the real one goes first on PATH
    path = os.environ.get("PATH", "")
    cpython = host_cpython("3.12")
    if cpython is not None:
        path = f"{cpython / 'bin'}{os.pathsep}{path}"
    done = run(
        [sys.executable, "-m", "toolshift", "migrate", "--to", "uv", "--yes", str(proj)],
        extra_env={"PATH": path},
        timeout=600,
    )
    assert done.returncode == 0, done.output
    assert (proj / "uv.lock").is_file() and (proj / "pyproject.toml").is_file(), done.output
    return proj


def _build(engine: Engine, images: Images, proj: Path, tag: str) -> Completed:
    """Build, or skip with the reason when a stand-in cannot be made here (no Debian mirror,
    no CPython of that version)."""

    try:
        return build(engine, images, proj, tag)
    except Unavailable as exc:
        pytest.skip(f"cannot build {tag} here: {exc}")


def _with_dockerfile(src: Path, dst: Path, text: str) -> Path:
    proj = Path(shutil.copytree(src, dst))
    (proj / "Dockerfile").write_text(text, encoding="utf-8")
    return proj


def _check_image(engine: Engine, tag: str) -> None:
    """The image's own command serves /health as a non-root user; fastapi imports."""

    config = json.loads(engine.check("image", "inspect", tag).stdout)[0]["Config"]
    assert config["User"] == "appuser"
    done = engine.check(
        "run", "--rm", "--network", "none", tag, "python", "-c",
        "import os, fastapi; print(os.getuid(), fastapi.__version__)",
    )  # fmt: skip
    uid, version = done.stdout.split()
    assert uid != "0" and version == FASTAPI, done.output

    cid = engine.check("run", "-d", "--network", "none", *RUN_ENV, tag).stdout.strip()
    try:
        deadline = time.monotonic() + 60
        while True:
            health = engine.docker("exec", cid, "python", "-c", HEALTH, timeout=30)
            if health.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        logs = engine.docker("logs", cid).output
        assert health.returncode == 0, f"/health did not answer:\n{health.output}\n{logs}"
        assert '"ok"' in health.stdout
        # PID 1 is the image's CMD (uvicorn), and it runs as the unprivileged user
        status = engine.check("exec", cid, "cat", "/proc/1/status").stdout
        uid_line = next(ln for ln in status.splitlines() if ln.startswith("Uid:"))
        assert uid_line.split()[1] == "10001", uid_line
        cmdline = engine.check("exec", cid, "cat", "/proc/1/cmdline").stdout
        assert "uvicorn" in cmdline, cmdline
    finally:
        engine.docker("rm", "-f", cid, timeout=60)


def test_example_as_shipped_builds_with_pip(engine: Engine, images: Images, tmp_path: Path) -> None:
    """The baseline: the stand-ins behave like the real images for the pip Dockerfile."""

    proj = Path(shutil.copytree(EXAMPLE, tmp_path / "orders"))
    done = _build(engine, images, proj, "toolshift-test/orders:pip")
    assert done.returncode == 0, done.output[-6000:]
    _check_image(engine, "toolshift-test/orders:pip")


def test_example_as_migrate_wrote_it_builds_and_runs(
    engine: Engine, images: Images, migrated: Path, tmp_path: Path
) -> None:
    """End to end: the Dockerfile and .dockerignore exactly as ``migrate --to uv`` wrote them."""

    proj = Path(shutil.copytree(migrated, tmp_path / "orders"))
    text = (proj / "Dockerfile").read_text(encoding="utf-8")
    assert "uv sync --locked" in text and "pip install" not in text, text
    done = _build(engine, images, proj, "toolshift-test/orders:migrated")
    assert done.returncode == 0, f"{text}\n{done.output[-6000:]}"
    _check_image(engine, "toolshift-test/orders:migrated")


@pytest.mark.parametrize("mode", ["multistage", "minimal"])
def test_example_migrated_to_uv_builds_and_runs(
    engine: Engine, images: Images, migrated: Path, tmp_path: Path, mode: str
) -> None:
    original = (EXAMPLE / "Dockerfile").read_text(encoding="utf-8")
    ctx = RewriteContext(
        "uv", uv_version=find_uv().version_str, docker_mode=mode, path="Dockerfile"
    )
    text = rewrite_dockerfile(original, ctx).text
    assert "uv sync --locked" in text and "pip install" not in text
    proj = _with_dockerfile(migrated, tmp_path / "orders", text)
    tag = f"toolshift-test/orders:uv-{mode}"
    done = _build(engine, images, proj, tag)
    assert done.returncode == 0, f"{text}\n{done.output[-6000:]}"
    _check_image(engine, tag)
    # the runtime environment is the locked one, in the WORKDIR's .venv
    frozen = engine.check(
        "run", "--rm", "--network", "none", tag, "python", "-c",
        "import sys, importlib.metadata as m; print(sys.prefix, m.version('sqlalchemy'))",
    ).stdout.split()  # fmt: skip
    assert frozen == ["/app/.venv", "2.1.9"]


@pytest.mark.parametrize("mode", ["multistage", "minimal"])
def test_uv_image_migrated_back_to_pip_builds_and_runs(
    engine: Engine, images: Images, migrated: Path, tmp_path: Path, mode: str
) -> None:
    """uv -> pip: the uv project and its uv Dockerfile, after ``migrate --to pip`` and the
    Dockerfile rewriter's pip direction, still build an image that serves as the non-root user."""

    uv_text = rewrite_dockerfile(
        (EXAMPLE / "Dockerfile").read_text(encoding="utf-8"),
        RewriteContext("uv", uv_version=find_uv().version_str, docker_mode=mode),
    ).text
    proj = _with_dockerfile(migrated, tmp_path / "orders", uv_text)
    done = run(
        [sys.executable, "-m", "toolshift", "migrate", "--to", "pip", "--yes", str(proj)],
        timeout=600,
    )
    assert done.returncode == 0, done.output
    assert (proj / "requirements.txt").is_file(), done.output
    text = rewrite_dockerfile(uv_text, RewriteContext("pip", path="Dockerfile")).text
    assert "uv sync" not in text and "astral-sh/uv" not in text
    (proj / "Dockerfile").write_text(text, encoding="utf-8")
    tag = f"toolshift-test/orders:pip-from-uv-{mode}"
    done = _build(engine, images, proj, tag)
    assert done.returncode == 0, f"{text}\n{done.output[-6000:]}"
    _check_image(engine, tag)


# --------------------------------------------------------------------------- rewriter fixtures

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rewriters" / "dockerfile"
# the fixture Dockerfiles built for real after their rewrite: the uid their USER gives
# (None: any non-root one), and whether their own command is Python we can run here
# (None: any non-root one), whether their own command is Python we can run here, and where
# the dependencies must land (the end of sys.prefix)
BUILT_FIXTURES: dict[str, tuple[str | None, bool, str]] = {
    # python:3.11-slim-bookworm (Debian's 3.11), apt and pip in one RUN, USER nobody
    "pip_apt_chain": ("65534", False, "/srv/app/.venv"),
    "pip_arg_python_version": (None, True, "/app/.venv"),  # ARG in FROM, ENTRYPOINT python -m
    "pip_venv_multistage": ("1000", True, "/opt/venv"),  # kept as UV_PROJECT_ENVIRONMENT
    "pip_multistage": (None, False, "/app/.venv"),  # `# syntax=` line, apt-get in the builder
    "pip_minimal": (None, False, "/app/.venv"),
    "uv_to_pip": ("1000", False, "/usr/local"),  # uv -> pip: the system site, as pip had it
}
TINY_PYPROJECT = """\
[project]
name = "tiny"
version = "0"
requires-python = ">=3.11"
dependencies = ["idna==3.7"]

[tool.uv]
package = false
"""
HELLO = "import os, idna\nprint('hello', os.getuid(), idna.__version__)\n"


@pytest.fixture(scope="session")
def tiny_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project every fixture Dockerfile can build: one small dependency, locked by uv."""

    proj = tmp_path_factory.mktemp("tiny") / "tiny"
    (proj / "app").mkdir(parents=True)
    (proj / "requirements.txt").write_text("idna==3.7\n")
    (proj / "requirements-dev.txt").write_text("-r requirements.txt\n")
    (proj / "pyproject.toml").write_text(TINY_PYPROJECT)
    (proj / "main.py").write_text(HELLO)
    (proj / "app.py").write_text(HELLO)
    (proj / "app" / "__init__.py").write_text("")
    (proj / "app" / "__main__.py").write_text(HELLO)
    done = run([find_uv().path, "lock"], cwd=proj, timeout=300)
    assert done.returncode == 0, done.output
    return proj


@pytest.mark.parametrize("case", sorted(BUILT_FIXTURES))
def test_fixture_dockerfile_rewritten_builds(
    engine: Engine, images: Images, tiny_project: Path, tmp_path: Path, case: str
) -> None:
    uid, runs_python, prefix = BUILT_FIXTURES[case]
    fields: dict[str, object] = {"direction": "uv"}
    if (FIXTURES / case / "ctx.json").is_file():
        fields.update(json.loads((FIXTURES / case / "ctx.json").read_text(encoding="utf-8")))
    fields["uv_version"] = find_uv().version_str
    before = (FIXTURES / case / "before").read_text(encoding="utf-8")
    text = rewrite_dockerfile(before, RewriteContext(**fields)).text  # type: ignore[arg-type]
    assert ("uv sync --locked" in text) == (fields["direction"] == "uv")
    proj = _with_dockerfile(tiny_project, tmp_path / "proj", text)
    tag = f"toolshift-test/fixture:{case.replace('_', '-')}"
    done = _build(engine, images, proj, tag)
    assert done.returncode == 0, f"{text}\n{done.output[-6000:]}"

    probe = "import os, sys, idna; print(os.getuid(), idna.__version__, sys.prefix)"
    got = engine.check(
        "run", "--rm", "--network", "none", "--entrypoint", "python", tag, "-c", probe
    ).stdout.split()  # fmt: skip
    assert got[0] != "0" and got[1] == "3.7", got
    assert uid is None or got[0] == uid, got
    assert got[2] == prefix, f"not the expected environment: {got}"
    if runs_python:
        own = engine.check("run", "--rm", "--network", "none", tag).stdout.split()
        assert own == ["hello", got[0], "3.7"], own


# pip Dockerfiles beyond the fixtures, built after pip -> uv (both modes) and after going back
EXTRA: dict[str, str] = {
    "user_flag": """\
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --user --no-cache-dir -r requirements.txt
COPY . .
USER 1000
CMD ["python", "app.py"]
""",
    "venv_path": """\
FROM python:3.12-slim
RUN python -m venv /venv
ENV PATH=/venv/bin:$PATH
WORKDIR /app
COPY requirements.txt .
RUN /venv/bin/pip install --no-cache-dir -r requirements.txt
COPY . .
USER nobody
CMD ["python", "app.py"]
""",
    "pip3_chain": """\
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip3 install --no-cache-dir --upgrade pip && pip3 install --no-cache-dir -r requirements.txt
COPY . .
RUN python3 -m compileall -q .
USER nobody
CMD ["python3", "app.py"]
""",
    "named_stages": """\
FROM python:3.12-slim AS base
WORKDIR /app
COPY requirements.txt .
RUN python -m pip install --no-cache-dir -r requirements.txt

FROM base AS final
COPY . .
USER nobody
CMD ["python", "app.py"]
""",
}
EXTRA_CASES = [
    (name, mode, back)
    for name in sorted(EXTRA)
    for mode in ("multistage", "minimal")
    for back in (False, True)
]


@pytest.mark.parametrize(
    ("name", "mode", "back"),
    EXTRA_CASES,
    ids=[f"{n}-{m}{'-back' if b else ''}" for n, m, b in EXTRA_CASES],
)
def test_pip_dockerfile_round_trip_builds(
    engine: Engine,
    images: Images,
    tiny_project: Path,
    tmp_path: Path,
    name: str,
    mode: str,
    back: bool,
) -> None:
    text = rewrite_dockerfile(
        EXTRA[name], RewriteContext("uv", uv_version=find_uv().version_str, docker_mode=mode)
    ).text
    assert "uv sync --locked" in text
    if back:
        text = rewrite_dockerfile(text, RewriteContext("pip", docker_mode=mode)).text
        assert "uv sync" not in text and "astral-sh" not in text
    proj = _with_dockerfile(tiny_project, tmp_path / "proj", text)
    tag = f"toolshift-test/extra:{name.replace('_', '-')}-{mode}{'-back' if back else ''}"
    done = _build(engine, images, proj, tag)
    assert done.returncode == 0, f"{text}\n{done.output[-6000:]}"
    own = engine.check("run", "--rm", "--network", "none", tag).stdout.split()
    assert own[0] == "hello" and own[1] != "0" and own[2] == "3.7", f"{own}\n{text}"


# --------------------------------------------------------------------------- compose + image

ROOT_DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
CMD ["python", "app.py"]
"""
INSTALL_AT_START = """\
services:
  api:
    build: .
    command: ["sh", "-c", "pip install -r requirements.txt && python app.py"]
"""


@pytest.mark.parametrize(
    "mode",
    ["multistage", "minimal"],
)
def test_compose_command_runs_in_the_migrated_image(
    engine: Engine, images: Images, tiny_project: Path, tmp_path: Path, mode: str
) -> None:
    """The compose service command, rewritten pip -> uv, still runs in the image the Dockerfile
    rewriter made (root image: the pip command works before the migration too)."""

    from ruamel.yaml import YAML

    def command(text: str) -> list[str]:
        return [str(a) for a in YAML(typ="safe").load(text)["services"]["api"]["command"]]

    before = _with_dockerfile(tiny_project, tmp_path / "before", ROOT_DOCKERFILE)
    assert _build(engine, images, before, "toolshift-test/compose:pip").returncode == 0
    ran = engine.docker(
        "run", "--rm", "--network", "host", "toolshift-test/compose:pip",
        *command(INSTALL_AT_START),
    )  # fmt: skip
    assert ran.returncode == 0 and "hello 0 3.7" in ran.stdout, ran.output

    new_compose = rewrite_compose(INSTALL_AT_START, RewriteContext("uv")).text
    assert new_compose != INSTALL_AT_START
    text = rewrite_dockerfile(
        ROOT_DOCKERFILE,
        RewriteContext("uv", uv_version=find_uv().version_str, docker_mode=mode),
    ).text
    after = _with_dockerfile(tiny_project, tmp_path / "after", text)
    tag = f"toolshift-test/compose:uv-{mode}"
    assert _build(engine, images, after, tag).returncode == 0
    ran = engine.docker("run", "--rm", "--network", "host", tag, *command(new_compose))
    assert ran.returncode == 0 and "hello 0 3.7" in ran.stdout, f"{new_compose}\n{ran.output}"
