"""Lock-freshness checks in CI (GitHub Actions, GitLab CI) become ``uv lock --check``."""

from __future__ import annotations

import re

import pytest

from toolshift.rewriters import RewriteContext
from toolshift.rewriters.github_actions import lock_checks, rewrite_gitlab_ci, rewrite_workflow

CTX = RewriteContext(direction="uv", uv_version="0.9.5")


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["poetry lock --check"], ["uv lock --check"]),
        (["poetry lock --no-update --check"], ["uv lock --check"]),
        (["poetry check --lock"], ["uv lock --check"]),
        (["pipenv verify"], ["uv lock --check"]),
        (
            [
                "pip-compile --generate-hashes requirements.in"
                " && git diff --exit-code requirements.txt"
            ],
            [None],
        ),
        (
            ["pip-compile requirements.in", "git diff --exit-code"],
            ["uv lock --check", None],
        ),
        (
            ["poetry lock --no-update", "echo done", "git diff --exit-code -- poetry.lock"],
            ["uv lock --check", "echo done", None],
        ),
        (["pipenv lock && git diff --exit-code Pipfile.lock"], ["uv lock --check"]),
        (
            ["python -m piptools compile -o requirements.txt pyproject.toml", "git diff --quiet"],
            ["uv lock --check", None],
        ),
    ],
)
def test_lock_checks(lines: list[str], expected: list[str | None]) -> None:
    got = lock_checks(lines)
    if expected == [None]:
        assert got == ["uv lock --check"]
    else:
        assert got == expected


@pytest.mark.parametrize(
    "lines",
    [
        ["black . && git diff --exit-code"],  # a formatting check
        ["pip-compile requirements.in"],  # a re-lock with no check: the translator's job
        ["poetry lock --no-update"],
        ["./gen.sh", "git diff --exit-code docs/"],
        ["pip-compile requirements.in", "make docs", "git diff --exit-code"],
        ["poetry check"],  # validates pyproject.toml only
        ["uv lock --check"],
    ],
)
def test_not_a_lock_check(lines: list[str]) -> None:
    assert lock_checks(lines) is None


GITLAB = """\
stages: [check, test]

lock:
  stage: check
  image: python:3.12
  script:
    - pip install pip-tools
    - pip-compile --generate-hashes requirements.in
    - git diff --exit-code requirements.txt

poetry-lock:
  stage: check
  script:
    - pip install poetry
    - poetry check --lock
"""


def test_gitlab_lock_checks() -> None:
    res = rewrite_gitlab_ci(GITLAB, CTX)
    assert "pip-compile" not in res.text
    assert "git diff" not in res.text
    assert "poetry check" not in res.text and "install poetry" not in res.text
    assert res.text.count("uv lock --check") == 2
    assert "pip install uv==0.9.5" in res.text
    assert rewrite_gitlab_ci(res.text, CTX).text == res.text


def test_lock_check_step_kept_in_place_with_its_name_and_crlf() -> None:
    text = (
        "jobs:\r\n  t:\r\n    runs-on: ubuntu-latest\r\n    steps:\r\n"
        "      - uses: actions/checkout@v4\r\n"
        "      - uses: actions/setup-python@v5\r\n"
        "      - name: Lock is fresh\r\n        run: poetry lock --check\r\n"
        "      - run: poetry run pytest\r\n"
    )
    res = rewrite_workflow(text, CTX)
    assert "      - name: Lock is fresh\r\n        run: uv lock --check\r\n" in res.text
    assert "\n" not in res.text.replace("\r\n", "")
    assert any("uv lock --check" in d.message for d in res.diagnostics)


def test_job_without_setup_gets_setup_uv_only_when_it_runs_uv_now() -> None:
    text = (
        "jobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - run: pipx install poetry\n"
        "      - run: poetry check --lock\n"
        "  other:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: npm test\n"
        "  mine:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: curl -LsSf https://astral.sh/uv/install.sh | sh\n"
        "      - run: uv sync --locked\n"
    )
    res = rewrite_workflow(text, CTX)
    jobs = re.split(r"\n  (?=\w)", res.text)
    t = next(j for j in jobs if j.startswith("t:"))
    assert "astral-sh/setup-uv@v6" in t
    assert t.index("actions/checkout") < t.index("setup-uv") < t.index("uv lock --check")
    assert "setup-uv" not in next(j for j in jobs if j.startswith("other:"))
    assert "setup-uv" not in next(j for j in jobs if j.startswith("mine:"))


def test_loop_over_in_files_and_a_folder_diff() -> None:
    # the check was translated to `for ...; do uv lock; done` + `git diff requirements/`,
    # which passes whatever uv.lock says
    lines = [
        'for f in requirements/*.in; do pip-compile --generate-hashes "$f"; done',
        "git diff --exit-code requirements/",
    ]
    assert lock_checks(lines) == ["uv lock --check", None]
    assert lock_checks(["pip-compile a.in", "git diff --exit-code ./requirements"]) == [
        "uv lock --check",
        None,
    ]
    # a loop over something else, or a folder that is not requirements, is no lock check
    assert lock_checks(['for f in docs/*.md; do lint "$f"; done', "git diff --exit-code"]) is None
    assert lock_checks(["pip-compile a.in", "git diff --exit-code src/"]) is None


def test_what_a_failed_check_does_is_kept() -> None:
    # `poetry lock --check || (...)` was not seen as a check: the translator made it `uv lock
    # || (...)`, which re-locks and never fails
    assert lock_checks(['poetry lock --check || (echo "run poetry lock"; exit 1)']) == [
        'uv lock --check || (echo "run poetry lock"; exit 1)'
    ]
    assert lock_checks(["pip-compile r.in && git diff --exit-code || { echo stale; exit 1; }"]) == [
        "uv lock --check || { echo stale; exit 1; }"
    ]
    assert lock_checks(["set -e && poetry check --lock && echo ok"]) == [
        "set -e && uv lock --check && echo ok"
    ]


def test_an_upgrade_job_is_no_lock_check() -> None:
    # a scheduled "update dependencies" job: re-lock with --upgrade, then ask git whether
    # anything changed to open a pull request. It became `uv lock --check || echo ...`
    lines = [
        "pip-compile --upgrade requirements.in && git diff --quiet || "
        'echo "changed=true" >> "$GITHUB_OUTPUT"'
    ]
    assert lock_checks(lines) is None
    assert lock_checks(["pip-compile -P django requirements.in", "git diff --exit-code"]) is None
