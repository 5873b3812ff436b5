"""Poetry's index credentials in CI and docs become uv's UV_INDEX_<NAME>_USERNAME/_PASSWORD.

The shell translator drops `poetry config`; before this the credentials of a private Poetry
source were lost with it and the migrated job's `uv sync` got a 401 from the index.
"""

from __future__ import annotations

from toolshift.rewriters import RewriteContext
from toolshift.rewriters.github_actions import credential_lines, index_env, rewrite_gitlab_ci
from toolshift.rewriters.readme import rewrite_docs

CTX = RewriteContext(direction="uv", uv_version="0.9.5")


def test_index_env_matches_uv_naming() -> None:
    assert index_env("corp") == "UV_INDEX_CORP"
    assert index_env("acme-nexus.v2") == "UV_INDEX_ACME_NEXUS_V2"


def test_credential_lines_github_and_gitlab() -> None:
    line = "poetry config http-basic.corp ci ${{ secrets.TOKEN }}"
    assert credential_lines(line, github=True) == (
        'echo "UV_INDEX_CORP_USERNAME=ci" >> "$GITHUB_ENV"\n'
        'echo "UV_INDEX_CORP_PASSWORD=${{ secrets.TOKEN }}" >> "$GITHUB_ENV"'
    )
    assert credential_lines("  poetry config http-basic.corp '$U' \"$P\"", github=False) == (
        '  export UV_INDEX_CORP_USERNAME="$U" UV_INDEX_CORP_PASSWORD="$P"'
    )
    # only a username (Poetry asks for the password): the username is still carried
    assert credential_lines("poetry config http-basic.corp bot", github=False) == (
        'export UV_INDEX_CORP_USERNAME="bot"'
    )
    assert credential_lines("poetry config virtualenvs.in-project true", github=True) is None
    assert credential_lines("poetry config http-basic.corp", github=True) is None


GITLAB = """\
variables:
  POETRY_HTTP_BASIC_CORP_USERNAME: gitlab-ci-token

test:
  image: python:3.12
  before_script:
    - pip install poetry
    - poetry config http-basic.corp gitlab-ci-token "${CI_JOB_TOKEN}"
  script:
    - poetry install
    - poetry run pytest
"""


def test_gitlab_credentials() -> None:
    res = rewrite_gitlab_ci(GITLAB, CTX)
    assert "POETRY_HTTP_BASIC" not in res.text and "poetry config" not in res.text
    assert "  UV_INDEX_CORP_USERNAME: gitlab-ci-token\n" in res.text
    assert (
        '    - export UV_INDEX_CORP_USERNAME="gitlab-ci-token" '
        'UV_INDEX_CORP_PASSWORD="${CI_JOB_TOKEN}"\n' in res.text
    )
    # the credentials are set before uv runs
    assert res.text.index("export UV_INDEX_CORP") < res.text.index("uv sync --locked")
    assert rewrite_gitlab_ci(res.text, CTX).text == res.text


def test_readme_credentials() -> None:
    text = (
        "## Private index\n\n```console\n$ poetry config http-basic.corp myuser mytoken\n"
        "$ poetry install\n```\n"
    )
    ctx = RewriteContext(direction="uv", uv_version="0.9.5", path="README.md")
    res = rewrite_docs(text, ctx)
    assert '$ export UV_INDEX_CORP_USERNAME="myuser" UV_INDEX_CORP_PASSWORD="mytoken"\n' in (
        res.text
    )
    assert "$ uv sync --locked\n" in res.text
    assert rewrite_docs(res.text, ctx).text == res.text
    crlf = rewrite_docs(text.replace("\n", "\r\n"), ctx)
    assert crlf.text == res.text.replace("\n", "\r\n")
