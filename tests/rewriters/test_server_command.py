"""FF025: server start commands (gunicorn, flask run) -> uvicorn after Flask -> FastAPI."""

from __future__ import annotations

import pytest

from toolshift.model import Severity
from toolshift.rewriters.server_command import (
    rewrite_compose_server,
    rewrite_dockerfile_server,
    rewrite_procfile,
    translate_argv,
    translate_shell,
)


def _locate(module: str) -> str | None:
    return {"shop": "create_app()", "app": "app"}.get(module)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("gunicorn app:app", "uvicorn app:app"),
        (
            'gunicorn -w 4 -b 0.0.0.0:8000 "shop:create_app()"',
            "uvicorn shop:create_app --factory --workers 4 --host 0.0.0.0 --port 8000",
        ),
        (
            "gunicorn --workers=2 --bind=127.0.0.1:9000 --reload app:app",
            "uvicorn app:app --workers 2 --host 127.0.0.1 --port 9000 --reload",
        ),
        (
            "exec gunicorn -b :${PORT:-8000} wsgi:app",
            'exec uvicorn wsgi:app --host 0.0.0.0 --port "${PORT:-8000}"',
        ),
        ("gunicorn -b [::]:8080 app:app", "uvicorn app:app --host :: --port 8080"),
        ("gunicorn -b unix:/run/app.sock app:app", "uvicorn app:app --uds /run/app.sock"),
        ("gunicorn --keep-alive 5 app", "uvicorn app:application --timeout-keep-alive 5"),
        ("python -m gunicorn app:app", "python -m uvicorn app:app"),
        (
            "gunicorn --access-logfile - --error-logfile - --graceful-timeout 20 app:app",
            "uvicorn app:app --timeout-graceful-shutdown 20",
        ),
        ("uv run gunicorn app:app", "uv run uvicorn app:app"),
        (
            "flask run --host 0.0.0.0 --port 5000",
            "uvicorn app:app --host 0.0.0.0 --port 5000",
        ),
        ("flask --app shop run", "uvicorn shop:create_app --factory --port 5000"),
        (
            "FLASK_APP=shop.main:api flask run -h 0.0.0.0",
            "FLASK_APP=shop.main:api uvicorn shop.main:api --host 0.0.0.0 --port 5000",
        ),
        ("flask --app app.py --debug run", "uvicorn app:app --port 5000 --reload"),
        (
            "flask --app shop db upgrade && exec gunicorn -b 0.0.0.0:80 'shop:create_app()'",
            "flask --app shop db upgrade && exec uvicorn shop:create_app --factory "
            "--host 0.0.0.0 --port 80",
        ),
        ("cd /srv; gunicorn app:app", "cd /srv; uvicorn app:app"),
    ],
)
def test_shell_pairs(before: str, after: str) -> None:
    new, _ = translate_shell(before, {}, _locate)
    assert new == after
    # idempotent: a uvicorn command is left alone
    again, t = translate_shell(after, {}, _locate)
    assert again is None and t.messages == []


@pytest.mark.parametrize(
    "command",
    [
        "uvicorn app:app --host 0.0.0.0",
        "python app.py",
        "celery -A shop worker",
        "flask db upgrade",
        "gunicorn -k uvicorn.workers.UvicornWorker app:app",
    ],
)
def test_untouched(command: str) -> None:
    new, t = translate_shell(command, {}, _locate)
    assert new is None
    assert not [m for m in t.messages if m[0] is Severity.WARNING]


@pytest.mark.parametrize(
    ("command", "named"),
    [
        ("gunicorn --threads 4 app:app", "--threads"),
        ("gunicorn -c gunicorn.conf.py app:app", "-c"),
        ("gunicorn --access-logfile /var/log/access.log app:app", "--access-logfile"),
        ("gunicorn 'shop:create_app(\"prod\")'", "arguments"),
        ("flask run --cert adhoc", "--cert"),
        ("gunicorn app:app && echo done", "compound"),
        ("gunicorn app:app 2>&1 | tee log", "compound"),
        ("echo $(gunicorn --version); gunicorn app:app", "compound"),
    ],
)
def test_unknown_option_leaves_the_whole_command(command: str, named: str) -> None:
    new, t = translate_shell(command, {}, _locate)
    assert new is None
    assert t.messages and t.messages[0][0] is Severity.WARNING
    assert named in t.messages[0][1]


def test_timeout_is_not_keep_alive() -> None:
    t = translate_argv(["gunicorn", "--timeout", "120", "app:app"])
    assert t.argv == ["uvicorn", "app:app"]
    assert any("--timeout 120" in m for _, m, _ in t.messages)


def test_flask_env_port_and_app() -> None:
    env = {"FLASK_APP": "shop", "FLASK_RUN_PORT": "8080", "FLASK_RUN_HOST": "0.0.0.0"}
    t = translate_argv(["flask", "run"], env, _locate)
    assert t.argv == [
        "uvicorn",
        "shop:create_app",
        "--factory",
        "--host",
        "0.0.0.0",
        "--port",
        "8080",
    ]


def test_flask_run_without_a_known_app_is_left_alone() -> None:
    t = translate_argv(["flask", "run"], {}, lambda m: None)
    assert t.argv is None and "FLASK_APP" in t.messages[0][1]


DOCKERFILE = (
    "FROM python:3.12-slim\n"
    "ENV FLASK_APP=shop\n"
    "EXPOSE 5000\n"
    "HEALTHCHECK CMD curl -f http://localhost:5000/ || exit 1\n"
    "# start the server\n"
    'CMD ["flask", "run", "--host", "0.0.0.0"]\n'
)
DOCKERFILE_AFTER = DOCKERFILE.replace(
    'CMD ["flask", "run", "--host", "0.0.0.0"]',
    'CMD ["uvicorn", "shop:create_app", "--factory", "--host", "0.0.0.0", "--port", "5000"]',
)


def test_dockerfile_exec_form() -> None:
    res = rewrite_dockerfile_server(DOCKERFILE, locate=_locate)
    assert res.changed and res.text == DOCKERFILE_AFTER
    assert rewrite_dockerfile_server(res.text, locate=_locate).changed is False


def test_dockerfile_shell_form_with_continuation_and_crlf() -> None:
    before = "FROM python\r\nCMD gunicorn \\\r\n    -w 2 -b 0.0.0.0:80 app:app\r\nUSER app\r\n"
    res = rewrite_dockerfile_server(before)
    assert res.text == (
        "FROM python\r\nCMD uvicorn app:app --workers 2 --host 0.0.0.0 --port 80\r\nUSER app\r\n"
    )
    assert rewrite_dockerfile_server(res.text).changed is False


def test_dockerfile_sh_c_entrypoint() -> None:
    before = 'FROM python\nENTRYPOINT ["sh", "-c", "gunicorn -b 0.0.0.0:$PORT app:app"]\n'
    res = rewrite_dockerfile_server(before)
    assert res.text == (
        'FROM python\nENTRYPOINT ["sh", "-c", '
        '"uvicorn app:app --host 0.0.0.0 --port \\"$PORT\\""]\n'
    )


def test_dockerfile_untouched_is_byte_identical() -> None:
    text = 'FROM python\nCMD ["uvicorn", "app:app"]\n'
    res = rewrite_dockerfile_server(text)
    assert res.text is text and not res.changed


def test_dockerfile_unknown_option_warns_with_line() -> None:
    text = "FROM python\nCMD gunicorn --threads 2 app:app\n"
    res = rewrite_dockerfile_server(text)
    assert not res.changed
    (d,) = res.diagnostics
    assert d.code == "FF025" and d.severity is Severity.WARNING
    assert d.origin is not None and d.origin.line == 2 and "--threads" in d.message


COMPOSE = """\
services:
  web:
    build: .
    # the API
    command: ["gunicorn", "-w", "2", "-b", "0.0.0.0:8000", "app:app"]
    ports:
      - "8000:8000"
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8000/"]
  dev:
    environment:
      FLASK_APP: shop
    command: flask run --host=0.0.0.0 --reload
  worker:
    command: celery -A shop worker
"""

COMPOSE_AFTER = """\
services:
  web:
    build: .
    # the API
    command: ["uvicorn", "app:app", "--workers", "2", "--host", "0.0.0.0", "--port", "8000"]
    ports:
      - "8000:8000"
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8000/"]
  dev:
    environment:
      FLASK_APP: shop
    command: uvicorn shop:create_app --factory --host 0.0.0.0 --port 5000 --reload
  worker:
    command: celery -A shop worker
"""


def test_compose_both_forms() -> None:
    res = rewrite_compose_server(COMPOSE, locate=_locate)
    assert res.text == COMPOSE_AFTER
    assert rewrite_compose_server(res.text, locate=_locate).changed is False


def test_compose_crlf_kept() -> None:
    res = rewrite_compose_server(COMPOSE.replace("\n", "\r\n"), locate=_locate)
    assert res.text == COMPOSE_AFTER.replace("\n", "\r\n")


def test_compose_sh_c_list() -> None:
    text = 'services:\n  web:\n    command: ["sh", "-c", "gunicorn -b 0.0.0.0:$$PORT app:app"]\n'
    res = rewrite_compose_server(text)
    assert res.text == (
        "services:\n  web:\n    command: "
        '["sh", "-c", "uvicorn app:app --host 0.0.0.0 --port \\"$$PORT\\""]\n'
    )


def test_compose_untouched() -> None:
    text = "services:\n  web:\n    command: uvicorn app:app  # fine\n"
    res = rewrite_compose_server(text)
    assert res.text is text and not res.changed


def test_procfile() -> None:
    before = "web: gunicorn app:app --log-level info\r\nworker: celery -A app worker\r\n"
    res = rewrite_procfile(before)
    assert res.text == (
        'web: uvicorn app:app --log-level info --host 0.0.0.0 --port "$PORT"\r\n'
        "worker: celery -A app worker\r\n"
    )
    assert rewrite_procfile(res.text).changed is False
