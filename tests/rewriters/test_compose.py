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


# a container-start install: the migrated image has the dependencies already, and the runtime
# stage of a multistage image has no uv (tests/containers: test_compose_command_runs_in_...)
@pytest.mark.parametrize(
    ("command", "after"),
    [
        (
            '["sh", "-c", "pip install -r requirements.txt && python app.py"]',
            '["sh", "-c", "python app.py"]',
        ),
        (
            "sh -c 'pip install --no-cache-dir -r requirements.txt && python app.py'",
            "sh -c 'python app.py'",
        ),
        (
            'bash -c "pip install -r requirements.txt gunicorn && gunicorn app:app"',
            'bash -c "gunicorn app:app"',
        ),
    ],
    ids=["exec-form", "string-form", "with-named-package"],
)
def test_install_of_the_requirements_at_start_is_dropped(command: str, after: str) -> None:
    text = f"services:\n  api:\n    build: .\n    command: {command}\n"
    res = rewrite_compose(text, RewriteContext("uv"))
    assert res.text == f"services:\n  api:\n    build: .\n    command: {after}\n"
    assert "uv sync" not in res.text
    infos = [d for d in res.diagnostics if "container start" in d.message]
    assert infos and infos[0].severity.value == "info" and infos[0].origin.line == 4
    # idempotent
    assert rewrite_compose(res.text, RewriteContext("uv")).text == res.text


def test_named_packages_at_start_stay_ad_hoc() -> None:
    text = "services:\n  api:\n    command: sh -c 'pip install gunicorn && gunicorn app:app'\n"
    res = rewrite_compose(text, RewriteContext("uv"))
    assert res.text == "services:\n  api:\n    command: sh -c 'gunicorn app:app'\n"
    assert [p.requirement for p in res.adhoc_packages] == ["gunicorn"]
    assert not any("container start" in d.message for d in res.diagnostics)


def test_dev_install_at_start_keeps_uv_sync_and_warns() -> None:
    text = "services:\n  api:\n    command: sh -c 'pip install -r requirements-dev.txt && pytest'\n"
    res = rewrite_compose(text, RewriteContext("uv"))
    assert "uv sync --locked" in res.text
    warn = [d for d in res.diagnostics if "multistage runtime stage" in d.message]
    assert warn and warn[0].severity.value == "warning"
