"""planners.surroundings: defects found by migrating realistic pip-tools services (QA pass)."""

from __future__ import annotations

from pathlib import Path

from toolshift.detect import detect
from toolshift.model import MigrateOptions
from toolshift.planners.surroundings import compiled_requirement_files, plan_surroundings
from toolshift.planners.to_uv import plan_to_uv

FILES = {
    "requirements.in": "flask>=3.0,<3.1\n",
    "requirements.txt": "flask==3.0.3\n    # via -r requirements.in\n",
    "dev-requirements.in": "-c requirements.txt\npytest>=8\n",
    "dev-requirements.txt": "pytest==8.3.2\n    # via -r dev-requirements.in\n",
    "README.md": (
        "# svc\n\n```bash\npip-sync requirements.txt dev-requirements.txt\n"
        "pip install -r requirements.txt\n```\n"
    ),
    "Makefile": (
        ".PHONY: compile sync\n\n"
        "requirements.txt: requirements.in\n\tpip-compile requirements.in\n\n"
        "dev-requirements.txt: dev-requirements.in requirements.txt\n"
        "\tpip-compile dev-requirements.in\n\n"
        "compile: requirements.txt dev-requirements.txt\n\n"
        "sync: compile\n\tpip-sync requirements.txt dev-requirements.txt\n"
    ),
}


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).write_text(text, encoding="utf-8")
    return root


def _new(plan_changes: tuple[object, ...], path: str) -> str | None:
    for c in plan_changes:
        if getattr(c, "path", None) == path:
            new = getattr(c, "new", None)
            return new.decode() if new is not None else None
    raise AssertionError(f"{path} is not in the plan")


def test_compiled_files_are_the_groups_installed_files(tmp_path: Path) -> None:
    detected = detect(_write(tmp_path, FILES))
    assert compiled_requirement_files(detected) == {
        "": "requirements.txt",
        "dev": "dev-requirements.txt",
    }


def test_pip_sync_of_both_files_installs_the_dev_group(tmp_path: Path) -> None:
    # dev-requirements.txt was no group's file (the group came from dev-requirements.in), so it
    # counted as the runtime one and `pip-sync requirements.txt dev-requirements.txt` became
    # `uv sync --locked --no-dev`: the developer lost pytest
    detected = detect(_write(tmp_path, FILES))
    around = plan_surroundings(detected, MigrateOptions(target="uv"), "uv")
    readme = _new(around.changes, "README.md")
    assert readme is not None
    assert "uv sync --locked\n" in readme
    assert "uv sync --locked --no-dev\n" in readme  # `pip install -r requirements.txt`


def test_makefile_compile_rules_become_one_uv_lock_rule(tmp_path: Path) -> None:
    # the rules kept `requirements.in` (deleted) as a prerequisite: `make sync` stopped with
    # "No rule to make target 'requirements.in'"; they also kept requirements.txt alive (TS107)
    plan = plan_to_uv(detect(_write(tmp_path, FILES)), MigrateOptions(target="uv"))
    makefile = _new(plan.changes, "Makefile")
    assert makefile == (
        ".PHONY: compile sync\n\n"
        "uv.lock: pyproject.toml\n\tuv lock\n\n"
        "compile: uv.lock\n\n"
        "sync: compile\n\tuv sync --locked\n"
    )
    for gone in ("requirements.in", "requirements.txt", "dev-requirements.in"):
        assert _new(plan.changes, gone) is None
    assert _new(plan.changes, "dev-requirements.txt") is None
    assert not any(d.code == "TS107" and "kept" in d.message for d in plan.diagnostics)


def test_not_pip_tools_keeps_the_default_mapping(tmp_path: Path) -> None:
    detected = detect(
        _write(tmp_path, {"requirements.txt": "flask\n", "requirements-dev.txt": "pytest\n"})
    )
    assert compiled_requirement_files(detected) is None


def test_makefile_rules_that_are_not_pip_compile_stay() -> None:
    from toolshift.rewriters import RewriteContext
    from toolshift.rewriters.readme import rewrite_makefile

    ctx = RewriteContext(direction="uv", uv_version="0.9.5", path="Makefile")
    text = (
        "docs.txt: docs.md\n\tpandoc docs.md -o docs.txt\n\n"
        "requirements.txt: requirements.in\n\t$(PIP_COMPILE) requirements.in\n\n"
        "all: docs.txt requirements.txt\n"
    )
    assert rewrite_makefile(text, ctx).text == text
    crlf = (
        "requirements.txt: requirements.in\r\n\t@pip-compile requirements.in\r\n\r\n"
        "sync: requirements.txt\r\n"
    )
    res = rewrite_makefile(crlf, ctx)
    assert res.text == "uv.lock: pyproject.toml\r\n\t@uv lock\r\n\r\nsync: uv.lock\r\n"
    assert rewrite_makefile(res.text, ctx).text == res.text


def test_consecutive_compiles_are_one_uv_lock() -> None:
    from toolshift.rewriters import RewriteContext
    from toolshift.rewriters.readme import rewrite_makefile

    ctx = RewriteContext(direction="uv", uv_version="0.9.5", path="Makefile")
    text = (
        "lock:\n\tpip-compile -o requirements.txt pyproject.toml\n"
        "\tpip-compile --extra dev -o requirements-dev.txt pyproject.toml\n\n"
        "again:\n\tpip-compile requirements.in\n"
    )
    res = rewrite_makefile(text, ctx)
    assert res.text == "lock:\n\tuv lock\n\nagain:\n\tuv lock\n"
    assert rewrite_makefile(res.text, ctx).text == res.text


PIPENV = {
    "Pipfile": (
        '[packages]\nflask = "*"\ngunicorn = "*"\n\n[dev-packages]\npytest = "*"\n\n'
        '[scripts]\ntest = "pytest -q"\nstart = "gunicorn app:app --bind 0.0.0.0:8000"\n'
        'serve = {call = "app:main()"}\n'
    ),
    "Makefile": (
        "test:\n\tpipenv run test -x\nrun:\n\tpipenv run start\nlint:\n\tpipenv run tester\n"
    ),
    "README.md": "Run `pipenv run start`, test with `pipenv run test`.\n",
    "Dockerfile": (
        "FROM python:3.12-slim\nWORKDIR /app\nRUN pip install pipenv\nCOPY Pipfile* ./\n"
        "RUN pipenv install --deploy\nCOPY . .\n"
        'CMD ["pipenv", "run", "start"]\n'
    ),
}


def test_pipenv_scripts_are_expanded_before_translation(tmp_path: Path) -> None:
    # `pipenv run test` became `uv run test`: a program named test, not `pytest -q`
    from toolshift.planners.surroundings import expand_pipenv_scripts, pipenv_scripts

    detected = detect(_write(tmp_path, PIPENV))
    scripts = pipenv_scripts(detected)
    assert scripts == {"test": "pytest -q", "start": "gunicorn app:app --bind 0.0.0.0:8000"}
    around = plan_surroundings(detected, MigrateOptions(target="uv"), "uv")
    makefile = _new(around.changes, "Makefile")
    assert makefile == (
        "test:\n\tuv run pytest -q -x\nrun:\n\tuv run gunicorn app:app --bind 0.0.0.0:8000\n"
        "lint:\n\tuv run tester\n"  # `tester` is no script: only whole names are expanded
    )
    readme = _new(around.changes, "README.md")
    assert readme == (
        "Run `uv run gunicorn app:app --bind 0.0.0.0:8000`, test with `uv run pytest -q`.\n"
    )
    dockerfile = _new(around.changes, "Dockerfile")
    assert dockerfile is not None and "pipenv" not in dockerfile
    assert '"gunicorn", "app:app", "--bind", "0.0.0.0:8000"' in dockerfile
    assert expand_pipenv_scripts('CMD ["pipenv", "run", "test"]', scripts) == (
        'CMD ["pipenv", "run", "pytest", "-q"]'
    )


def test_pipenv_scripts_only_for_pipenv_projects(tmp_path: Path) -> None:
    from toolshift.planners.surroundings import pipenv_scripts

    detected = detect(_write(tmp_path, {"requirements.txt": "flask\n"}))
    assert pipenv_scripts(detected) == {}


def test_group_file_installing_the_project_with_an_extra(tmp_path: Path) -> None:
    # pip-tools: requirements-test.in = `-c requirements.txt` + `-e .[test]`, CI installs
    # requirements-test.txt. The group came out empty ([dependency-groups] with no `test`) and
    # CI's `uv sync --locked --group test` failed: "Group `test` is not defined"
    import tomllib

    files = {
        "setup.py": (
            "from setuptools import setup\nsetup(name='ledger', version='3.1.0', "
            "install_requires=['attrs'], extras_require={'test': ['pytest']})\n"
        ),
        "requirements.in": "-e .\n",
        "requirements.txt": "-e file:///home/dev/ledger\nattrs==23.1.0\n",
        "requirements-test.in": "-c requirements.txt\n-e .[test]\n",
        "requirements-test.txt": "-e file:///home/dev/ledger\npytest==8.0.0\n",
    }
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text(
        "jobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/setup-python@v5\n      - run: pip install -r requirements-test.txt\n"
    )
    plan = plan_to_uv(detect(_write(tmp_path, files)), MigrateOptions(target="uv"))
    text = _new(plan.changes, "pyproject.toml")
    assert text is not None
    assert tomllib.loads(text)["dependency-groups"] == {"test": ["ledger[test]"]}
    ci = _new(plan.changes, ".github/workflows/ci.yml")
    assert ci is not None and "uv sync --locked --group test" in ci


def test_tool_configs_that_still_run_the_old_tool_are_named(tmp_path: Path) -> None:
    from toolshift.planners.surroundings import old_tool_in_tool_config

    files = {
        "pyproject.toml": (
            '[tool.poetry]\nname = "gw"\nversion = "1.0.0"\n\n'
            '[tool.poetry.dependencies]\npython = "^3.11"\nattrs = "^23.1"\n'
        ),
        "tox.ini": (
            "[tox]\nenvlist = py311\n\n[testenv]\n# poetry is needed\n"
            "commands_pre = poetry install --with dev\ncommands = poetry run pytest\n"
        ),
        ".pre-commit-config.yaml": (
            "repos:\n  - repo: https://github.com/python-poetry/poetry\n    rev: 1.8.0\n"
            "    hooks:\n      - id: poetry-lock\n"
        ),
        "noxfile.py": "import nox\n\n@nox.session\ndef tests(s):\n    s.install('pytest')\n",
    }
    detected = detect(_write(tmp_path, files))
    got = {(d.origin.path, d.origin.line) for d in old_tool_in_tool_config(detected) if d.origin}
    # one warning per file, at its first use (comments skipped); noxfile.py does not use it
    assert got == {("tox.ini", 6), (".pre-commit-config.yaml", 2)}
    plan = plan_to_uv(detected, MigrateOptions(target="uv"))
    assert any(
        d.code == "TS107" and "tox.ini still runs poetry" in d.message for d in plan.diagnostics
    )
    # a pip project's tox.ini that names poetry in passing is not this migration's business
    (tmp_path / "pip").mkdir()
    pip = detect(
        _write(tmp_path / "pip", {"requirements.txt": "attrs\n", "tox.ini": files["tox.ini"]})
    )
    assert old_tool_in_tool_config(pip) == []


def test_index_credential_variables_are_given_to_uv_in_ci(tmp_path: Path) -> None:
    # Pipenv expanded ${NEXUS_USER}:${NEXUS_PASSWORD} in the source URL; uv reads
    # UV_INDEX_NEXUS_USERNAME/_PASSWORD, so the migrated CI job got a 401 from the index
    from toolshift.planners.surroundings import index_credential_variables

    files = {
        "Pipfile": (
            '[[source]]\nurl = "https://${NEXUS_USER}:${NEXUS_PASSWORD}@nexus.example.com/simple"\n'
            'name = "nexus"\n\n[packages]\nflask = "*"\n'
        ),
        ".gitlab-ci.yml": (
            "variables:\n  NEXUS_USER: gitlab-ci-token\n  NEXUS_PASSWORD: $CI_JOB_TOKEN\n\n"
            "test:\n  script:\n    - pipenv install --dev\n"
        ),
    }
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text(
        "jobs:\n  t:\n    runs-on: ubuntu-latest\n    env:\n      NEXUS_USER: ci\n"
        "      NEXUS_PASSWORD: ${{ secrets.NEXUS }}\n    steps:\n"
        "      - uses: actions/setup-python@v5\n      - run: pipenv install --dev\n"
    )
    detected = detect(_write(tmp_path, files))
    assert index_credential_variables(detected) == {
        "NEXUS_USER": "UV_INDEX_NEXUS_USERNAME",
        "NEXUS_PASSWORD": "UV_INDEX_NEXUS_PASSWORD",
    }
    around = plan_surroundings(detected, MigrateOptions(target="uv"), "uv")
    gh = _new(around.changes, ".github/workflows/ci.yml")
    assert gh is not None
    assert (
        "      NEXUS_USER: ci\n      UV_INDEX_NEXUS_USERNAME: ci\n"
        "      NEXUS_PASSWORD: ${{ secrets.NEXUS }}\n"
        "      UV_INDEX_NEXUS_PASSWORD: ${{ secrets.NEXUS }}\n" in gh
    )
    gl = _new(around.changes, ".gitlab-ci.yml")
    assert gl is not None
    assert "  UV_INDEX_NEXUS_USERNAME: gitlab-ci-token\n" in gl
    assert "  UV_INDEX_NEXUS_PASSWORD: $CI_JOB_TOKEN\n" in gl


def test_no_credential_variables_for_literal_or_no_credentials(tmp_path: Path) -> None:
    from toolshift.planners.surroundings import index_credential_variables

    detected = detect(
        _write(
            tmp_path,
            {
                "requirements.txt": (
                    "--index-url https://pypi.org/simple\n"
                    "--extra-index-url https://user:s3cret@x.example/simple\nflask\n"
                )
            },
        )
    )
    assert index_credential_variables(detected) == {}
