"""Poetry and Pipenv commands -> uv, flag by flag: exactly the groups the old command installed.

After migration a Poetry project's ``[tool.uv] default-groups`` holds every non-optional Poetry
group (``poetry install`` installs them all), so an install of "main only" is
``--no-default-groups``, never ``--no-dev`` (which would keep the test and lint groups).
"""

from __future__ import annotations

import pytest

from toolshift.model import Severity
from toolshift.rewriters import RewriteContext
from toolshift.rewriters.shell import ShellContext, translate_script

UV = RewriteContext("uv", uv_version="0.9.5")
PKG = RewriteContext("uv", uv_version="0.9.5", is_package=True)
D, CI = ShellContext.DOCKER, ShellContext.CI

POETRY = [
    (D, "poetry install", "uv sync --locked"),
    (D, "poetry install --only main", "uv sync --locked --no-default-groups"),
    (D, "poetry install --no-dev", "uv sync --locked --no-default-groups"),  # = --only main
    (
        D,
        "poetry install --only main,docs",
        "uv sync --locked --no-default-groups --group docs",
    ),
    (
        D,
        "poetry install --only=main --only docs",
        "uv sync --locked --no-default-groups --group docs",
    ),
    (CI, "poetry install --only lint,test", "uv sync --locked --only-group lint --only-group test"),
    (D, "poetry install --without dev,lint", "uv sync --locked --no-group dev --no-group lint"),
    (D, "poetry install --with docs", "uv sync --locked --group docs"),
    (D, "poetry install --no-root", "uv sync --locked --no-install-project"),
    (D, "poetry install --only-root", "uv sync --locked --inexact --no-default-groups"),
    (D, "poetry install --sync --no-interaction --no-ansi", "uv sync --locked"),
    (D, "poetry install --all-extras", "uv sync --locked --all-extras"),
    (D, 'poetry install -E "pdf csv"', "uv sync --locked --extra pdf --extra csv"),
    (D, "poetry install --extras=pdf", "uv sync --locked --extra pdf"),
    (D, "poetry install --all-groups", "uv sync --locked --all-groups"),
    (D, "poetry install --compile", "uv sync --locked --compile-bytecode"),
    (
        D,
        "poetry install --no-directory --only main",
        "uv sync --locked --no-default-groups --no-install-local",
    ),
    (D, "poetry install --no-cache -q", "uv sync --locked"),
    (
        D,
        "poetry export -f requirements.txt -o requirements.txt",
        "uv export --locked --format requirements-txt --no-emit-project --output-file "
        "requirements.txt --no-default-groups",
    ),
    (
        D,
        "poetry export --with dev --without-hashes",
        "uv export --locked --format requirements-txt --no-emit-project --no-default-groups "
        "--group dev --no-hashes",
    ),
    (
        D,
        "poetry export --dev",
        "uv export --locked --format requirements-txt --no-emit-project --no-default-groups "
        "--group dev",
    ),
    (
        D,
        "poetry export --only main,docs --all-extras",
        "uv export --locked --format requirements-txt --no-emit-project --no-default-groups "
        "--group docs --all-extras",
    ),
]

PIPENV = [
    (D, "pipenv install --deploy --system", "uv sync --locked --no-dev"),
    (D, "pipenv install --system --ignore-pipfile", "uv sync --locked --no-dev"),
    (D, "pipenv sync", "uv sync --locked --no-dev"),
    (D, "pipenv install --dev --system --deploy", "uv sync --locked"),
    (D, "pipenv sync -d", "uv sync --locked"),
    (CI, "pipenv install --dev", "uv sync --locked"),
    (CI, "pipenv sync --dev", "uv sync --locked"),
]


@pytest.mark.parametrize(("context", "before", "after"), POETRY + PIPENV)
def test_translated(context: ShellContext, before: str, after: str) -> None:
    res = translate_script(before, UV, context)
    assert res.text == after
    assert res.rules
    assert not [d for d in res.diagnostics if d.severity is Severity.WARNING]
    again = translate_script(res.text, UV, context)
    assert again.text == res.text and not again.rules


def test_deps_only_layer() -> None:
    # the first RUN of an image (before the source): the project is not installed yet
    res = translate_script("poetry install --only main --no-directory", UV, D, deps_only=True)
    assert res.text == (
        "uv sync --locked --no-default-groups --no-install-project --no-install-local"
    )


KEPT = [
    ("poetry install --dry-run", "--dry-run"),
    ("poetry export -f constraints.txt -o c.txt", "constraints.txt"),
    ("poetry export --with-credentials", "--with-credentials"),
    ("poetry install --only", "without a value"),
    ("pipenv install --categories docs", "--categories"),
    ("pipenv install requests", "uv add"),
]


@pytest.mark.parametrize(("text", "named"), KEPT)
def test_kept_with_a_warning(text: str, named: str) -> None:
    res = translate_script(text, UV, D, line=3)
    assert res.text == text and not res.rules
    [warning] = res.diagnostics
    assert warning.severity is Severity.WARNING and warning.message.startswith("left alone")
    assert named in warning.message and warning.hint
    assert warning.origin is not None and warning.origin.line == 3


def test_only_groups_of_a_package_say_the_project_is_left_out() -> None:
    res = translate_script("poetry install --only test", PKG, CI)
    assert res.text == "uv sync --locked --only-group test"
    assert any("project itself" in d.message for d in res.diagnostics)
    res = translate_script("poetry install --only test --no-root", PKG, CI)
    assert not res.diagnostics


def test_pipenv_in_ci_says_the_dev_group_is_synced() -> None:
    res = translate_script("pipenv install --deploy", UV, CI)
    assert res.text == "uv sync --locked"
    [note] = res.diagnostics
    assert note.severity is Severity.INFO and "dev group" in note.message


def test_every_emitted_flag_exists_in_the_bundled_uv() -> None:
    """Each ``--flag`` the translations write (uv sync, uv export, uv pip ...) is one the
    uv toolshift runs accepts: checked against its own ``--help``."""

    import re

    from toolshift.tools import find_uv, run

    from .test_shell_pip_flags import TRANSLATED

    uv = find_uv().path
    helps = {
        sub: run([uv, *sub.split(), "--help"], check=True, timeout=60).stdout
        for sub in (
            "sync",
            "export",
            "lock",
            "run",
            *(f"pip {c}" for c in ("install", "check", "freeze", "list", "show", "uninstall")),
        )
    }
    outputs = [after for _c, _b, after in POETRY + PIPENV]
    outputs += [case[2] for case in TRANSLATED]
    checked = 0
    for out in outputs:
        for command in re.split(r"\s*(?:&&|;|\|\|)\s*|[{}]", out):
            words = command.split()
            if "uv" not in words:
                continue
            words = words[words.index("uv") + 1 :]
            sub = " ".join(words[:2]) if words[0] == "pip" else words[0]
            if sub == "run":  # uv run's own flags end where the command it runs starts
                words = words[: next((k for k, w in enumerate(words[1:], 1) if w[0] != "-"), None)]
            for flag in (w.split("=", 1)[0] for w in words if w.startswith("--")):
                assert re.search(rf"(?m)^\s+(?:-\w, )?{re.escape(flag)}\b", helps[sub]), (
                    f"uv {sub} has no {flag}"
                )
                checked += 1
    assert checked > 60
