"""``pip install --prefix/--target`` in a builder stage: filled from uv.lock after migration.

The rewrite itself is covered by the fixture pairs (``pip_prefix_*``, ``pip_target_*``); here:
the plan deletes requirements.txt only when every use of it was translated, and the translated
commands, run for real against a local wheelhouse, put the same packages in the same layout
as pip did.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from toolshift.detect import detect
from toolshift.model import MigrateOptions, Plan, Severity
from toolshift.planners.to_uv import plan_to_uv
from toolshift.rewriters import RewriteContext
from toolshift.rewriters.dockerfile import rewrite_dockerfile
from toolshift.rewriters.shell import EXPORT_FILE, ShellContext, translate_script

UV = RewriteContext("uv", uv_version="0.9.5")

BUILDER = """FROM python:3.11-slim AS builder
WORKDIR /build
COPY requirements.txt .
RUN pip install --no-cache-dir --prefix=/install -r requirements.txt

FROM python:3.11-slim
COPY --from=builder /install /usr/local
WORKDIR /app
COPY . .
CMD ["python", "-m", "svc"]
"""


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _plan(root: Path) -> Plan:
    return plan_to_uv(detect(root), MigrateOptions(target="uv"))


def _after(p: Plan) -> dict[str, bytes | None]:
    return {c.path: c.new for c in p.changes}


def test_translated_prefix_install_lets_requirements_go(tmp_path: Path) -> None:
    root = _write(
        tmp_path / "svc",
        {"requirements.txt": "alpha==1.1.0\n", "Dockerfile": BUILDER, ".python-version": "3.11\n"},
    )
    p = _plan(root)
    after = _after(p)
    assert after["requirements.txt"] is None  # deleted: nothing uses it any more
    docker = (after["Dockerfile"] or b"").decode()
    assert "requirements.txt" not in docker
    assert "uv pip install --prefix /install --no-deps -r /tmp/uv-export.txt" in docker
    assert "COPY --from=builder /install /usr/local" in docker
    assert not [d for d in p.diagnostics if d.code == "TS107" and "kept" in d.message]


def test_one_use_left_alone_keeps_the_file(tmp_path: Path) -> None:
    # a second Dockerfile installs with --root (no uv equivalent): that one still needs the file
    other = BUILDER.replace("--prefix=/install", "--root=/install").replace(
        "/install /usr/local", "/install /"
    )
    root = _write(
        tmp_path / "svc",
        {
            "requirements.txt": "alpha==1.1.0\n",
            "Dockerfile": BUILDER,
            "deploy/Dockerfile": other,
            ".python-version": "3.11\n",
        },
    )
    p = _plan(root)
    after = _after(p)
    assert "requirements.txt" not in after  # kept
    assert "deploy/Dockerfile" not in after  # left alone, said
    [kept] = [d for d in p.diagnostics if d.code == "TS107" and "kept" in d.message]
    assert kept.origin is not None and kept.origin.path == "deploy/Dockerfile"
    left = [d for d in p.diagnostics if "--root" in d.message]
    assert left and left[0].origin is not None and left[0].origin.path == "deploy/Dockerfile"
    assert left[0].origin.line == 4


USER_BUILDER = """FROM python:3.12-slim AS builder
WORKDIR /app
COPY requirements.txt .
RUN pip install --user --no-cache-dir -r requirements.txt

FROM python:3.12-slim
COPY --from=builder /root/.local /root/.local
ENV PATH=/root/.local/bin:$PATH
WORKDIR /app
COPY . .
CMD ["python", "app.py"]
"""


def test_user_site_copied_to_another_stage_is_left_alone() -> None:
    # uv has no --user; uv sync would fill /app/.venv and the COPY of /root/.local would fail
    res = rewrite_dockerfile(USER_BUILDER, UV)
    assert res.text == USER_BUILDER and not res.rules
    [warning] = [d for d in res.diagnostics if d.severity is Severity.WARNING]
    assert warning.message.startswith("left alone") and "--user" in warning.message
    assert warning.origin is not None and warning.origin.line == 4
    assert "/root/.local" in warning.message and warning.hint


def test_user_install_in_a_single_stage_still_becomes_uv_sync() -> None:
    text = USER_BUILDER.split("\n\n", 1)[0].replace(" AS builder", "") + "\nCOPY . .\n"
    res = rewrite_dockerfile(text, UV)
    assert "uv sync --locked" in res.text and "pip install" not in res.text


WHEEL_PROJECT = """[project]
name = "svc"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["beta==1.2", "gamma[fast]==0.9"]

[dependency-groups]
dev = ["devtool==3.0"]

[tool.uv]
package = false
no-index = true
find-links = ["{wheelhouse}"]
"""


@pytest.mark.slow
def test_translated_prefix_install_fills_pips_layout(tmp_path: Path, wheelhouse: Path) -> None:
    """The translation, run for real, fills the folder as ``pip install --prefix`` does
    (``lib/pythonX.Y/site-packages``, pip's posix_prefix scheme) with exactly the locked
    runtime distributions of requirements.txt: ``COPY --from=builder /install /usr/local``
    keeps working."""

    from toolshift.tools import find_uv, run

    uv = find_uv().path
    project = _write(
        tmp_path / "svc",
        {
            "pyproject.toml": WHEEL_PROJECT.format(wheelhouse=wheelhouse.as_posix()),
            "requirements.txt": "beta==1.2\ngamma[fast]==0.9\n",
        },
    )
    run([uv, "lock", "--offline"], cwd=project, check=True, timeout=120)

    prefix = tmp_path / "install"
    script = translate_script(
        f"pip install --no-cache-dir --prefix={prefix} -r requirements.txt",
        UV,
        ShellContext.DOCKER,
    ).text
    assert script.startswith("uv export --locked")
    script = script.replace(EXPORT_FILE, str(tmp_path / "export.txt"))  # not the shared /tmp
    done = run(
        ["sh", "-c", script],
        cwd=project,
        extra_env={
            "PATH": f"{Path(uv).parent}:/usr/bin:/bin",
            "UV_PYTHON": sys.executable,
            "UV_OFFLINE": "1",
        },
        timeout=120,
    )
    assert done.returncode == 0, done.output

    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    site = prefix / "lib" / version / "site-packages"
    found = {p.name for p in site.iterdir() if p.name.endswith(".dist-info")}
    # the locked closure of the runtime group: alpha via beta, delta via gamma[fast]; not the
    # dev group's devtool
    assert found == {
        "alpha-2.0.0.dist-info",
        "beta-1.2.dist-info",
        "delta-1.0.dist-info",
        "gamma-0.9.dist-info",
    }
    assert (site / "beta").is_dir()


@pytest.mark.parametrize(
    "case",
    [
        "pip_prefix_multistage",
        "pip_target_single",
        "pip_build_flags",
        "pip_check_single_stage",
        "poetry_groups_export_pip",
        "poetry_without_groups",
    ],
)
def test_a_migrated_file_is_quiet_the_second_time(case: str) -> None:
    # idempotent, and nothing in what toolshift wrote reads as a step it must leave alone
    from .fixtures import ROOT, context, read

    after = read(ROOT / "dockerfile" / case / "after")
    res = rewrite_dockerfile(after, context(ROOT / "dockerfile" / case))
    assert res.text == after and not res.rules
    assert not [d for d in res.diagnostics if d.severity is Severity.WARNING]


def test_pip_install_of_an_export_installs_the_exported_groups() -> None:
    # poetry export --with dev in one stage, pip install -r of its output in the next: the
    # install gets the export's groups, not the ones the file name suggests (runtime only)
    from .fixtures import ROOT, read

    before = read(ROOT / "dockerfile" / "poetry_groups_export_pip" / "before")
    poetry = RewriteContext("uv", uv_version="0.9.5", explicit_groups=True)
    with_docs = before.replace("--only main", "--with docs,dev")
    text = rewrite_dockerfile(with_docs, poetry).text
    assert "uv sync --locked --no-default-groups --group docs --group dev\n" in text
    # an extra has no group equivalent: pip installs exactly what uv export wrote
    extra = before.replace("--only main", "-E pdf")
    res = rewrite_dockerfile(extra, poetry)
    assert "RUN pip install --no-cache-dir -r requirements.txt" in res.text
    assert "uv export --locked" in res.text and "--extra pdf" in res.text
    [kept] = [d for d in res.diagnostics if d.message.startswith("kept as is")]
    assert kept.severity is Severity.INFO and kept.origin is not None and kept.origin.line == 10
