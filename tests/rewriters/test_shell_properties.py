"""Properties of the shell translator over generated scripts: idempotence, and commands that
are not pip/uv/venv survive byte for byte."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from toolshift.rewriters import RewriteContext
from toolshift.rewriters.shell import ShellContext, translate_script

OTHER = [
    "apt-get update",
    "apt-get install -y --no-install-recommends libpq5",
    "rm -rf /var/lib/apt/lists/*",
    "echo done > /tmp/x",
    "useradd -m app",
    "cd /srv",
]
PYTHON = [
    "pip install -r requirements.txt",
    "pip install --no-cache-dir -r requirements-dev.txt",
    "python -m pip install --upgrade pip",
    "pip3 install -e .",
    "python -m venv .venv",
    "pip install gunicorn==22.0.0",
    "uv sync --locked --no-dev",
    "uv sync --locked",
    "uv run pytest -q",
    "python -m pytest",
    "uv pip install -r requirements.txt",
    "curl -LsSf https://astral.sh/uv/install.sh | sh",
]
SEPARATORS = [" && ", "; ", " \\\n    && ", "\n"]

scripts = st.lists(
    st.tuples(st.sampled_from(OTHER + PYTHON), st.sampled_from(SEPARATORS)), min_size=1, max_size=6
).map(lambda parts: "".join(cmd + sep for cmd, sep in parts[:-1]) + parts[-1][0])


@settings(max_examples=150, deadline=None)
@given(
    script=scripts,
    direction=st.sampled_from(["uv", "pip"]),
    context=st.sampled_from(list(ShellContext)),
)
def test_idempotent_and_other_commands_kept(
    script: str, direction: str, context: ShellContext
) -> None:
    ctx = RewriteContext(direction, uv_version="0.9.5")
    once = translate_script(script, ctx, context)
    twice = translate_script(once.text, ctx, context)
    assert twice.text == once.text
    for cmd in OTHER:
        assert once.text.count(cmd) == script.count(cmd)


DOCKER_LINES = [
    "ENV PYTHONUNBUFFERED=1",
    "WORKDIR /app",
    "ARG APP_ENV=prod",
    "COPY requirements.txt .",
    "COPY requirements.txt requirements-dev.txt ./",
    "RUN pip install --no-cache-dir -r requirements.txt",
    "RUN pip install --upgrade pip && pip install -r requirements.txt",
    "RUN apt-get update && apt-get install -y gcc && pip install -r requirements.txt",
    "RUN python -m venv /opt/venv",
    'ENV PATH="/opt/venv/bin:$PATH"',
    "RUN pip install gunicorn",
    "COPY . .",
    "COPY src/ ./src/",
    "RUN useradd -m app",
    "USER app",
    "EXPOSE 8000",
    'CMD ["gunicorn", "app:app"]',
    "# a comment",
    "",
]

dockerfiles = st.tuples(
    st.sampled_from(["FROM python:3.12-slim", "FROM python:3.11 AS app"]),
    st.lists(st.sampled_from(DOCKER_LINES), max_size=10),
).map(lambda t: "\n".join([t[0], *t[1]]) + "\n")


@settings(max_examples=150, deadline=None)
@given(
    text=dockerfiles,
    mode=st.sampled_from(["multistage", "minimal"]),
)
def test_dockerfile_round_trips(text: str, mode: str) -> None:
    from toolshift.rewriters.dockerfile import rewrite_dockerfile

    to_uv = RewriteContext("uv", uv_version="0.9.5", docker_mode=mode)
    once = rewrite_dockerfile(text, to_uv)
    assert rewrite_dockerfile(once.text, to_uv).text == once.text
    for keep in ("USER app", "EXPOSE 8000", 'CMD ["gunicorn", "app:app"]'):
        assert (keep in once.text) == (keep in text)
    to_pip = RewriteContext("pip")
    back = rewrite_dockerfile(once.text, to_pip)
    assert rewrite_dockerfile(back.text, to_pip).text == back.text
