"""rewriters.readme: `poetry add` / `pipenv install <pkg>` in docs become `uv add` (QA pass)."""

from __future__ import annotations

import pytest

from toolshift.rewriters.readme import add_remove


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("poetry add requests@^2.32", "uv add 'requests>=2.32,<3.0'"),
        ("poetry add requests@latest", "uv add requests"),
        ("poetry add -D black", "uv add --dev black"),
        ("poetry add --group=docs mkdocs", "uv add --group docs mkdocs"),
        ("poetry add --source corp internal-auth", "uv add --index corp internal-auth"),
        ("poetry add --allow-prereleases x", "uv add --prerelease allow x"),
        ('poetry add "fastapi[all]@~0.110"', "uv add 'fastapi[all]>=0.110,<0.111'"),
        ("poetry add git+https://github.com/a/b.git", "uv add git+https://github.com/a/b.git"),
        ("poetry remove --group dev pytest", "uv remove --dev pytest"),
        ("poetry add <package>", "uv add <package>"),
        ("pipenv install requests", "uv add requests"),
        ("pipenv install -d pytest", "uv add --dev pytest"),
        ("pipenv install --categories docs sphinx", "uv add --group docs sphinx"),
        ("pipenv install -e ./lib", "uv add --editable ./lib"),
        ("pipenv uninstall flask", "uv remove flask"),
    ],
)
def test_add_remove(before: str, after: str) -> None:
    assert add_remove(before) == after


@pytest.mark.parametrize(
    "text",
    [
        "poetry install",
        "pipenv install",  # installs the lock: the shell translator's job
        "pipenv install --dev --deploy",
        "poetry add --optional psycopg",  # uv add --optional needs the extra's name
        "poetry add requests@^x.y",  # not a constraint Poetry reads
        "poetry add requests  # the HTTP client",
        "pip install requests",
        "poetry add",
    ],
)
def test_left_to_the_translator(text: str) -> None:
    assert add_remove(text) is None


def test_shell_commands_activate_the_project_environment() -> None:
    from toolshift.rewriters import RewriteContext
    from toolshift.rewriters.readme import rewrite_markdown

    ctx = RewriteContext(direction="uv", uv_version="0.9.5", path="README.md")
    text = "```sh\npipenv install --dev\npipenv shell\n```\n\nThen `poetry shell`.\n"
    res = rewrite_markdown(text, ctx)
    assert res.text == (
        "```sh\nuv sync --locked\nsource .venv/bin/activate\n```\n\n"
        "Then `source .venv/bin/activate`.\n"
    )
    assert rewrite_markdown(res.text, ctx).text == res.text


def test_release_docs_publish_with_uv() -> None:
    from toolshift.rewriters import RewriteContext
    from toolshift.rewriters.readme import rewrite_markdown

    ctx = RewriteContext(direction="uv", uv_version="0.9.5", path="RELEASING.md")
    text = "```bash\npoetry build\npoetry publish\n```\n"
    assert rewrite_markdown(text, ctx).text == "```bash\nuv build\nuv publish\n```\n"


def test_getting_the_old_tool_becomes_getting_uv() -> None:
    from toolshift.rewriters import RewriteContext
    from toolshift.rewriters.readme import rewrite_makefile, rewrite_markdown

    ctx = RewriteContext(direction="uv", uv_version="0.9.5", path="README.md")
    text = (
        "```bash\ncurl -sSL https://install.python-poetry.org | python3 -\n"
        "pipx install poetry\npip install --user pipenv\nbrew install poetry\n"
        "poetry --version\n```\n"
    )
    assert rewrite_markdown(text, ctx).text == (
        "```bash\ncurl -LsSf https://astral.sh/uv/0.9.5/install.sh | sh\n"
        "pipx install uv\npip install --user uv\nbrew install uv\nuv --version\n```\n"
    )
    # a Makefile recipe that installs the tool into the current environment: it goes
    make = RewriteContext(direction="uv", uv_version="0.9.5", path="Makefile")
    assert "uv" not in rewrite_makefile("setup:\n\tpip install pipenv\n", make).text
