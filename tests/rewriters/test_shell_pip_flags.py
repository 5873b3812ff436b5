"""pip install flags, one by one: what each becomes under uv, or why the line is kept.

A flag is either carried over (uv has it), dropped with a note saying what uv does instead, or
the whole command is left alone with a warning: never silently changed.
"""

from __future__ import annotations

import pytest

from toolshift.model import Severity
from toolshift.rewriters import RewriteContext
from toolshift.rewriters.shell import EXPORT_FILE, ShellContext, translate_argv, translate_script

UV = RewriteContext("uv", uv_version="0.9.5")
# a Poetry project after migration: [tool.uv] default-groups holds more than dev
POETRY = RewriteContext("uv", uv_version="0.9.5", explicit_groups=True)
D, CI, DOCS, RUNTIME = (
    ShellContext.DOCKER,
    ShellContext.CI,
    ShellContext.DOCS,
    ShellContext.RUNTIME,
)

EXPORT = f"uv export --locked --no-emit-project --no-dev --output-file {EXPORT_FILE}"
# (context, before, after, a word every diagnostic together must contain ("" = none needed))
TRANSLATED = [
    # --prefix / --target: the same folder, filled with the locked versions of the same groups
    (
        D,
        "pip install --no-cache-dir --prefix=/install -r requirements.txt",
        f"{EXPORT} && uv pip install --prefix /install --no-deps -r {EXPORT_FILE}",
        "uv.lock",
    ),
    (
        D,
        "pip install --prefix /install -r requirements.txt",
        f"{EXPORT} && uv pip install --prefix /install --no-deps -r {EXPORT_FILE}",
        "",
    ),
    (
        D,
        "pip install -t /asset -r requirements.txt",
        f"{EXPORT} && uv pip install --target /asset --no-deps -r {EXPORT_FILE}",
        "",
    ),
    (
        DOCS,
        "pip install --target ./package -r requirements.txt -r requirements-aws.txt",
        "uv export --locked --no-emit-project --no-dev --group aws --output-file "
        f"{EXPORT_FILE} && uv pip install --target ./package --no-deps -r {EXPORT_FILE}",
        "",
    ),
    (
        D,
        "pip install --prefix=/install -r requirements-dev.txt",
        "uv export --locked --no-emit-project --output-file "
        f"{EXPORT_FILE} && uv pip install --prefix /install --no-deps -r {EXPORT_FILE}",
        "",
    ),
    # the project itself: its dependencies from the lock, the project built from the source
    (
        D,
        "python -m pip install --prefix=/install '.[pg]'",
        "uv export --locked --no-emit-project --no-dev --extra pg --output-file "
        f"{EXPORT_FILE} && uv pip install --prefix /install --no-deps -r {EXPORT_FILE} .",
        "",
    ),
    # build and hash flags uv pip install takes as they are
    (
        D,
        "pip3 install --prefix=/install --only-binary=:all: --no-binary lxml --require-hashes "
        "--force-reinstall -r requirements.txt",
        f"{EXPORT} && uv pip install --prefix /install --no-deps --only-binary :all: "
        f"--no-binary lxml --require-hashes --reinstall -r {EXPORT_FILE}",
        "",
    ),
    (
        D,
        "pip install --no-deps --prefix=/install -r requirements.txt",
        f"{EXPORT} && uv pip install --prefix /install --no-deps -r {EXPORT_FILE}",
        "dependencies included",
    ),
    (
        D,
        "pip install -U --prefix=/install -r requirements.txt",
        f"{EXPORT} && uv pip install --prefix /install --no-deps -r {EXPORT_FILE}",
        "--upgrade",
    ),
    # in a chain: the two commands join it with &&; behind || they are grouped
    (
        D,
        "apt-get update && pip install --prefix=/install -r requirements.txt && rm -rf /x",
        f"apt-get update && {EXPORT} && uv pip install --prefix /install --no-deps -r "
        f"{EXPORT_FILE} && rm -rf /x",
        "",
    ),
    (
        D,
        "test -d /install || pip install --prefix=/install -r requirements.txt",
        f"test -d /install || {{ {EXPORT} && uv pip install --prefix /install --no-deps -r "
        f"{EXPORT_FILE}; }}",
        "",
    ),
    (
        D,
        "pip install --prefix=/install -r requirements.txt | tee /log",
        f"{{ {EXPORT} && uv pip install --prefix /install --no-deps -r {EXPORT_FILE}; }} | "
        "tee /log",
        "",
    ),
    (
        D,
        "pip install --prefix=/install -r requirements.txt \\\n"
        "    && python -m compileall /install",
        f"{EXPORT} && uv pip install --prefix /install --no-deps -r {EXPORT_FILE} \\\n"
        "    && python -m compileall /install",
        "",
    ),
    (
        D,
        "PIP_INDEX_URL=$INDEX pip install --prefix=/install -r requirements.txt",
        f"PIP_INDEX_URL=$INDEX {EXPORT} && uv pip install --prefix /install --no-deps -r "
        f"{EXPORT_FILE}",
        "PIP_INDEX_URL",
    ),
    # a variable stays a variable (double quotes, never single)
    (
        D,
        "pip install --prefix=$PREFIX -r requirements.txt",
        f'{EXPORT} && uv pip install --prefix "$PREFIX" --no-deps -r {EXPORT_FILE}',
        "",
    ),
    (
        D,
        'pip install --target "${APP_HOME}/deps" -r requirements.txt',
        f'{EXPORT} && uv pip install --target "${{APP_HOME}}/deps" --no-deps -r {EXPORT_FILE}',
        "",
    ),
    (
        D,
        "pip install --target '/opt/my deps' -r requirements.txt",
        f"{EXPORT} && uv pip install --target '/opt/my deps' --no-deps -r {EXPORT_FILE}",
        "",
    ),
    # uv sync: flags uv has
    (
        D,
        "pip install --force-reinstall -r requirements.txt",
        "uv sync --locked --no-dev --reinstall",
        "",
    ),
    (
        D,
        "pip install --only-binary=:all: -r requirements.txt",
        "uv sync --locked --no-dev --no-build",
        "",
    ),
    (
        D,
        "pip install --only-binary psycopg2,numpy -r requirements.txt",
        "uv sync --locked --no-dev --no-build-package psycopg2 --no-build-package numpy",
        "",
    ),
    (
        D,
        "pip install --no-binary :all: -r requirements.txt",
        "uv sync --locked --no-dev --no-binary",
        "",
    ),
    (
        D,
        "pip install --no-binary=lxml -r requirements.txt",
        "uv sync --locked --no-dev --no-binary-package lxml",
        "",
    ),
    # uv sync: flags whose job uv.lock does, each said
    (D, "pip install -U -r requirements.txt", "uv sync --locked --no-dev", "--upgrade"),
    (D, "pip install --upgrade -r requirements.txt", "uv sync --locked --no-dev", "--upgrade"),
    (D, "pip install --no-deps -r requirements.txt", "uv sync --locked --no-dev", "--no-deps"),
    (
        D,
        "pip install --require-hashes -r requirements.txt",
        "uv sync --locked --no-dev",
        "hashes",
    ),
    (D, "pip install --no-cache-dir -r requirements.txt", "uv sync --locked --no-dev", ""),
    (D, "pip install --pre -r requirements.txt", "uv sync --locked --no-dev", "--pre"),
    (
        D,
        "pip install --no-build-isolation -C editable_mode=compat -r requirements.txt",
        "uv sync --locked --no-dev --no-build-isolation --config-setting editable_mode=compat",
        "",
    ),
    (
        D,
        "pip install --prefix=/i --no-build-isolation -r requirements.txt",
        f"{EXPORT} && uv pip install --prefix /i --no-deps --no-build-isolation -r {EXPORT_FILE}",
        "",
    ),
    # constraints the lock honours: requirements files, constraints*.txt (read by detect)
    (D, "pip install -c constraints.txt -r requirements.txt", "uv sync --locked --no-dev", ""),
    (
        CI,
        "pip install -c requirements.txt -r requirements-dev.txt",
        "uv sync --locked",
        "",
    ),
    # the project, editable or not, with extras
    (D, "pip install .", "uv sync --locked --no-dev", ""),
    (D, "pip install -e .", "uv sync --locked --no-dev", ""),
    (D, "pip install '.[pg,redis]'", "uv sync --locked --no-dev --extra pg --extra redis", ""),
    (D, "pip install --no-deps .", "uv sync --locked --no-dev", "dependencies too"),
    # spellings of pip
    (D, "pip3 install -r requirements.txt", "uv sync --locked --no-dev", ""),
    (D, "pip3.12 install -r requirements.txt", "uv sync --locked --no-dev", ""),
    (D, "python3.12 -m pip install -r requirements.txt", "uv sync --locked --no-dev", ""),
    (D, "/usr/local/bin/pip install -r requirements.txt", "uv sync --locked --no-dev", ""),
    # wrappers: sudo goes (a root-owned .venv would stop the steps after it), env stays
    (
        CI,
        "sudo pip install --force-reinstall -r requirements-dev.txt",
        "uv sync --locked --reinstall",
        "dropped sudo",
    ),
    (
        CI,
        "sudo -H pip3 install -r requirements.txt && pytest",
        "uv sync --locked && uv run pytest",
        "sudo",
    ),
    (D, "sudo pip install --upgrade pip", "", ""),
    (
        D,
        "env PIP_NO_CACHE_DIR=1 pip install -r requirements.txt",
        "env PIP_NO_CACHE_DIR=1 uv sync --locked --no-dev",
        "PIP_NO_CACHE_DIR",
    ),
    (
        D,
        "env LANG=C.UTF-8 pip install -r requirements.txt",
        "env LANG=C.UTF-8 uv sync --locked --no-dev",
        "",
    ),
    # pip looking at an environment: the dependencies are in .venv now, which has no pip
    (
        D,
        "pip install -r requirements.txt && pip check",
        "uv sync --locked --no-dev && uv pip check",
        "",
    ),
    (D, "pip freeze --all > /app/freeze.txt", "uv pip freeze > /app/freeze.txt", ""),
    (CI, "python -m pip list --outdated --format=json", "uv pip list --outdated --format json", ""),
    (CI, "pip show -f flask", "uv pip show --files flask", ""),
    (D, "pip uninstall -y setuptools", "uv pip uninstall setuptools", ""),
    # CI: a tool installed ad hoc moves to the dev group, so the step runs it with uv run
    (CI, "pip install tox && tox -e py312", "uv run tox -e py312", "tox"),
    (
        CI,
        "pip install pre-commit\npre-commit run --all-files",
        "uv run pre-commit run --all-files",
        "",
    ),
    (
        CI,
        "pip install -r requirements.txt && pip install Sphinx && sphinx-build docs out",
        "uv sync --locked && uv run sphinx-build docs out",
        "Sphinx",
    ),
    # a Poetry project: runtime only is --no-default-groups (default-groups holds its groups)
    (D, "pip install -r requirements.txt", "uv sync --locked --no-default-groups", ""),
    (
        D,
        "pip install -r requirements.txt -r requirements-dev.txt",
        "uv sync --locked --no-default-groups --group dev",
        "",
    ),
    (
        D,
        "pip install --prefix=/install -r requirements.txt",
        "uv export --locked --no-emit-project --no-default-groups --output-file "
        f"{EXPORT_FILE} && uv pip install --prefix /install --no-deps -r {EXPORT_FILE}",
        "",
    ),
]
POETRY_CASES = {n for n, case in enumerate(TRANSLATED) if "--no-default-groups" in case[2]}


@pytest.mark.parametrize(
    ("n", "context", "before", "after", "said"),
    [(n, *case) for n, case in enumerate(TRANSLATED)],
    ids=[case[1][:60] for case in TRANSLATED],
)
def test_translated(n: int, context: ShellContext, before: str, after: str, said: str) -> None:
    ctx = POETRY if n in POETRY_CASES else UV
    res = translate_script(before, ctx, context)
    assert res.text == after
    assert res.rules
    if said:
        assert said in " ".join(d.message for d in res.diagnostics), res.diagnostics
    assert not [d for d in res.diagnostics if d.message.startswith("left alone")]
    again = translate_script(res.text, ctx, context)
    assert again.text == res.text and not again.rules, "not idempotent"
    assert not [d for d in again.diagnostics if d.message.startswith("left alone")]


# kept as written, with a warning that names the problem and says what to do
KEPT = [
    (D, "pip install --root /build -r requirements.txt", "--root"),
    (D, "pip install --user --prefix /x -r requirements.txt", "--user"),
    (
        D,
        "pip install --target /x --platform manylinux2014_x86_64 --only-binary=:all: "
        "-r requirements.txt",
        "--platform",
    ),
    (D, "pip install --prefix=/install -r requirements.txt -c pins.txt", "pins.txt"),
    (D, "pip install -c pins.txt -r requirements.txt", "pins.txt"),
    (D, "pip install --prefix /install ./wheels/app.whl", "local files"),
    (RUNTIME, "pip install --prefix /install -r requirements.txt", "container start"),
    (D, "FOO=1 pip install --prefix /install -r requirements.txt", "two commands"),
    (D, "sudo pip install --prefix /usr/local -r requirements.txt", "sudo"),
    (D, "env FOO=1 pip install --target /x -r requirements.txt", "env FOO=1"),
    (D, "sudo -u app pip install -r requirements.txt", "sudo -u"),
    (D, "pip freeze --user", "--user"),
]


@pytest.mark.parametrize(("context", "text", "named"), KEPT, ids=[k[1][:60] for k in KEPT])
def test_kept_with_a_warning(context: ShellContext, text: str, named: str) -> None:
    res = translate_script(text, UV, context, line=12)
    assert res.text == text
    assert not res.rules
    warnings = [d for d in res.diagnostics if d.severity is Severity.WARNING]
    assert warnings and all(d.message.startswith("left alone") for d in warnings)
    assert named in " ".join(d.message for d in warnings)
    assert all(d.hint for d in warnings)
    assert all(d.origin is not None and d.origin.line == 12 for d in warnings)


def test_packages_by_name_into_a_folder_stay_pip_with_a_note() -> None:
    # no lock covers them: the line keeps working as it is (pip is in the image)
    text = "pip install --prefix=/install gunicorn==22.0.0"
    res = translate_script(text, UV, D)
    assert res.text == text and not res.adhoc_packages
    [note] = res.diagnostics
    assert note.severity is Severity.INFO and "gunicorn==22.0.0" in note.message


def test_exec_form_cannot_chain() -> None:
    argv = ["pip", "install", "--prefix=/install", "-r", "requirements.txt"]
    t = translate_argv(argv, UV, D)
    assert t.argv == tuple(argv) and not t.rules
    assert any("exec-form" in d.message for d in t.diagnostics)
    chained = translate_argv(argv, UV, D, allow_chain=True)
    assert chained.argv is not None and chained.exports and not chained.installs_dependencies


def test_export_result_flags() -> None:
    res = translate_script("pip install --prefix=/install -r requirements.txt", UV, D)
    assert res.exports and not res.installs_dependencies
    res = translate_script("pip install -r requirements.txt", UV, D)
    assert res.installs_dependencies and not res.exports


PIP = RewriteContext("pip", uv_version="0.9.5")


@pytest.mark.parametrize(
    "before",
    [
        "pip install --no-cache-dir --prefix /install -r requirements.txt",
        "pip install --no-cache-dir --target /asset --only-binary :all: --force-reinstall "
        "-r requirements-docs.txt",
        "apt-get update && pip install --no-cache-dir --prefix /i -r requirements.txt . && ls /i",
    ],
)
def test_back_to_pip(before: str) -> None:
    # uv -> pip of what pip -> uv wrote: the same pip line (requirements-docs.txt holds the
    # runtime set too, as planners.to_pip writes it)
    there = translate_script(before, UV, D).text
    assert "uv export" in there
    back = translate_script(there, PIP, D)
    assert back.text == before and back.exports and not back.installs_dependencies
    assert not back.diagnostics


def test_back_to_pip_without_its_export_is_left_alone() -> None:
    text = f"uv pip install --prefix /install --no-deps -r {EXPORT_FILE}"
    res = translate_script(text, PIP, D)
    assert res.text == text
    assert any(d.message.startswith("left alone") for d in res.diagnostics)
