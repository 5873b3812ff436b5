"""The shared shell translator: pip <-> uv command lines, everything else byte-identical."""

from __future__ import annotations

import pytest

from toolshift.model import Severity
from toolshift.rewriters import RewriteContext
from toolshift.rewriters.shell import ShellContext, translate_argv, translate_script

UV = RewriteContext("uv", uv_version="0.9.5")
PIP = RewriteContext("pip", uv_version="0.9.5")
D, CI, DOCS = ShellContext.DOCKER, ShellContext.CI, ShellContext.DOCS

TO_UV = [
    # && chains mixing apt and pip: only the pip words change
    (
        D,
        "apt-get update && apt-get install -y gcc && pip install --no-cache-dir -r "
        "requirements.txt && rm -rf /var/lib/apt/lists/*",
        "apt-get update && apt-get install -y gcc && uv sync --locked --no-dev && rm -rf "
        "/var/lib/apt/lists/*",
    ),
    (D, "pip install -r requirements.txt", "uv sync --locked --no-dev"),
    (D, "pip3 install -r ./requirements.txt", "uv sync --locked --no-dev"),
    (D, "python -m pip install -r requirements.txt", "uv sync --locked --no-dev"),
    (D, "python3 -m pip install --user -r requirements.txt", "uv sync --locked --no-dev"),
    (D, "/opt/venv/bin/pip install -rrequirements.txt", "uv sync --locked --no-dev"),
    (D, "pip install -r requirements-dev.txt", "uv sync --locked"),
    (D, "pip install -r requirements.txt -r requirements-dev.txt", "uv sync --locked"),
    (D, "pip install -r requirements/test.txt", "uv sync --locked"),
    (D, "pip install -r requirements-docs.txt", "uv sync --locked --no-dev --group docs"),
    (
        D,
        "pip install -c constraints.txt -i https://pypi.example/simple -r requirements.txt",
        "uv sync --locked --no-dev",
    ),
    (
        D,
        "pip install --upgrade pip && pip install -r requirements.txt",
        "uv sync --locked --no-dev",
    ),
    (D, "python -m pip install -U pip setuptools wheel", ""),
    (D, "pip install --upgrade pip", ""),
    (D, "python -m venv /opt/venv", ""),
    (D, "pip install uv", ""),
    (D, "curl -LsSf https://astral.sh/uv/install.sh | sh", ""),
    (D, "pip install -e .", "uv sync --locked --no-dev"),
    (D, "set -eux; pip install -r requirements.txt", "set -eux; uv sync --locked --no-dev"),
    # continuation lines survive; the dropped middle command takes its operator with it
    (
        D,
        "apt-get update \\\n    && pip install -U pip \\\n    && pip install -r requirements.txt",
        "apt-get update \\\n    && uv sync --locked --no-dev",
    ),
    (
        D,
        "apt-get update \\\n    && pip install -r requirements.txt \\\n    && pip install -U pip",
        "apt-get update \\\n    && uv sync --locked --no-dev",
    ),
    # environment assignments before the command are kept
    (
        D,
        "PIP_NO_CACHE_DIR=1 pip install -r requirements.txt",
        "PIP_NO_CACHE_DIR=1 uv sync --locked --no-dev",
    ),
    (DOCS, "pip install -r requirements-dev.txt", "uv sync --locked"),
    (DOCS, 'pip install -e ".[dev]"', "uv sync --locked --no-dev --extra dev"),
    (
        DOCS,
        "python -m venv .venv && source .venv/bin/activate && pip install -r requirements-dev.txt",
        "uv venv .venv && source .venv/bin/activate && uv sync --locked",
    ),
    (DOCS, "python -m pytest -q", "uv run pytest -q"),
    (
        DOCS,
        "curl -LsSf https://astral.sh/uv/install.sh | sh",
        "curl -LsSf https://astral.sh/uv/0.9.5/install.sh | sh",
    ),
    (CI, "python -m pytest -q tests/", "uv run pytest -q tests/"),
    (CI, "pytest --cov=app", "uv run pytest --cov=app"),
    (CI, "mypy src && ruff check .", "uv run mypy src && uv run ruff check ."),
    (CI, "python manage.py check", "uv run python manage.py check"),
    # CI runs tests: the dev group (where ad hoc test tools go) is synced too
    (CI, "uv pip install --system -r requirements.txt", "uv sync --locked"),
    (CI, "pip install -r requirements.txt", "uv sync --locked"),
]

TO_PIP = [
    (D, "uv sync --locked --no-dev", "pip install --no-cache-dir -r requirements.txt"),
    (
        D,
        "uv sync --locked --no-install-project --no-dev",
        "pip install --no-cache-dir -r requirements.txt",
    ),
    (CI, "uv sync --locked", "pip install -r requirements-dev.txt"),
    (
        CI,
        "uv sync --frozen --group docs --no-dev",
        "pip install -r requirements-docs.txt",
    ),
    (CI, "uv run pytest -q", "pytest -q"),
    (CI, "uv run --locked python manage.py migrate", "python manage.py migrate"),
    (CI, "uv run app.py", "python app.py"),
    (D, "uv venv --python 3.12 /opt/venv", "python -m venv /opt/venv"),
    (D, "uv venv", "python -m venv .venv"),
    (
        D,
        "uv pip install --system -r requirements.txt",
        "pip install --no-cache-dir -r requirements.txt",
    ),
    (D, "uv pip sync requirements.txt", "pip install --no-cache-dir -r requirements.txt"),
    (
        D,
        "curl -LsSf https://astral.sh/uv/0.9.5/install.sh | sh && uv sync",
        "pip install --no-cache-dir -r requirements-dev.txt",
    ),
    (
        D,
        "apt-get update && uv sync --locked --no-dev && rm -rf /tmp/x",
        "apt-get update && pip install --no-cache-dir -r requirements.txt && rm -rf /tmp/x",
    ),
    (CI, "uv lock --check", ""),
]

# pip-tools: a Makefile `lock:` target or a README that compiled requirements.in kept running
# pip-compile on a file the migration deletes
TO_UV += [
    (DOCS, "pip-compile --generate-hashes requirements.in", "uv lock"),
    (
        DOCS,
        "pip-compile --upgrade -o requirements.txt requirements.in && pip-compile "
        "requirements-dev.in",
        "uv lock --upgrade && uv lock",
    ),
    (
        CI,
        "pip-compile --upgrade-package django -P celery requirements.in",
        "uv lock --upgrade-package django --upgrade-package celery",
    ),
    (DOCS, "python -m piptools compile --quiet requirements.in", "uv lock"),
    (DOCS, "pip-sync requirements.txt requirements-dev.txt", "uv sync --locked"),
    (D, "pip-sync requirements.txt", "uv sync --locked --no-dev"),
    (CI, "pip install pip-tools && pip-compile requirements.in", "uv lock"),
    (DOCS, "python -m pip install -U pip-tools", ""),
]

# Poetry and Pipenv: their Dockerfiles and CI steps kept calling poetry/pipenv after the
# migration deleted poetry.lock / Pipfile.lock (and [tool.poetry]), so the build failed
TO_UV += [
    (D, 'pip install "poetry==1.8.3"', ""),
    (D, "pip install --no-cache-dir poetry && poetry config virtualenvs.create false", ""),
    (
        D,
        "poetry install --only main --no-root --no-interaction",
        "uv sync --locked --no-default-groups --no-install-project",
    ),
    (D, "poetry install --only-root", "uv sync --locked --inexact --no-default-groups"),
    (D, "poetry install --without dev --sync -n --no-ansi", "uv sync --locked --no-group dev"),
    (
        CI,
        "poetry install --with lint,docs -E pdf --all-extras",
        "uv sync --locked --group lint --group docs --extra pdf --all-extras",
    ),
    (CI, "poetry install --only lint", "uv sync --locked --only-group lint"),
    (CI, "poetry run pytest -q", "uv run pytest -q"),
    (DOCS, "poetry lock --no-update", "uv lock"),
    (
        D,
        "poetry export -f requirements.txt --output requirements.txt --without-hashes",
        "uv export --locked --format requirements-txt --no-emit-project --output-file "
        "requirements.txt --no-default-groups --no-hashes",
    ),
    (D, "pip install pipenv && pipenv install --deploy --system", "uv sync --locked --no-dev"),
    (CI, "pipenv install --dev --deploy", "uv sync --locked"),
    (CI, "pipenv sync --dev && pipenv run pytest", "uv sync --locked && uv run pytest"),
    (DOCS, "pipenv lock", "uv lock"),
    (CI, "poetry build", "uv build"),
    (CI, "poetry build -f wheel", "uv build --wheel"),
    (CI, "pipx install poetry==1.8.3 && poetry install", "uv sync --locked"),
]

UNTOUCHED = [
    (UV, DOCS, "poetry shell"),
    (UV, D, "poetry install --some-unknown-flag"),
    (UV, DOCS, "pipenv install requests"),
    (UV, D, "apt-get update && apt-get install -y --no-install-recommends libpq5"),
    (UV, D, "uv sync --locked --no-dev"),
    (UV, CI, "uv run pytest -q"),
    (UV, DOCS, "pip install toolshift"),  # end users install a package by name
    (UV, DOCS, "uv add httpx"),
    (PIP, D, "pip install --no-cache-dir -r requirements.txt"),
    (PIP, CI, "python -m pytest"),
    (UV, D, "echo 'pip install -r requirements.txt' > /notes"),
    (UV, DOCS, "pip freeze > requirements.txt"),  # a workflow to explain by hand
]


@pytest.mark.parametrize(("context", "before", "after"), TO_UV)
def test_to_uv(context: ShellContext, before: str, after: str) -> None:
    res = translate_script(before, UV, context)
    assert res.text == after
    assert res.rules
    # idempotent
    assert translate_script(res.text, UV, context).text == res.text


@pytest.mark.parametrize(("context", "before", "after"), TO_PIP)
def test_to_pip(context: ShellContext, before: str, after: str) -> None:
    res = translate_script(before, PIP, context)
    assert res.text == after
    assert translate_script(res.text, PIP, context).text == res.text


@pytest.mark.parametrize(("ctx", "context", "text"), UNTOUCHED)
def test_untouched(ctx: RewriteContext, context: ShellContext, text: str) -> None:
    res = translate_script(text, ctx, context)
    assert res.text == text
    assert not res.rules


def test_adhoc_packages_reported_and_dropped() -> None:
    res = translate_script(
        "apt-get install -y curl && pip install -r requirements.txt && "
        'pip install gunicorn==22.0.0 "uvicorn[standard]"',
        UV,
        D,
    )
    assert res.text == "apt-get install -y curl && uv sync --locked --no-dev"
    assert [a.requirement for a in res.adhoc_packages] == ["gunicorn==22.0.0", "uvicorn[standard]"]
    assert not any(a.dev for a in res.adhoc_packages)
    assert "TS208" in res.rules
    assert any("gunicorn==22.0.0" in d.message for d in res.diagnostics)


def test_adhoc_install_kept_when_ts208_is_disabled() -> None:
    # nothing would carry the packages into the project: the install line must stay
    ctx = RewriteContext("uv", disabled_rules=frozenset({"TS208"}))
    text = "pip install -r requirements.txt && pip install gunicorn==22.0.0"
    res = translate_script(text, ctx, D)
    assert "pip install gunicorn==22.0.0" in res.text
    assert not res.adhoc_packages
    assert any("TS208 is disabled" in d.message for d in res.diagnostics)


def test_adhoc_in_ci_is_dev() -> None:
    res = translate_script("pip install pytest-cov", UV, CI)
    assert res.dropped
    assert [(a.requirement, a.dev) for a in res.adhoc_packages] == [("pytest-cov", True)]


def test_unparsable_shell_left_alone_with_diagnostic() -> None:
    text = "echo $((1+2)) && pip install -r requirements.txt"
    res = translate_script(text, UV, D, line=7)
    assert res.text == text
    assert not res.understood
    assert res.diagnostics and res.diagnostics[0].origin is not None
    assert res.diagnostics[0].origin.line == 7


def test_unknown_pip_options_left_alone() -> None:
    for text in ("pip install --root /deps -r requirements.txt", "pip install --weird -r r.txt"):
        res = translate_script(text, UV, D)
        assert res.text == text
        assert res.diagnostics


def test_drop_behind_or_is_not_done() -> None:
    res = translate_script("pip install --upgrade pip || true", UV, D)
    assert res.text == "pip install --upgrade pip || true"
    assert any("cannot be removed" in d.message for d in res.diagnostics)


def test_security_diagnostics_for_index_flags() -> None:
    res = translate_script(
        "pip install --extra-index-url https://x.example/simple --trusted-host x.example "
        "-r requirements.txt",
        UV,
        D,
    )
    assert res.text == "uv sync --locked --no-dev"
    msgs = " ".join(d.message for d in res.diagnostics)
    assert "dependency confusion" in msgs and "TLS" in msgs


def test_deps_only_adds_no_install_project() -> None:
    assert (
        translate_script("pip install -r requirements.txt", UV, D, deps_only=True).text
        == "uv sync --locked --no-install-project --no-dev"
    )
    assert (
        translate_script("uv sync --locked --no-dev", UV, D, deps_only=True).text
        == "uv sync --locked --no-install-project --no-dev"
    )


def test_installs_dependencies_flag() -> None:
    assert translate_script("pip install -r requirements.txt", UV, D).installs_dependencies
    assert translate_script("pip install -r requirements.txt", PIP, D).installs_dependencies
    assert not translate_script("apt-get install -y gcc", UV, D).installs_dependencies


def test_argv_level() -> None:
    t = translate_argv(["uv", "run", "gunicorn", "-b", "0.0.0.0:8000", "app:app"], PIP)
    assert t.argv == ("gunicorn", "-b", "0.0.0.0:8000", "app:app")
    t = translate_argv(["pip", "install", "--upgrade", "pip"], UV)
    assert t.dropped
    t = translate_argv(["gunicorn", "app:app"], UV)
    assert t.argv == ("gunicorn", "app:app") and not t.rules


def test_package_project_under_pip() -> None:
    # requirements.txt itself holds `-e .` (planners.to_pip): only extras are named
    ctx = RewriteContext("pip", is_package=True)
    assert translate_script("uv sync --no-dev", ctx, CI).text == "pip install -r requirements.txt"
    assert (
        translate_script("uv sync --no-dev --extra fast", ctx, CI).text
        == "pip install -r requirements.txt -e '.[fast]'"
    )
    assert (
        translate_script("uv sync --no-dev --no-install-project", ctx, D).text
        == "pip install --no-cache-dir -r requirements.txt"
    )


def test_custom_requirement_file_names() -> None:
    ctx = RewriteContext("uv", requirement_files={"": "deps/prod.txt", "dev": "deps/dev.txt"})
    assert translate_script("pip install -r deps/dev.txt", ctx, D).text == "uv sync --locked"
    assert (
        translate_script("pip install -r deps/prod.txt", ctx, D).text == "uv sync --locked --no-dev"
    )


def test_sh_c_inner_script_translated_and_requoted() -> None:
    res = translate_script('sh -c "pip install -r requirements.txt && python app.py"', UV, D)
    assert res.text == 'sh -c "uv sync --locked --no-dev && python app.py"'
    res = translate_script("bash -c 'uv run pytest -q'", PIP, CI)
    assert res.text == "bash -c 'pytest -q'"
    assert translate_script("sh -c 'pip install -U pip'", UV, D).dropped


def test_group_files_without_the_runtime_include() -> None:
    ctx = RewriteContext("pip", group_files_include_runtime=False)
    assert (
        translate_script("uv sync", ctx, CI).text
        == "pip install -r requirements.txt -r requirements-dev.txt"
    )


def test_context_for_project() -> None:
    from toolshift.model import DependencyGroup, GroupKind, Project, Tool

    project = Project(
        root="/x",
        name="svc",
        tool=Tool.PIP,
        groups=(
            DependencyGroup("runtime", GroupKind.RUNTIME, files=("deps/prod.txt",)),
            DependencyGroup("dev", GroupKind.GROUP, files=("deps/dev.txt",)),
            DependencyGroup("fast", GroupKind.EXTRA),
        ),
        is_package=True,
    )
    ctx = RewriteContext.for_project(project, "uv", uv_version="0.9.5", path="Dockerfile")
    assert dict(ctx.requirement_files) == {"": "deps/prod.txt", "dev": "deps/dev.txt"}
    assert ctx.has_dev_group and ctx.is_package and ctx.path == "Dockerfile"
    assert translate_script("pip install -r deps/dev.txt", ctx, D).text == "uv sync --locked"
    back = RewriteContext.for_project(project, "pip", uv_version="0.9.5")
    assert dict(back.requirement_files) == {"": "requirements.txt", "dev": "requirements-dev.txt"}


def test_packaging_tool_install_left_alone() -> None:
    # poetry, pipenv and pip-tools commands are translated (TO_UV); other tools are not
    text = "pip install pdm==2.10 && pdm install --prod"
    res = translate_script(text, UV, D)
    assert res.text == text and not res.adhoc_packages
    assert any("pdm" in d.message for d in res.diagnostics)
    poetry = translate_script("pip install poetry==1.8.3 && poetry install --no-root", UV, D)
    assert poetry.text == "uv sync --locked --no-install-project" and poetry.installs_dependencies


def test_rewriter_for_every_role_it_handles() -> None:
    from toolshift.model import FileRole
    from toolshift.rewriters import rewriter_for

    handled = {
        FileRole.DOCKERFILE: "rewrite_dockerfile",
        FileRole.COMPOSE: "rewrite_compose",
        FileRole.GITHUB_WORKFLOW: "rewrite_workflow",
        FileRole.GITLAB_CI: "rewrite_gitlab_ci",
        FileRole.DOCKERIGNORE: "rewrite_dockerignore",
        FileRole.GITIGNORE: "rewrite_gitignore",
        FileRole.README: "rewrite_markdown",
        FileRole.MAKEFILE: "rewrite_makefile",
    }
    for role in FileRole:
        fn = rewriter_for(role)
        assert (fn.__name__ if fn else None) == handled.get(role)
    assert rewriter_for(FileRole.README, "README.rst") is None


def test_pip_variables_set_for_a_translated_command_are_a_warning() -> None:
    res = translate_script(
        "PIP_INDEX_URL=$CORP_INDEX PIP_NO_CACHE_DIR=1 pip install -r requirements.txt", UV, D
    )
    assert res.text == "PIP_INDEX_URL=$CORP_INDEX PIP_NO_CACHE_DIR=1 uv sync --locked --no-dev"
    [warning] = [d for d in res.diagnostics if "PIP_INDEX_URL" in d.message]
    assert warning.severity is Severity.WARNING and "UV_INDEX_" in warning.hint
    assert not [
        d
        for d in translate_script("FOO=1 pip install -r requirements.txt", UV, D).diagnostics
        if "PIP_" in d.message
    ]
