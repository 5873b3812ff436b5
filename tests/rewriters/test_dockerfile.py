"""Dockerfile rewriter: before/after pairs, untouched inputs, idempotence, CRLF."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolshift.model import Severity
from toolshift.rewriters import RewriteContext
from toolshift.rewriters.dockerfile import dockerfile_risks, parse, rewrite_dockerfile

from .fixtures import case_dirs, check_case, read

CASES = case_dirs("dockerfile")
UV = RewriteContext("uv", uv_version="0.9.5")
PIP = RewriteContext("pip", uv_version="0.9.5")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fixture(case: Path) -> None:
    check_case(case, rewrite_dockerfile)


def test_parse_round_trips_every_fixture() -> None:
    from toolshift.rewriters.dockerfile import _render

    for case in CASES:
        for name in ("before", "after"):
            if (case / name).is_file():
                text = read(case / name)
                assert _render(parse(text)) == text


def test_parse_instructions() -> None:
    text = (
        "# syntax=docker/dockerfile:1\n"
        "FROM python:3.12 AS base\n"
        "# comment\n"
        "RUN apt-get update \\\n"
        "    # inside a continuation\n"
        "    && apt-get install -y gcc\n"
        "RUN <<EOF\n"
        "echo hi\n"
        "EOF\n"
        '  CMD ["python"]\n'
    )
    p = parse(text)
    assert p.directives == {"syntax": "docker/dockerfile:1"}
    assert [i.keyword for i in p.items] == ["FROM", "RUN", "RUN", "CMD"]
    assert [i.line for i in p.items] == [2, 4, 7, 10]
    assert p.items[2].heredoc
    assert p.items[1].logical().split() == [
        "apt-get",
        "update",
        "&&",
        "apt-get",
        "install",
        "-y",
        "gcc",
    ]


def test_comment_inside_continuation_is_left_alone() -> None:
    text = (
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n"
        "RUN apt-get update \\\n    # then the deps\n    && pip install -r requirements.txt\n"
    )
    res = rewrite_dockerfile(text, UV)
    assert "# then the deps\n    && pip install -r requirements.txt" in res.text
    assert any("comment lines" in d.message for d in res.diagnostics)


UNTOUCHED = {
    "no python": "FROM nginx:1.27\nCOPY site/ /usr/share/nginx/html/\n",
    "already uv": (
        "FROM python:3.12-slim\nCOPY --from=ghcr.io/astral-sh/uv:0.9.5 /uv /uvx /bin/\n"
        'WORKDIR /app\nCOPY . .\nRUN uv sync --locked --no-dev\nCMD ["uv", "run", "app"]\n'
    ),
    # uv pip install has no --root (--prefix and --target are translated: see the fixtures)
    "pip into --root": (
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install --root /deps -r requirements.txt\n"
    ),
    "unclosed heredoc": "FROM python:3.12\nRUN <<EOF\npip install -r requirements.txt\n",
    "no workdir": "FROM python:3.12-slim\nCOPY . .\nRUN pip install -r requirements.txt\n",
    "escape directive": (
        "# escape=`\nFROM python:3.12\nWORKDIR /app\nRUN pip install -r requirements.txt\n"
    ),
    "empty": "",
}


@pytest.mark.parametrize("text", UNTOUCHED.values(), ids=list(UNTOUCHED))
def test_untouched_to_uv(text: str) -> None:
    res = rewrite_dockerfile(text, UV)
    assert res.text == text
    assert not res.rules


def test_untouched_inputs_say_why() -> None:
    for key in ("pip into --root", "unclosed heredoc", "no workdir", "escape directive"):
        res = rewrite_dockerfile(UNTOUCHED[key], UV)
        assert any("left alone" in d.message for d in res.diagnostics), key


def test_pip_image_is_untouched_by_to_pip() -> None:
    case = Path(CASES[0].parent / "pip_multistage")
    text = read(case / "before")
    assert rewrite_dockerfile(text, PIP).text == text


def test_round_trip_pip_uv_pip_installs_the_same_files() -> None:
    text = read(CASES[0].parent / "pip_minimal" / "before")
    to_uv = rewrite_dockerfile(text, RewriteContext("uv", docker_mode="minimal"))
    back = rewrite_dockerfile(to_uv.text, PIP)
    assert "pip install --no-cache-dir -r requirements.txt" in back.text
    assert "uv" not in back.text.replace("uvicorn", "")
    assert "USER app" in back.text and back.text.index("COPY requirements.txt") < back.text.index(
        "COPY . ."
    )


def test_adhoc_packages_are_reported() -> None:
    res = rewrite_dockerfile(read(CASES[0].parent / "pip_adhoc_only" / "before"), UV)
    assert [a.requirement for a in res.adhoc_packages] == ["flask==3.0.3", "gunicorn"]
    assert "TS208" in res.rules


def test_uv_version_is_pinned_from_context() -> None:
    text = read(CASES[0].parent / "pip_minimal" / "before")
    res = rewrite_dockerfile(text, RewriteContext("uv", uv_version="0.13.9"))
    assert "COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /uvx /bin/" in res.text


def test_disabled_rule_leaves_file_alone() -> None:
    text = read(CASES[0].parent / "pip_minimal" / "before")
    res = rewrite_dockerfile(text, RewriteContext("uv", disabled_rules=frozenset({"TS203"})))
    # TS203 (the stage split) disabled: nothing is written, and the user is told
    assert res.text == text
    assert any("disabled" in d.message for d in res.diagnostics)


def test_mixed_newlines_left_alone() -> None:
    text = "FROM python:3.12\r\nWORKDIR /app\nRUN pip install -r requirements.txt\r\n"
    res = rewrite_dockerfile(text, UV)
    assert res.text == text and res.diagnostics


def test_risks() -> None:
    text = (
        "FROM python:3.12\n"
        "COPY --from=ghcr.io/astral-sh/uv:latest /uv /bin/\n"
        "ENV API_TOKEN=abc123 UV_INDEX_STRATEGY=unsafe-best-match\n"
        "RUN curl -LsSf https://astral.sh/uv/install.sh | sh\n"
        "RUN pip install --extra-index-url https://user:s3cret@pypi.example/simple "
        "--trusted-host pypi.example -r requirements.txt\n"
    )
    risks = dockerfile_risks(text, "svc/Dockerfile")
    msgs = " | ".join(d.message for d in risks)
    assert "not pinned" in msgs
    assert "curl | sh" in msgs
    assert "API_TOKEN holds a literal secret" in msgs
    assert "unsafe-best-match" in msgs
    assert "dependency confusion" in msgs
    assert "TLS" in msgs
    assert "runs as root" in msgs
    assert "s3cret" not in msgs + " ".join(str(d.origin) + d.origin.text for d in risks if d.origin)
    assert any(d.severity is Severity.ERROR for d in risks)
    assert all(d.origin is not None and d.origin.path == "svc/Dockerfile" for d in risks)


def test_risks_clean_file() -> None:
    text = read(CASES[0].parent / "uv_already" / "before")
    assert dockerfile_risks(text) == []


def test_multistage_keeps_platform_and_alias() -> None:
    text = (
        "FROM --platform=linux/amd64 python:3.12-slim AS app\n"
        "WORKDIR /app\n"
        "COPY requirements.txt /tmp/requirements.txt\n"
        "RUN pip install --no-cache-dir -r /tmp/requirements.txt\n"
        "COPY --chown=1000:1000 src/ ./src/\n"
        "USER 1000\n"
        'CMD ["python", "-m", "src"]\n'
    )
    out = rewrite_dockerfile(text, UV).text
    assert out.startswith("FROM --platform=linux/amd64 python:3.12-slim AS builder\n")
    assert "\nFROM --platform=linux/amd64 python:3.12-slim AS app\n" in out
    assert "COPY --from=builder --chown=1000:1000 /app /app\n" in out
    # the builder copies the source without --chown (the user does not exist there)
    assert "\nCOPY src/ ./src/\n" in out
    assert "requirements.txt" not in out


def test_unpinned_uv_image_is_pinned() -> None:
    text = (
        "FROM python:3.12-slim\n"
        "COPY --from=ghcr.io/astral-sh/uv:latest /uv /uvx /bin/\n"
        "WORKDIR /app\n"
        "COPY . .\n"
        "RUN uv sync --locked\n"
    )
    res = rewrite_dockerfile(text, UV)
    assert "COPY --from=ghcr.io/astral-sh/uv:0.9.5 /uv /uvx /bin/\n" in res.text
    assert "TS201" in res.rules
    assert rewrite_dockerfile(res.text, UV).text == res.text
    digest = text.replace(":latest", "@sha256:" + "a" * 64)
    assert rewrite_dockerfile(digest, UV).text == digest


def test_pip_wheel_stage_left_alone() -> None:
    text = (
        "FROM python:3.12-slim AS build\nWORKDIR /src\nCOPY requirements.txt .\n"
        "RUN pip wheel -r requirements.txt -w /wheels\n"
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY --from=build /wheels /wheels\n"
        "RUN pip install /wheels/*\n"
    )
    res = rewrite_dockerfile(text, UV)
    assert res.text == text
    assert any("pip wheel" in d.message for d in res.diagnostics)


def test_uv_to_pip_dev_sync_copies_the_runtime_file_too() -> None:
    text = (
        "FROM python:3.12-slim\nCOPY --from=ghcr.io/astral-sh/uv:0.9.5 /uv /uvx /bin/\n"
        "WORKDIR /app\nCOPY . .\nRUN uv sync --locked\n"
    )
    out = rewrite_dockerfile(text, PIP).text
    assert "COPY requirements" not in out  # `COPY . .` came first
    assert "RUN pip install --no-cache-dir -r requirements-dev.txt\n" in out
    later = text.replace("COPY . .\nRUN uv sync --locked\n", "RUN uv sync --locked\nCOPY . .\n")
    assert "COPY requirements.txt requirements-dev.txt ./\n" in rewrite_dockerfile(later, PIP).text


def test_python_version_alignment() -> None:
    text = (
        "ARG PYTHON_VERSION=3.11\n"
        "FROM python:${PYTHON_VERSION}-slim AS base\n"
        "FROM python:3.11.9-slim-bookworm\n"
        "FROM docker.io/library/python:3.12\n"
    )
    told = rewrite_dockerfile(text, RewriteContext("uv", python_version="3.12"))
    assert told.text == text and not told.rules
    assert [d.origin.line for d in told.diagnostics if d.origin] == [1, 3]
    aligned = rewrite_dockerfile(
        text, RewriteContext("uv", python_version="3.12", align_python=True)
    )
    assert aligned.text == (
        "ARG PYTHON_VERSION=3.12\n"
        "FROM python:${PYTHON_VERSION}-slim AS base\n"
        "FROM python:3.12-slim-bookworm\n"
        "FROM docker.io/library/python:3.12\n"
    )
    assert aligned.rules == ("TS212",)
    again = rewrite_dockerfile(
        aligned.text, RewriteContext("uv", python_version="3.12", align_python=True)
    )
    assert again.text == aligned.text and not again.rules


def test_uv_to_pip_package_installs_after_the_source() -> None:
    uv_text = read(CASES[0].parent / "uv_to_pip" / "before")
    out = rewrite_dockerfile(uv_text, RewriteContext("pip", is_package=True)).text
    # requirements.txt holds `-e .`: nothing can install before `COPY . /app`
    assert "COPY requirements.txt" not in out  # `COPY . /app` brought it
    assert out.count("pip install") == 1 and "\n\n\n" not in out
    assert "RUN pip install --no-cache-dir -r requirements.txt\n" in out


def test_a_credential_in_env_is_not_copied_into_the_builder_stage() -> None:
    # The builder stage toolshift adds got a copy of `ENV PIP_INDEX_URL=https://user:pass@...`:
    # the secret was written in one more place (and uv does not read PIP_* anyway).
    text = (
        "FROM python:3.11-slim\nENV PIP_INDEX_URL=https://deploy:s3cret@pypi.example.com/simple\n"
        "ARG TOKEN_URL=https://${USER}:${TOKEN}@pypi.example.com/simple\nWORKDIR /app\n"
        "COPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n"
        'CMD ["python", "app.py"]\n'
    )
    res = rewrite_dockerfile(text, UV)
    builder, runtime = res.text.split("\nFROM python:3.11-slim\n")
    assert "s3cret" not in builder and "s3cret" in runtime
    assert text.count("s3cret") == res.text.count("s3cret") == 1
    assert "${TOKEN}" in builder  # a variable reference is no secret: the ARG is copied
    [warning] = [d for d in res.diagnostics if "password or token" in d.message]
    assert warning.severity is Severity.WARNING and warning.origin and warning.origin.line == 2


def test_pip_index_build_arguments_are_said_to_be_ignored_by_uv() -> None:
    # ARG PIP_INDEX_URL (a private index with its token, passed by compose/CI) fed pip; after
    # the migration uv ignored it and the image build failed to authenticate, without a word.
    text = (
        "FROM python:3.11-slim\nARG PIP_INDEX_URL\nARG PIP_EXTRA_INDEX_URL\nARG APP_ENV\n"
        "WORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n"
        'CMD ["python", "app.py"]\n'
    )
    res = rewrite_dockerfile(text, UV)
    found = [d for d in res.diagnostics if "PIP_" in d.message]
    assert [(d.origin.line if d.origin else 0) for d in found] == [2, 3]
    assert all(d.severity is Severity.WARNING and "UV_INDEX_" in d.hint for d in found)
    # nothing installs with pip -> nothing to say
    plain = "FROM python:3.11-slim\nARG PIP_INDEX_URL\nRUN echo hi\n"
    assert not [d for d in rewrite_dockerfile(plain, UV).diagnostics if "PIP_" in d.message]


def test_to_pip_copies_no_file_the_migration_deletes() -> None:
    # `COPY pyproject.toml uv.lock ./` stayed in the pip image: uv.lock (and pyproject.toml of
    # a project that is not a package) are deleted, so docker build failed at that COPY.
    text = (
        "FROM python:3.11-slim\nCOPY --from=ghcr.io/astral-sh/uv:0.9.5 /uv /uvx /bin/\n"
        "WORKDIR /app\nCOPY --chown=app pyproject.toml uv.lock ./\n"
        "RUN uv sync --locked --no-dev\nCOPY . .\n"
    )
    package = rewrite_dockerfile(text, RewriteContext("pip", uv_version="0.9.5", is_package=True))
    assert "COPY --chown=app pyproject.toml ./\n" in package.text
    assert "uv.lock" not in package.text
    service = rewrite_dockerfile(text, PIP)
    assert "pyproject.toml" not in service.text and "uv.lock" not in service.text
