"""Every rewrite rule toolshift applies, with a stable id and a one-line description.

Users pass ids to ``--disable``. Ranges: TS1xx packaging, TS2xx containers, TS3xx CI,
FF0xx Flask -> FastAPI. Add new rules here; never reuse a retired id.
"""

from __future__ import annotations

RULES: dict[str, str] = {
    "TS101": "create or update [project] in pyproject.toml (name, requires-python, dependencies)",
    "TS102": "move dev/test/docs requirement files to PEP 735 [dependency-groups]",
    "TS103": "move -c constraint files to [tool.uv] constraint-dependencies",
    "TS104": "move index options to [[tool.uv.index]] (credentials left to environment variables)",
    "TS105": "move VCS, path, URL and editable requirements to [tool.uv.sources]",
    "TS106": "mark a service that is not a package with [tool.uv] package = false",
    "TS107": "remove requirements files that pyproject.toml now replaces",
    "TS108": "lock with uv, keeping the versions pinned today",
    "TS109": "convert Poetry/Pipenv declarations; remove [tool.poetry], poetry.lock, Pipfile*",
    # --to pip (planners/to_pip.py)
    "TS121": "write requirements files from uv.lock (runtime, dev and other groups, extras)",
    "TS122": "remove uv.lock (the requirements files now pin the versions)",
    "TS123": "remove the [tool.uv] tables from pyproject.toml",
    "TS124": "remove [dependency-groups], and [project] where it only existed for uv",
    # containers (rewriters/dockerfile.py, compose.py, ignore_files.py)
    "TS201": "Dockerfile: copy uv from its image at a pinned version, set UV_* build settings",
    "TS202": "Dockerfile: install dependencies before the source (uv sync, cache and bind mounts)",
    "TS203": "Dockerfile: split a single-stage image into builder and runtime stages",
    "TS204": "Dockerfile uv -> pip: requirements copied first, pip install --no-cache-dir",
    "TS205": "Dockerfile: translate pip/venv/uv command lines in RUN instructions",
    "TS206": "Dockerfile: `uv run X` <-> `X` in CMD and ENTRYPOINT",
    "TS207": ".dockerignore: add .venv and caches, never exclude uv.lock or pyproject.toml",
    "TS208": "move packages installed ad hoc (pip install gunicorn) into the project dependencies",
    "TS209": "compose: service command/entrypoint `uv run X` <-> `X`",
    "TS210": "compose: uv cache volumes and develop.watch rebuild rules on the lock files",
    "TS211": "remove or pin the `curl | sh` uv installer",
    "TS212": "align the Python version of base images and CI setup steps with --python",
    # CI and docs (rewriters/github_actions.py, readme.py, ignore_files.py)
    "TS301": "GitHub Actions: actions/setup-python + pip cache <-> astral-sh/setup-uv pinned",
    "TS302": "CI scripts: install and test commands translated (uv sync --locked, uv run pytest)",
    "TS303": "README/CONTRIBUTING/Makefile: install and test commands translated",
    "TS304": ".gitignore: ignore the project virtual environment (.venv/)",
    # --to fastapi (codemods/flask_fastapi/)
    "FF001": "Flask(__name__) -> FastAPI()",
    "FF002": "Blueprint -> APIRouter, register_blueprint -> include_router (Flask prefixes)",
    "FF003": "@route/@get/... -> @get/@post/@api_route; path converters <int:x> -> {x:int}",
    "FF004": "flask.request -> a request parameter of the view (sync views stay sync)",
    "FF005": "jsonify, make_response, (body, status, headers) and str returns -> responses",
    "FF006": "abort(code) -> raise HTTPException(status_code=code)",
    "FF007": "redirect(url) -> RedirectResponse(url, status_code=302)",
    "FF008": "@app.errorhandler -> @app.exception_handler (Starlette's HTTPException, codes)",
    "FF009": "app.run(...) -> uvicorn.run(app, ...) on Flask's port",
    "FF010": "flask_cors.CORS(app) -> app.add_middleware(CORSMiddleware) with Flask-CORS defaults",
    "FF011": "dependencies: flask, flask-cors, gunicorn -> fastapi, uvicorn[standard], ...",
    "FF012": "write _flask_compat.py, the helper that keeps Flask's behaviour (compatible style)",
    "FF013": "render_template/url_for in views -> _flask_compat helpers (Jinja2, route names)",
    "FF014": "app.config / current_app.config in views -> _flask_compat.Config on the app",
    "FF015": "tests: app.test_client() -> TestClient(app, follow_redirects=False), requests too",
    "FF016": "before/after/teardown_request hooks and g -> _flask_compat hooks middleware and g",
    "FF017": "session, flash, get_flashed_messages -> _flask_compat (Starlette's signed session)",
    "FF018": "MethodView classes and as_view registrations -> _flask_compat.add_method_view",
    "FF019": "send_file/send_from_directory -> _flask_compat (safe join, the app's folder)",
    "FF020": "mark Flask extensions and init_app calls that have no FastAPI conversion (TODO)",
    "FF021": "mark custom URL converters (TODO)",
    "FF022": "mark before_request/after_request/teardown hooks (TODO)",
    "FF023": "mark url_for, templates, g, session, config, ... not converted yet (TODO)",
    "FF024": "mark Flask CLI commands (TODO)",
    "FF025": "server commands (Dockerfile, compose, Procfile): gunicorn / flask run -> uvicorn",
    "FF090": "report Python files the codemod cannot parse (left untouched)",
}


def describe(rule: str) -> str:
    return RULES.get(rule, "unknown rule")
