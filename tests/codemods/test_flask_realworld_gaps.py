"""Gaps found by replaying real-world Flask apps (httpbin, flaskr, Flask's JavaScript example)
after conversion: each fix is checked here with a minimal app, run on both sides through the
``verify --http`` harness (one subprocess per side, Flask's test client vs Starlette's
TestClient), or against Flask/werkzeug themselves as the oracle.

The before/after text of the codemod for these constructs is the ``realworld_gaps`` fixture
pair (``test_flask_fastapi.py`` runs it with the other pairs: output, idempotence, compiles).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from toolshift.codemods.flask_fastapi import CodemodOptions, compat_runtime, convert_project
from toolshift.http_equivalence import Outcome, Request, Verdict, _answers, compare


def _write(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def replay(
    tmp_path: Path, files: dict[str, str], requests: list[Request], spec: str = "app:app"
) -> list[Outcome]:
    """Convert ``files`` and replay ``requests`` against both apps with the harness."""

    py = {p: t for p, t in files.items() if p.endswith(".py")}
    result = convert_project(py, CodemodOptions())
    before, after = tmp_path / "before", tmp_path / "after"
    _write(before, files)
    _write(after, files)
    _write(after, {p: c.new for p, c in result.files.items()})
    old = _answers("flask", before, spec, requests, sys.executable, tmp_path)
    new = _answers("fastapi", after, spec, requests, sys.executable, tmp_path)
    return [compare(r, a, b) for r, a, b in zip(requests, old, new, strict=True)]


def _get(url: str, *headers: tuple[str, str], method: str = "GET") -> Request:
    return Request(method, url, tuple(headers), b"", "c", "test")


def _assert_equal(outcomes: list[Outcome]) -> None:
    """Every answer equal; an error with no handler in the app may differ by its page only
    (Flask's HTML page vs FastAPI's JSON: the known, accepted difference)."""

    bad = [
        (o.request.label, o.before.status, o.after.status, o.differences)
        for o in outcomes
        if not (
            o.verdict is Verdict.EQUAL
            or (o.verdict is Verdict.ACCEPTED and "Flask's HTML page" in o.differences[0])
        )
    ]
    assert not bad


# --------------------------------------------------------------------------- CORS preflight

CORS_APP = """\
from flask import Flask, jsonify
from flask_cors import CORS

app = Flask(__name__)
CORS(app{options})


@app.route("/items", methods=["GET", "POST"])
def items():
    return jsonify([1, 2])
"""
PREFLIGHTS = [
    _get("/items", ("Origin", "https://a.example"), ("Access-Control-Request-Method", "POST")),
    _get(
        "/items",
        ("Origin", "https://a.example"),
        ("Access-Control-Request-Method", "GET"),
        ("Access-Control-Request-Headers", "X-Token, Content-Type"),
    ),
    _get("/nowhere", ("Origin", "https://a.example"), ("Access-Control-Request-Method", "GET")),
    _get("/items", ("Origin", "https://a.example")),  # a plain OPTIONS with an Origin
    _get("/items", ("Origin", "https://a.example")),  # a simple request
]


@pytest.mark.slow
@pytest.mark.parametrize(
    "options",
    [
        "",
        ", max_age=3600",
        ", origins=['https://a.example'], supports_credentials=True",
        ", expose_headers=['X-Total'], allow_headers=['X-Token']",
    ],
    ids=["defaults", "max_age", "origins", "headers"],
)
def test_cors_preflight_answers_as_flask_cors(tmp_path: Path, options: str) -> None:
    requests = [
        Request("OPTIONS", r.url, r.headers, b"", "c", "test") for r in PREFLIGHTS[:4]
    ] + PREFLIGHTS[4:]
    outcomes = replay(tmp_path, {"app.py": CORS_APP.format(options=options)}, requests)
    _assert_equal(outcomes)
    first = outcomes[0].after.headers
    if "max_age" in options:
        assert first["access-control-max-age"] == "3600"
    else:  # Starlette alone would send 600
        assert "access-control-max-age" not in first


def test_flask_cors_preflight_headers_as_flask_cors() -> None:
    from starlette.applications import Starlette
    from starlette.datastructures import Headers

    preflight = Headers(
        {
            "origin": "https://a.example",
            "access-control-request-method": "GET",
            "access-control-request-headers": "X-Token, X-Other",
        }
    )
    unset = compat_runtime.FlaskCORS(Starlette(), allow_origins=["*"], allow_headers=["x-token"])
    given = compat_runtime.FlaskCORS(Starlette(), allow_origins=["*"], max_age=60)
    got = dict(unset._cors(preflight))
    assert "access-control-max-age" not in got  # Starlette alone would say 600
    assert got["access-control-allow-headers"] == "X-Token"  # only the allowed ones
    assert dict(given._cors(preflight))["access-control-max-age"] == "60"
    plain = Headers({"origin": "https://a.example"})  # no method asked: origin only
    assert dict(unset._cors(plain)) == {"access-control-allow-origin": "*"}


# --------------------------------------------------------------------------- responses

RESPONSES_APP = """\
from flask import Flask, Response, jsonify, make_response
from werkzeug.wrappers import Response as WerkzeugResponse

from helpers import challenge, status

app = Flask(__name__)


@app.route("/teapot")
def teapot():
    return status(418)


@app.route("/built")
def built():
    r = WerkzeugResponse("raw", status=202, mimetype="text/plain")
    r.set_cookie("a", "1")
    r.set_cookie("b", "2")
    return r


@app.route("/echo")
def echo():
    r = jsonify(x=1)
    r.data = r.data + b"\\n"
    r.headers.add("X-Many", "1")
    r.headers.add("X-Many", "2")
    return jsonify(many=r.headers.get_all("X-Many"), size=len(r.data), type=r.mimetype)


@app.route("/auth/<user>")
def auth(user, realm="me"):
    return challenge(app, realm)


@app.route("/auth-default")
def auth_default():
    return auth("anonymous", "default")


@app.route("/moved")
def moved():
    r = app.make_response("")  # a redirect made by hand: its empty body stays empty
    r.status_code = 302
    r.headers["Location"] = "/teapot"
    return r


@app.route("/direct")
def direct():
    return WerkzeugResponse("plain text", status=400)  # werkzeug's default: text/plain


@app.route("/gzipped")
def gzipped():
    import gzip

    r = make_response(gzip.compress(b"x" * 50, mtime=0))
    r.headers["Content-Encoding"] = "gzip"  # the body as sent is compared, not decoded
    return r


@app.route("/listed")
def listed():
    r = jsonify(a=1)
    r.headers["X-Mine"] = "1"
    return jsonify(names=sorted(k for k, _ in r.headers.items()))


@app.before_request
def refuse():
    from flask import abort, request

    if request.args.get("refuse"):
        abort(501, "not here")


def wrap(data):
    return data.data if isinstance(data, Response) else data


@app.route("/wrapped")
def wrapped():
    return wrap(make_response("inner"))
"""
RESPONSES_HELPERS = """\
from flask import make_response


def status(code):
    r = make_response()
    r.status_code = code
    r.data = "teapot"
    r.headers = {"X-Status": str(code)}
    return r


def challenge(app, realm):
    response = app.make_response("")
    response.status_code = 401
    response.headers["WWW-Authenticate"] = f'Basic realm="{realm}"'
    return response
"""


@pytest.mark.slow
def test_werkzeug_style_responses_answer_the_same(tmp_path: Path) -> None:
    requests = [
        _get(u)
        for u in (
            *("/teapot", "/built", "/echo", "/auth/bob", "/auth-default", "/wrapped"),
            *("/direct", "/gzipped", "/listed", "/teapot?refuse=1", "/moved"),
        )
    ]
    outcomes = replay(
        tmp_path, {"app.py": RESPONSES_APP, "helpers.py": RESPONSES_HELPERS}, requests
    )
    _assert_equal(outcomes)
    by_url = {o.request.url: o for o in outcomes}
    assert by_url["/teapot"].after.status == 418
    assert "content-type" not in by_url["/teapot"].after.headers  # replaced, as werkzeug does
    assert by_url["/auth-default"].after.headers["www-authenticate"] == 'Basic realm="default"'
    assert by_url["/direct"].after.headers["content-type"].startswith("text/plain")
    assert by_url["/teapot?refuse=1"].after.status == 501  # abort in a hook: Flask's page
    assert '"Content-Type"' in by_url["/listed"].after.body  # werkzeug's spelling


def test_compat_response_keeps_werkzeug_attributes() -> None:
    r = compat_runtime.make_response("x")
    assert isinstance(r, compat_runtime.CompatResponse)
    r.data = "héllo"
    assert r.get_data() == "héllo".encode()
    assert r.headers["content-length"] == str(len("héllo".encode()))
    r.mimetype = "text/plain"
    assert r.content_type == "text/plain; charset=utf-8"
    r.status = "404 NOT FOUND"
    assert (r.status_code, r.status) == (404, "404 NOT FOUND")
    r.headers.add("X-A", "1")
    r.headers.add("X-A", "2")
    assert r.headers.get_all("X-A") == ["1", "2"]


def test_werkzeug_response_becomes_the_same_starlette_response() -> None:
    from werkzeug.wrappers import Response as WerkzeugResponse

    w = WerkzeugResponse(b"body", status=418, mimetype="text/plain")
    w.set_cookie("a", "1")
    w.set_cookie("b", "2")
    got = compat_runtime.make_response(w)
    assert got.status_code == 418
    assert got.body == b"body"
    assert got.headers.getlist("set-cookie") == w.headers.getlist("Set-Cookie")
    assert got.headers["content-type"] == w.headers["Content-Type"]


# --------------------------------------------------------------------------- request

REQUEST_APP = """\
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.before_request
def hook():
    if request.environ.get("HTTP_X_BLOCK") == "1":
        return "blocked", 403


@app.route("/echo")
def echo():
    env = request.environ
    return jsonify(
        headers=dict(request.headers.items()),
        method=env["REQUEST_METHOD"],
        query=env["QUERY_STRING"],
        raw=request.query_string.decode(),
        origin=request.remote_addr,
        user=request.authorization.username if request.authorization else None,
    )
"""


@pytest.mark.slow
def test_request_environ_headers_and_authorization_answer_the_same(tmp_path: Path) -> None:
    requests = [
        _get("/echo?a=1&b=2", ("X-Custom-Thing", "v")),
        _get("/echo", ("Authorization", "Basic dXNlcjpwYXNz")),
        _get("/echo", ("X-Block", "1")),
    ]
    _assert_equal(replay(tmp_path, {"app.py": REQUEST_APP}, requests))


# --------------------------------------------------------------------------- templating

TEMPLATE_APP = """\
import os

from flask import Flask, render_template

app = Flask(__name__)
app.add_template_global("demo", name="site_name")


@app.template_filter("shout")
def shout(text):
    return text.upper() + "!"


@app.template_global()
def double(x):
    return x * 2


@app.context_processor
def inject():
    return {"motto": "hi"}


@app.route("/")
def index():
    app.logger.info("index")
    return render_template("index.html", name="ada")
"""
TEMPLATE = "{{ site_name }} {{ name|shout }} {{ double(2) }} {{ motto }} {{ config.DEBUG }}\n"


@pytest.mark.slow
def test_template_globals_filters_and_context_processors_answer_the_same(
    tmp_path: Path,
) -> None:
    files = {"app.py": TEMPLATE_APP, "templates/index.html": TEMPLATE}
    outcomes = replay(tmp_path, files, [_get("/")])
    _assert_equal(outcomes)
    assert outcomes[0].after.body.strip() == "demo ADA! 4 hi False"


def test_instance_path_is_flasks_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import flask

    pkg = tmp_path / "rwpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    expected = flask.Flask("rwpkg").instance_path
    assert compat_runtime.instance_path(str(pkg / "__init__.py")) == expected
    assert compat_runtime.instance_path(str(pkg / "views.py")) == expected
    assert compat_runtime.instance_path(str(tmp_path / "app.py")) == str(tmp_path / "instance")


# --------------------------------------------------------------------------- routes

ROUTES_APP = """\
from flask import Flask, render_template_string, url_for

app = Flask(__name__)


@app.route("/", defaults={"js": "fetch"})
@app.route("/<any(xhr, jquery, fetch):js>")
def index(js):
    return render_template_string(
        "{{ js }} {{ url_for('index', js='fetch') }} {{ url_for('index', js='xhr') }}", js=js
    )


@app.route("/add", methods=["POST"])
def add():
    return url_for("index", js="jquery")


@app.route("/traced", methods=["GET", "TRACE"])
def traced():
    return "t"


@app.route("/page/")
@app.route("/page/<int:n>")
def page(n=1):  # a function default, not a rule default: no redirect, url_for keeps n
    return {"n": n, "first": url_for("page", n=1), "bare": url_for("page")}
"""


@pytest.mark.slow
def test_any_converter_and_route_defaults_answer_the_same(tmp_path: Path) -> None:
    urls = ("/", "/xhr", "/jquery", "/plain", "/add", "/fetch", "/page/", "/page/1", "/page/2")
    requests = [_get(u) for u in urls]
    requests.append(Request("POST", "/add", (), b"", "c", "test"))
    requests.append(Request("OPTIONS", "/traced", (), b"", "c", "test"))  # Allow: TRACE too
    outcomes = replay(tmp_path, {"app.py": ROUTES_APP}, requests)
    _assert_equal(outcomes)
    by_url = {o.request.label: o for o in outcomes}
    assert by_url["GET /"].after.body == "fetch / /xhr"
    assert by_url["GET /plain"].after.status == 404  # not a value of any(...)
    assert by_url["GET /add"].after.status == 405  # not taken by /<js>
    assert by_url["GET /fetch"].after.status == 308  # werkzeug's redirect_defaults
    assert by_url["GET /fetch"].after.headers["location"].endswith("/")
    assert by_url["GET /page/1"].after.status == 200


def test_any_converter_registers_one_convertor_per_value_set() -> None:
    from starlette.convertors import CONVERTOR_TYPES

    name = compat_runtime.any_converter("a-b", "c")
    assert name == compat_runtime.any_converter("a-b", "c")
    convertor = CONVERTOR_TYPES[name]
    assert convertor.regex == "a\\-b|c"


# --------------------------------------------------------------------------- app context (flaskr)

FLASKR_INIT = """\
import os

from flask import Flask


def create_app(test_config=None):
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(SECRET_KEY="dev", GREETING="hello")
    app.config.from_pyfile("config.py", silent=True)
    try:
        os.makedirs(app.instance_path)
    except OSError:
        pass

    from . import db

    db.init_app(app)

    from . import auth

    app.register_blueprint(auth.bp)
    app.add_url_rule("/", endpoint="index")
    return app
"""
FLASKR_DB = """\
import click
from flask import current_app, g


def get_db():
    if "db" not in g:
        with current_app.open_resource("schema.txt") as f:
            g.db = {"schema": f.read().decode().strip(), "greeting": current_app.config["GREETING"]}
    return g.db


def close_db(e=None):
    g.pop("db", None)


@click.command("init-db")
def init_db_command():
    click.echo("Initialized the database.")


def init_app(app):
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
"""
FLASKR_AUTH = """\
import functools

from flask import Blueprint, g, redirect, request, url_for
from werkzeug.exceptions import abort

from .db import get_db

bp = Blueprint("auth", __name__, url_prefix="/auth")


def login_required(view):
    @functools.wraps(view)
    def wrapped_view(**kwargs):
        if g.user is None:
            return redirect(url_for("auth.login"))
        return view(**kwargs)

    return wrapped_view


@bp.before_app_request
def load_logged_in_user():
    g.user = request.args.get("user")


@bp.route("/login")
def login():
    return get_db()


@bp.route("/<int:id>/secret")
@login_required
def secret(id):
    if id == 0:
        abort(404, f"Post id {id} doesn't exist.")
    if id == 1:
        abort(403)
    return {"id": id, "home": url_for("index")}


@bp.route("/boom")
def boom():
    raise ValueError("boom")


@bp.route("/form", methods=["POST"])
def form():
    return request.form["title"]  # missing: werkzeug's 400 page
"""


@pytest.mark.slow
def test_app_context_hooks_and_errors_of_a_flaskr_like_app_answer_the_same(
    tmp_path: Path,
) -> None:
    files = {
        "flaskr/__init__.py": FLASKR_INIT,
        "flaskr/db.py": FLASKR_DB,
        "flaskr/auth.py": FLASKR_AUTH,
        "flaskr/schema.txt": "the schema\n",
    }
    urls = [
        "/auth/login",
        "/auth/2/secret",  # login_required: a redirect (werkzeug's page) via url_for
        "/auth/2/secret?user=ada",  # url_for of an add_url_rule alias
        "/auth/0/secret?user=ada",  # werkzeug's abort with a description
        "/auth/1/secret?user=ada",  # werkzeug's abort: its default page
        "/auth/x/secret",  # no route: Flask's 404 page
        "/auth/boom",  # an exception: Flask's 500 page
    ]
    requests = [_get(u) for u in urls]
    requests.append(Request("POST", "/auth/login", (), b"", "c", "test"))  # Flask's 405 page
    requests.append(Request("POST", "/auth/form", (), b"", "c", "test"))
    outcomes = replay(tmp_path, files, requests, spec="flaskr:create_app")
    assert [o.verdict for o in outcomes] == [Verdict.EQUAL] * len(outcomes), [
        (o.request.label, o.differences) for o in outcomes if o.verdict is not Verdict.EQUAL
    ]
    statuses = [o.after.status for o in outcomes]
    assert statuses == [200, 302, 200, 404, 403, 404, 500, 405, 400]
    assert '"greeting":"hello"' in outcomes[0].after.body.replace(" ", "")


def test_converted_tests_use_the_app_packages_helper() -> None:
    files = {
        "flaskr/__init__.py": FLASKR_INIT,
        "flaskr/db.py": FLASKR_DB,
        "flaskr/auth.py": FLASKR_AUTH,
        "tests/conftest.py": (
            "from flaskr import create_app\nfrom flaskr.db import get_db\n\n\n"
            "def make():\n    app = create_app()\n    with app.app_context():\n"
            "        return get_db()\n"
        ),
    }
    result = convert_project(files, CodemodOptions())
    conftest = result.text("tests/conftest.py") or ""
    assert "from flaskr import _flask_compat" in conftest
    assert "with _flask_compat.app_context(app):" in conftest
    assert "tests/_flask_compat.py" not in result.files  # one helper: the app's
    assert "flaskr/_flask_compat.py" in result.files
    init = result.text("flaskr/__init__.py") or ""
    assert "init_app" in init and "TODO[toolshift FF020]" not in init  # the project's own
    assert "app.cli = _flask_compat.cli_group()" in init
    db = result.text("flaskr/db.py") or ""
    assert "_flask_compat.teardown_request(app)(close_db)" in db
    assert "TODO[toolshift FF024]" in db  # the CLI command itself still needs a person


def test_missing_form_key_is_a_400_and_a_key_error_as_in_werkzeug() -> None:
    import jinja2
    from starlette.exceptions import HTTPException
    from werkzeug.datastructures import MultiDict as WerkzeugMultiDict

    ours = compat_runtime.MultiDict([("a", "1")])
    with pytest.raises(KeyError):
        WerkzeugMultiDict([("a", "1")])["title"]
    with pytest.raises(KeyError) as caught:
        ours["title"]
    assert isinstance(caught.value, HTTPException) and caught.value.status_code == 400
    # flaskr's templates read request.form['title'] on a GET: an empty value, not an error
    template = jinja2.Environment().from_string("[{{ form['title'] }}]")
    assert template.render(form=ours) == template.render(form=WerkzeugMultiDict()) == "[]"


def test_unittest_client_kept_on_self_is_converted() -> None:
    """httpbin's tests: ``self.app = app.test_client()`` in setUp, requests in the tests."""

    files = {
        "app.py": "from flask import Flask\napp = Flask(__name__)\n",
        "tests/test_app.py": (
            "import unittest\nfrom app import app\n\n\n"
            "class T(unittest.TestCase):\n"
            "    def setUp(self):\n"
            "        self.app = app.test_client()\n\n"
            "    def test_get(self):\n"
            "        response = self.app.get('/x', query_string={'a': 1})\n"
            "        self.assertEqual(response.data, b'')\n"
        ),
    }
    text = convert_project(files, CodemodOptions()).text("tests/test_app.py") or ""
    assert "self.app = TestClient(app, follow_redirects=False)" in text
    assert "self.app.get('/x', params={'a': 1})" in text
    assert "response.content" in text


def test_session_read_in_a_test_gets_a_todo() -> None:
    """flaskr's tests read ``session`` after ``with client:``: kept, with a TODO (Starlette's
    TestClient keeps no request context)."""

    files = {
        "app.py": "from flask import Flask, session\napp = Flask(__name__)\n",
        "tests/test_app.py": (
            "from flask import session\n\n\n"
            "def test_login(client):\n"
            "    with client:\n"
            "        client.get('/')\n"
            "        assert session['user_id'] == 1\n"
        ),
    }
    result = convert_project(files, CodemodOptions())
    text = result.text("tests/test_app.py") or ""
    assert "TODO[toolshift FF015]: the session outside a request" in text
    assert [t.rule for t in result.todos if t.path == "tests/test_app.py"] == ["FF015"]


def test_multidict_is_a_dict_as_werkzeugs_is() -> None:
    """httpbin json.dumps its ``request.args`` (a werkzeug MultiDict, a dict subclass)."""

    import json

    from werkzeug.datastructures import MultiDict as WerkzeugMultiDict

    for items in ([], [("a", "1"), ("a", "2"), ("b", "3")]):
        ours, theirs = compat_runtime.MultiDict(items), WerkzeugMultiDict(items)
        assert isinstance(ours, dict)
        assert json.dumps(ours) == json.dumps(theirs)
        assert dict(ours) == dict(theirs)
        assert ours.getlist("a") == theirs.getlist("a")
