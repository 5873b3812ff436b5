"""Compose files: commands, uv/pip cache volumes, develop.watch; comments and anchors kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolshift.rewriters import RewriteContext
from toolshift.rewriters.compose import rewrite_compose

from .fixtures import case_dirs, check_case, read

CASES = case_dirs("compose")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fixture(case: Path) -> None:
    check_case(case, rewrite_compose)


def test_comments_and_anchors_survive() -> None:
    before = read(CASES[0].parent / "uv_anchors_comments" / "before")
    out = rewrite_compose(before, RewriteContext("uv")).text
    for keep in (
        "# Local development stack",
        "&common",
        "<<: *common",
        "# the app itself",
        "# keep downloads between runs",
    ):
        assert keep in out


def test_invalid_yaml_left_alone() -> None:
    text = "services:\n  web: [unclosed\n"
    res = rewrite_compose(text, RewriteContext("uv"))
    assert res.text == text and res.diagnostics


@pytest.mark.parametrize("text", ["", "version: '3'\n", "- a\n- b\n", "services: {}\n"])
def test_not_compose_untouched(text: str) -> None:
    assert rewrite_compose(text, RewriteContext("uv")).text == text


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            'services:\n  web:\n    build: .\n    command: ["uv", "run", "app"]\n'
            '    ports:\n    - "80:80"\n    volumes:\n    - .:/app\n    - /app/.venv\n',
            'services:\n  web:\n    build: .\n    command: ["app"]\n'
            '    ports:\n    - "80:80"\n    volumes:\n    - .:/app\n',
        ),
        (
            "services:\n    web:\n        build: .\n        command: uv run app\n"
            '        ports:\n            - "80:80"\n',
            "services:\n    web:\n        build: .\n        command: app\n"
            '        ports:\n            - "80:80"\n',
        ),
    ],
    ids=["sequence-offset-0", "indent-4"],
)
def test_indentation_style_kept(before: str, after: str) -> None:
    assert rewrite_compose(before, RewriteContext("pip")).text == after


def test_blank_line_after_a_removed_last_item_survives() -> None:
    text = (
        "services:\n  web:\n    build: .\n    volumes:\n      - .:/app\n      - /app/.venv\n"
        "\n  db:\n    image: postgres\n"
    )
    out = rewrite_compose(text, RewriteContext("pip")).text
    assert out == (
        "services:\n  web:\n    build: .\n    volumes:\n      - .:/app\n"
        "\n  db:\n    image: postgres\n"
    )
