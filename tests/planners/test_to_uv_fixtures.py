"""migrate --to uv on whole folders: tests/fixtures/to_uv/<case>/before -> after, exactly.

Each case folder holds ``before/`` (the project as it is), ``after/`` (every file as it must be
once the plan is applied, uv.lock aside: that is the post-action's job) and optionally
``options.json`` (MigrateOptions fields). Set ``TOOLSHIFT_REGEN=1`` to rewrite ``after/`` from
the planner, then review the diff by eye before committing it.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from toolshift.detect import detect
from toolshift.model import MigrateOptions, Plan
from toolshift.planners.to_uv import plan_to_uv

CASES = Path(__file__).parent.parent / "fixtures" / "to_uv"
NAMES = sorted(p.name for p in CASES.iterdir() if (p / "before").is_dir())


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".toolshift" not in p.relative_to(root).parts
    }


def options(case: Path) -> MigrateOptions:
    extra = case / "options.json"
    kw = json.loads(extra.read_text()) if extra.exists() else {}
    return MigrateOptions(target="uv", **kw)


def applied(before: dict[str, bytes], plan: Plan) -> dict[str, bytes]:
    out = dict(before)
    for c in plan.changes:
        assert out.get(c.path) == c.old, f"{c.path}: the plan was made from other bytes"
        if c.new is None:
            del out[c.path]
        else:
            out[c.path] = c.new
    return dict(sorted(out.items()))


def write(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        full = root / rel
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_bytes(data)


@pytest.mark.parametrize("name", NAMES)
def test_before_after(name: str, tmp_path: Path) -> None:
    case = CASES / name
    work = tmp_path / "svc"
    shutil.copytree(case / "before", work)
    plan = plan_to_uv(detect(work), options(case))
    result = applied(tree(work), plan)
    if os.environ.get("TOOLSHIFT_REGEN"):
        shutil.rmtree(case / "after", ignore_errors=True)
        write(case / "after", result)
    assert result == tree(case / "after")
    # Every change says why, and which rule made it.
    assert all(c.rules and c.reasons for c in plan.changes)


@pytest.mark.parametrize("name", NAMES)
def test_after_plans_nothing(name: str, tmp_path: Path) -> None:
    """Idempotence: migrating the migrated project changes no file."""

    case = CASES / name
    work = tmp_path / "svc"
    shutil.copytree(case / "after", work)
    opts = options(case)
    plan = plan_to_uv(detect(work), MigrateOptions(**{**opts.__dict__, "lock": False}))
    assert plan.changes == ()
    assert plan.empty


def test_credentials_never_leave(tmp_path: Path) -> None:
    work = tmp_path / "svc"
    shutil.copytree(CASES / "credentials" / "before", work)
    plan = plan_to_uv(detect(work), MigrateOptions(target="uv"))
    written = b"".join(c.new or b"" for c in plan.changes)
    said = " ".join(d.render() for d in plan.diagnostics)
    for secret in ("s3cretPassw0rd", "ghp_abcdefTOKEN123", "deploy:"):
        assert secret.encode() not in written
        assert secret not in said
    assert "UV_INDEX_EXAMPLE_USERNAME" in said and "UV_INDEX_EXAMPLE_PASSWORD" in said
    # the git URL lost its token, and the user is told where
    assert any(
        d.origin and d.origin.line == 2 and "credential" in d.message for d in plan.diagnostics
    )


def test_extra_index_warns_about_first_index(tmp_path: Path) -> None:
    work = tmp_path / "svc"
    shutil.copytree(CASES / "indexes" / "before", work)
    plan = plan_to_uv(detect(work), MigrateOptions(target="uv"))
    said = " ".join(d.render() for d in plan.diagnostics)
    assert "first-index" in said and "dependency confusion" in said
    assert "CORP_TOKEN" not in b"".join(c.new or b"" for c in plan.changes).decode()
    assert "does not expand" in said


def test_pip_compile_pins_become_lock_preferences(tmp_path: Path) -> None:
    from toolshift.locking import pins_for

    work = tmp_path / "svc"
    shutil.copytree(CASES / "pip_tools" / "before", work)
    detected = detect(work)
    plan = plan_to_uv(detected, MigrateOptions(target="uv"))
    assert {c.path for c in plan.changes if c.new is None} == {
        "requirements.in",
        "requirements.txt",
    }
    pins = pins_for(detected)
    assert pins["flask"] == "3.0.2" and pins["werkzeug"] == "3.0.1"
    assert pins["markupsafe"] == "2.1.5"
    assert len(plan.post_actions) == 1
