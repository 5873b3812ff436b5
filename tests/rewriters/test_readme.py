"""README/CONTRIBUTING code blocks and Makefile recipes through the shell translator."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolshift.rewriters import RewriteContext
from toolshift.rewriters.readme import rewrite_docs, rewrite_makefile, rewrite_markdown

from .fixtures import case_dirs, check_case

CASES = case_dirs("readme")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fixture(case: Path) -> None:
    check_case(case, rewrite_docs)


def test_python_code_blocks_untouched() -> None:
    text = "```python\nos.system('pip install -r requirements.txt')\n```\n"
    assert rewrite_markdown(text, RewriteContext("uv")).text == text


def test_unclosed_fence_untouched() -> None:
    text = "```bash\npip install -r requirements.txt\n"
    assert rewrite_markdown(text, RewriteContext("uv")).text == text


def test_makefile_variables_left_alone() -> None:
    text = "install:\n\t$(PIP) install -r requirements.txt\n"
    assert rewrite_makefile(text, RewriteContext("uv")).text == text


def test_makefile_crlf() -> None:
    text = "test:\r\n\tpython -m pytest\r\n"
    assert rewrite_makefile(text, RewriteContext("uv")).text == "test:\r\n\tuv run pytest\r\n"
