"""rewriters.github_actions: defects found by migrating realistic services (QA pass)."""

from __future__ import annotations

from toolshift.rewriters import RewriteContext
from toolshift.rewriters.github_actions import rewrite_workflow


def test_a_patch_version_of_the_project_python_is_no_conflict() -> None:
    # Pipfile [requires] python_full_version = "3.11.8": CI sets up 3.11.8, the project's
    # Python is 3.11; TS212 said they disagreed
    text = (
        "jobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/setup-python@v5\n        with:\n"
        '          python-version: "3.11.8"\n'
        "      - run: pytest\n"
    )
    ctx = RewriteContext(direction="uv", uv_version="0.9.5", python_version="3.11")
    res = rewrite_workflow(text, ctx)
    assert not any(d.code == "TS212" for d in res.diagnostics)
    assert 'python-version: "3.11.8"' in res.text
    other = RewriteContext(direction="uv", uv_version="0.9.5", python_version="3.12")
    assert any(d.code == "TS212" for d in rewrite_workflow(text, other).diagnostics)
    # 3.1 is not a prefix of 3.11.8
    short = RewriteContext(direction="uv", uv_version="0.9.5", python_version="3.1")
    assert any(d.code == "TS212" for d in rewrite_workflow(text, short).diagnostics)
