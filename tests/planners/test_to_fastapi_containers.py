"""FF025 in ``migrate --to fastapi``: Dockerfiles, compose files and Procfiles follow the app."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from toolshift.cli.main import main
from toolshift.model import Detected, MigrateOptions, Project, Tool
from toolshift.planners.fastapi_servers import app_locator
from toolshift.planners.to_fastapi import plan_to_fastapi

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "flask-service"

APP = b"""from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return {"ok": True}
"""

DOCKERFILE = (
    b"FROM python:3.12-slim\r\n"
    b"EXPOSE 5000\r\n"
    b"HEALTHCHECK CMD curl -f http://localhost:5000/ || exit 1\r\n"
    b'CMD ["flask", "run", "--host", "0.0.0.0"]\r\n'
)
COMPOSE = b"""services:
  web:
    build: .
    command: gunicorn -w 4 -b 0.0.0.0:8000 app:app  # prod
"""
PROCFILE = b"web: gunicorn app:app\nrelease: python manage.py migrate\n"


def _detected(files: dict[str, bytes]) -> Detected:
    return Detected(project=Project(root="/svc", name="svc", tool=Tool.PIP), contents=files)


def test_plan_rewrites_every_server_command() -> None:
    files = {
        "app.py": APP,
        "Dockerfile": DOCKERFILE,
        "compose.yaml": COMPOSE,
        "Procfile": PROCFILE,
        "README.md": b"run: gunicorn app:app\n",
    }
    plan = plan_to_fastapi(_detected(files), MigrateOptions(target="fastapi"))
    by_path = {c.path: c for c in plan.changes}
    assert by_path["Dockerfile"].new == DOCKERFILE.replace(
        b'CMD ["flask", "run", "--host", "0.0.0.0"]',
        b'CMD ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "5000"]',
    )
    assert by_path["Dockerfile"].rules == ("FF025",)
    assert by_path["compose.yaml"].new == COMPOSE.replace(
        b"gunicorn -w 4 -b 0.0.0.0:8000 app:app",
        b"uvicorn app:app --workers 4 --host 0.0.0.0 --port 8000",
    ).replace(b"  # prod", b" # prod")
    assert by_path["Procfile"].new == (
        b'web: uvicorn app:app --host 0.0.0.0 --port "$PORT"\nrelease: python manage.py migrate\n'
    )
    assert "README.md" not in by_path


def test_disabled_rule_and_non_flask_project_leave_them() -> None:
    files = {"app.py": APP, "Procfile": PROCFILE}
    off = MigrateOptions(target="fastapi", disabled_rules=frozenset({"FF025"}))
    assert "Procfile" not in {c.path for c in plan_to_fastapi(_detected(files), off).changes}
    plain = {"app.py": b"print('hi')\n", "Procfile": PROCFILE}
    plan = plan_to_fastapi(_detected(plain), MigrateOptions(target="fastapi"))
    assert "Procfile" not in {c.path for c in plan.changes}


def test_unknown_option_is_reported_and_left() -> None:
    files = {"app.py": APP, "Procfile": b"web: gunicorn --threads 8 app:app\n"}
    plan = plan_to_fastapi(_detected(files), MigrateOptions(target="fastapi"))
    assert "Procfile" not in {c.path for c in plan.changes}
    (d,) = [d for d in plan.diagnostics if d.code == "FF025"]
    assert "--threads" in d.message and d.origin is not None and d.origin.path == "Procfile"


def test_app_locator_follows_flask_discovery() -> None:
    locate = app_locator(
        {
            "shop/__init__.py": "from flask import Flask\n\ndef create_app():\n"
            "    app = Flask(__name__)\n    return app\n",
            "api.py": "from flask import Flask\n\nserver = Flask(__name__)\n",
            "other.py": "x = 1\n",
        }
    )
    assert locate("shop") == "create_app()"
    assert locate("api") == "server"
    assert locate("other") is None


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".toolshift" not in p.parts
    }


def test_cli_migrate_rewrites_containers_then_undo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    svc = tmp_path / "svc"
    shutil.copytree(EXAMPLE, svc)
    (svc / "Dockerfile").write_bytes(
        b"FROM python:3.12-slim\n"
        b"WORKDIR /app\n"
        b"COPY requirements.txt .\n"
        b"RUN pip install -r requirements.txt\n"
        b"COPY . .\n"
        b"EXPOSE 8000\n"
        b'CMD ["gunicorn", "-w", "4", "-b", "0.0.0.0:8000", "shop:create_app()"]\n'
    )
    (svc / "docker-compose.yml").write_bytes(
        b"services:\n"
        b"  web:\n"
        b"    build: .\n"
        b"    environment:\n"
        b"      - FLASK_APP=shop\n"
        b"    command: flask run --host 0.0.0.0 --port 8000\n"
        b"    ports:\n"
        b'      - "8000:8000"\n'
    )
    (svc / "Procfile").write_bytes(b"web: gunicorn 'shop:create_app()'\n")
    before = _tree(svc)

    assert main(["migrate", "--to", "fastapi", str(svc), "--yes"]) == 0
    assert (svc / "Procfile").read_bytes() == (
        b'web: uvicorn shop:create_app --factory --host 0.0.0.0 --port "$PORT"\n'
    )
    dockerfile = (svc / "Dockerfile").read_text()
    assert (
        'CMD ["uvicorn", "shop:create_app", "--factory", "--workers", "4", '
        '"--host", "0.0.0.0", "--port", "8000"]' in dockerfile
    )
    assert "EXPOSE 8000" in dockerfile
    compose = (svc / "docker-compose.yml").read_text()
    assert "command: uvicorn shop:create_app --factory --host 0.0.0.0 --port 8000\n" in compose
    capsys.readouterr()
    assert main(["migrate", "--to", "fastapi", str(svc), "--check"]) == 0

    assert main(["undo", str(svc), "--yes"]) == 0
    assert _tree(svc) == before
