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


def test_pip_index_variables_are_named_as_not_read_by_uv() -> None:
    from toolshift.rewriters.github_actions import rewrite_gitlab_ci

    ctx = RewriteContext(direction="uv", uv_version="0.9.5")
    gitlab = (
        "variables:\n  PIP_INDEX_URL: https://nexus.example.com/simple\n\n"
        "test:\n  script:\n    - pip install -r requirements.txt\n    - pytest\n"
    )
    res = rewrite_gitlab_ci(gitlab, ctx)
    warn = [d for d in res.diagnostics if "PIP_INDEX_URL" in d.message]
    assert len(warn) == 1 and warn[0].origin is not None and warn[0].origin.line == 2
    assert "UV_DEFAULT_INDEX" in warn[0].hint
    assert "PIP_INDEX_URL: https://nexus.example.com/simple" in res.text  # pip uses it still
    github = (
        "env:\n  PIP_EXTRA_INDEX_URL: https://x.example/simple\n  UV_INDEX: https://x.example/simple\n"
        "jobs:\n  t:\n    runs-on: ubuntu-latest\n    env:\n      PIP_FIND_LINKS: ./wheels\n"
        "    steps:\n      - run: pytest\n"
    )
    msgs = [d.message for d in rewrite_workflow(github, ctx).diagnostics]
    # the uv variable is set beside PIP_EXTRA_INDEX_URL: nothing to say about it
    assert [m.split(" ")[0] for m in msgs if "pip's setting" in m] == ["PIP_FIND_LINKS"]
    pip = RewriteContext(direction="pip", uv_version="0.9.5")
    assert not any("pip's setting" in d.message for d in rewrite_gitlab_ci(gitlab, pip).diagnostics)


def test_gitlab_cache_keyed_on_the_old_lock_is_keyed_on_uv_lock() -> None:
    from toolshift.rewriters.github_actions import rewrite_gitlab_ci

    ctx = RewriteContext(direction="uv", uv_version="0.9.5")
    text = (
        "cache:\n  key:\n    files:\n      - poetry.lock\n      - pyproject.toml\n"
        "  paths:\n    - .venv\n\n"
        "test:\n  cache:\n    - key:\n        files: [Pipfile.lock, requirements.txt]\n"
        "      paths: [.venv]\n  script:\n    - poetry install\n    - poetry run pytest\n"
    )
    res = rewrite_gitlab_ci(text, ctx)
    assert "      - uv.lock\n      - pyproject.toml\n" in res.text
    assert "files: [uv.lock]" in res.text
    assert "poetry" not in res.text
    assert rewrite_gitlab_ci(res.text, ctx).text == res.text


def test_pipenv_export_commands_become_uv_export() -> None:
    from toolshift.rewriters.github_actions import pipenv_export

    base = "uv export --locked --format requirements-txt --no-emit-project"
    cases = {
        "pipenv requirements > requirements.txt": f"{base} --no-hashes --no-dev > requirements.txt",
        "pipenv requirements --dev": f"{base} --no-hashes",
        "pipenv requirements --dev-only --hash": f"{base} --only-dev",
        # the old spelling: `uv lock > requirements.txt` wrote an empty file
        "pipenv lock -r > requirements.txt": f"{base} --no-hashes --no-dev > requirements.txt",
        "  pipenv lock --requirements --dev | tee r.txt": f"  {base} --no-hashes | tee r.txt",
    }
    for before, after in cases.items():
        assert pipenv_export(before) == after, before
    for untouched in ("pipenv lock", "pipenv lock --clear", "pipenv requirements --categories x"):
        assert pipenv_export(untouched) is None, untouched
    ctx = RewriteContext(direction="uv", uv_version="0.9.5")
    wf = (
        "jobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/setup-python@v5\n"
        "      - run: pip install pipenv\n"
        "      - run: pipenv requirements --dev > requirements-dev.txt\n"
    )
    out = rewrite_workflow(wf, ctx).text
    assert f"      - run: {base} --no-hashes > requirements-dev.txt\n" in out
    assert "pipenv" not in out


def test_poetry_publish_becomes_uv_publish() -> None:
    from toolshift.rewriters.github_actions import poetry_publish

    assert poetry_publish("poetry publish") == "uv publish"
    assert poetry_publish("poetry publish --build -u __token__ -p ${{ secrets.PYPI }}") == (
        "uv build && uv publish -u __token__ -p ${{ secrets.PYPI }}"
    )
    assert poetry_publish("  poetry publish --dry-run -n") == "  uv publish --dry-run"
    assert poetry_publish("poetry publish -r testpypi") is None  # a named repository
    assert poetry_publish("poetry build") is None
    ctx = RewriteContext(direction="uv", uv_version="0.9.5")
    wf = (
        "jobs:\n  release:\n    runs-on: ubuntu-latest\n"
        "    env:\n      POETRY_PYPI_TOKEN_PYPI: ${{ secrets.PYPI }}\n    steps:\n"
        "      - uses: snok/install-poetry@v1\n"
        "      - run: poetry publish --build\n"
    )
    out = rewrite_workflow(wf, ctx).text
    assert "      UV_PUBLISH_TOKEN: ${{ secrets.PYPI }}\n" in out
    res = rewrite_workflow(wf, ctx)
    assert any("uv publish reads the token" in d.message for d in res.diagnostics)
    assert "      - run: uv build && uv publish\n" in out
    assert "poetry" not in out.lower()


def test_pipenv_categories_install_their_groups() -> None:
    from toolshift.rewriters.github_actions import pipenv_categories

    assert pipenv_categories("pipenv install --categories tests") == (
        "uv sync --locked --only-group tests"
    )
    assert pipenv_categories('pipenv sync --categories="packages docs"') == (
        "uv sync --locked --no-default-groups --group docs"
    )
    assert pipenv_categories("pipenv install --categories docs sphinx") is None  # adds sphinx
    assert pipenv_categories("pipenv install --dev") is None  # the translator's
    ctx = RewriteContext(direction="uv", uv_version="0.9.5")
    wf = (
        "jobs:\n  docs:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/setup-python@v5\n"
        "      - run: pip install pipenv && pipenv install --categories docs\n"
        "      - run: |\n          echo start\n\n          pipenv run sphinx-build docs out\n"
    )
    out = rewrite_workflow(wf, ctx).text
    assert "      - run: uv sync --locked --only-group docs\n" in out
    # a blank line inside a script stays
    assert "          echo start\n\n          uv run sphinx-build docs out\n" in out
