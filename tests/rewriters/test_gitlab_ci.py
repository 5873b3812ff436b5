"""GitLab CI: script lines through the shell translator; uv installed pinned where needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolshift.rewriters import RewriteContext
from toolshift.rewriters.github_actions import rewrite_gitlab_ci

from .fixtures import case_dirs, check_case

CASES = case_dirs("gitlab_ci")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fixture(case: Path) -> None:
    check_case(case, rewrite_gitlab_ci)


def test_job_with_own_before_script_gets_uv_installed() -> None:
    text = (
        "test:\n  before_script:\n    - echo hi\n  script:\n    - pip install -r requirements.txt\n"
    )
    out = rewrite_gitlab_ci(text, RewriteContext("uv", uv_version="0.9.5")).text
    assert out == (
        "test:\n  before_script:\n    - pip install uv==0.9.5\n    - echo hi\n"
        "  script:\n    - uv sync --locked\n"
    )


def test_untouched() -> None:
    text = "build:\n  script:\n    - make\n"
    assert rewrite_gitlab_ci(text, RewriteContext("uv")).text == text
