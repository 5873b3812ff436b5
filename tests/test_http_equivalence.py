"""verify --http: probes from a route table, answer comparison, finding the app, and the whole
check through the CLI on a migrated copy of the bundled example."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from toolshift.errors import UsageError
from toolshift.http_equivalence import (
    Answer,
    Request,
    Route,
    Verdict,
    compare,
    fastapi_entry,
    find_app,
    route_probes,
)

EXAMPLE = Path(__file__).parent.parent / "examples" / "flask-service"

FLASK_404 = (
    "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
    "<p>The requested URL was not found on the server.</p>\n"
)


def _json(status: int, body: str, **headers: str) -> Answer:
    return Answer(status, {"content-type": "application/json", **headers}, body)


# --------------------------------------------------------------------------- probes


def test_route_probes_cover_methods_slashes_converters_and_bodies() -> None:
    routes = [
        Route("/items/<int:item_id>", frozenset({"GET", "HEAD", "OPTIONS"}), "api.get_item"),
        Route("/items/<int:item_id>", frozenset({"DELETE", "OPTIONS"}), "api.delete_item"),
        Route("/items", frozenset({"POST", "OPTIONS"}), "api.create"),
        Route("/at/<float:x>/<uuid:u>", frozenset({"GET", "HEAD", "OPTIONS"}), "at"),
        Route("/static/<path:filename>", frozenset({"GET", "HEAD", "OPTIONS"}), "static"),
        Route("/custom/<slug:s>", frozenset({"GET"}), "custom"),  # unknown converter
    ]
    got = {(r.method, r.url, r.source) for r in route_probes(routes)}

    assert ("HEAD", "/items/1", "probe: HEAD") in got
    assert ("OPTIONS", "/items/1", "probe: OPTIONS") in got
    # GET and DELETE are both allowed on /items/<id> (two rules): the wrong one is POST.
    assert ("POST", "/items/1", "probe: method not allowed") in got
    assert ("GET", "/items/1/", "probe: trailing slash") in got
    assert ("GET", "/items/abc", "probe: bad int value") in got
    assert ("GET", "/at/abc/12345678-1234-5678-1234-567812345678", "probe: bad float value") in got
    assert ("GET", "/at/1.5/not-a-uuid", "probe: bad uuid value") in got
    assert ("POST", "/items", "probe: bad JSON") in got
    assert ("POST", "/items", "probe: wrong content type") in got
    assert ("GET", "/items", "probe: method not allowed") in got
    assert ("POST", "/items/", "probe: trailing slash") in got
    assert not any(url.startswith(("/static", "/custom")) for _, url, _ in got)
    assert not any("CORS" in src for _, _, src in got)  # no CORS in use: no preflight

    bad_json = next(r for r in route_probes(routes) if r.source == "probe: bad JSON")
    assert bad_json.body == b"{not json"
    assert bad_json.header("content-type") == "application/json"


def test_route_probes_add_a_preflight_when_cors_is_used() -> None:
    routes = [Route("/items", frozenset({"POST", "OPTIONS"}), "create")]
    preflights = [r for r in route_probes(routes, cors=True) if "preflight" in r.source]
    assert len(preflights) == 1
    p = preflights[0]
    assert (p.method, p.url) == ("OPTIONS", "/items")
    assert p.header("origin") == "https://example.org"
    assert p.header("access-control-request-method") == "POST"


def test_recorded_request_round_trips_and_drops_transport_headers() -> None:
    raw = {
        "method": "post",
        "url": "/api/items?x=1",
        "headers": [["Host", "localhost"], ["Cookie", "session=abc"], ["X-Key", "v"]],
        "body": "eyJhIjogMX0=",
        "client": "t#0",
        "source": "tests/test_a.py::test_b",
    }
    r = Request.from_json(raw)
    assert (r.method, r.url, r.body) == ("POST", "/api/items?x=1", b'{"a": 1}')
    assert r.headers == (("X-Key", "v"),)
    assert Request.from_json(r.to_json()) == r


# --------------------------------------------------------------------------- comparing


def test_same_json_in_another_layout_is_equal() -> None:
    rq = Request("GET", "/api/items")
    before = _json(200, '{"a": 1, "b": [1, 2]}\n', **{"content-type": "application/json"})
    after = _json(200, '{"b":[1,2],"a":1}')
    assert compare(rq, before, after).verdict is Verdict.EQUAL


def test_html_is_compared_with_whitespace_normalised() -> None:
    rq = Request("GET", "/pages/x")
    html = {"content-type": "text/html; charset=utf-8"}
    same = compare(rq, Answer(200, html, "<p>\n  Hi</p>"), Answer(200, html, "<p> Hi</p>"))
    assert same.verdict is Verdict.EQUAL
    other = compare(rq, Answer(200, html, "<p>Hi</p>"), Answer(200, html, "<p>Bye</p>"))
    assert other.verdict is Verdict.REGRESSION
    assert other.differences[0].startswith("body:")


def test_a_status_change_is_a_regression() -> None:
    out = compare(Request("POST", "/api/items"), _json(201, "{}"), _json(200, "{}"))
    assert out.verdict is Verdict.REGRESSION
    assert out.differences == ("status 201 -> 200",)


def test_flask_error_page_without_handler_is_accepted_but_not_a_status_change() -> None:
    rq = Request("GET", "/nowhere")
    before = Answer(404, {"content-type": "text/html; charset=utf-8"}, FLASK_404)
    out = compare(rq, before, _json(404, '{"detail": "Not Found"}'))
    assert out.verdict is Verdict.ACCEPTED
    assert "error body" in out.differences[0]
    assert compare(rq, before, _json(400, "{}")).verdict is Verdict.REGRESSION
    # An HTML body the app wrote itself is not Flask's page: a difference is a regression.
    mine = Answer(404, {"content-type": "text/html"}, "<p>gone</p>")
    assert compare(rq, mine, _json(404, "{}")).verdict is Verdict.REGRESSION


def test_redirects_compare_the_location_path_not_the_host_or_body() -> None:
    rq = Request("GET", "/old")
    before = Answer(
        302,
        {"content-type": "text/html; charset=utf-8", "location": "http://localhost/new?a=1"},
        "<!doctype html><title>Redirecting...</title>",
    )
    after = Answer(302, {"location": "http://testserver/new?a=1"}, "")
    out = compare(rq, before, after)
    assert (out.verdict, out.differences) == (Verdict.ACCEPTED, ("redirect body",))
    moved = Answer(302, {"location": "http://testserver/elsewhere"}, "")
    assert compare(rq, before, moved).verdict is Verdict.REGRESSION


def test_cors_headers_count_only_when_the_request_has_an_origin() -> None:
    flask = _json(200, "{}", **{"access-control-allow-origin": "*"})
    fastapi = _json(200, "{}")
    assert compare(Request("GET", "/a"), flask, fastapi).verdict is Verdict.EQUAL
    with_origin = Request("GET", "/a", (("Origin", "https://x.example"),))
    out = compare(with_origin, flask, fastapi)
    assert out.verdict is Verdict.REGRESSION
    assert "access-control-allow-origin" in out.differences[0]


def test_head_bodies_and_allow_order_are_ignored() -> None:
    rq = Request("HEAD", "/a")
    before = _json(200, "", allow="GET, HEAD, OPTIONS")
    after = _json(200, "{}", allow="OPTIONS, GET, HEAD")
    assert compare(rq, before, after).verdict is Verdict.EQUAL


def test_an_app_that_raised_is_a_regression() -> None:
    out = compare(Request("GET", "/a"), _json(200, "{}"), Answer(0, {}, "", "KeyError: 'x'"))
    assert out.verdict is Verdict.REGRESSION
    assert any("raised" in d for d in out.differences)


# --------------------------------------------------------------------------- finding the app


def test_find_app_takes_the_factory_and_leaves_tests_out() -> None:
    # tests/conftest.py defines an app fixture that builds one too: not the app.
    assert find_app(EXAMPLE) == "shop:create_app"


def test_find_app_in_a_src_layout_with_a_module_level_app(tmp_path: Path) -> None:
    (tmp_path / "src" / "svc").mkdir(parents=True)
    (tmp_path / "src" / "svc" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "src" / "svc" / "web.py").write_text(
        "from flask import Flask\n\napp = Flask(__name__)\n", encoding="utf-8"
    )
    assert find_app(tmp_path) == "src/svc.web:app"


def test_find_app_asks_for_app_when_it_cannot_tell(tmp_path: Path) -> None:
    for name in ("one", "two"):
        (tmp_path / f"{name}.py").write_text(
            "from flask import Flask\napp = Flask(__name__)\n", encoding="utf-8"
        )
    with pytest.raises(UsageError, match="which Flask app") as info:
        find_app(tmp_path)
    assert "--app" in (info.value.hint or "")


# --------------------------------------------------------------------------- the journal


def _entry(root: Path, entry_id: str, target: str, status: str = "applied") -> None:
    folder = root / ".toolshift" / "history" / entry_id
    folder.mkdir(parents=True)
    manifest = {
        "schema": 1,
        "id": entry_id,
        "created": f"2026-01-0{entry_id[-1]}T00:00:00Z",
        "command": f"toolshift migrate --to {target}",
        "target": target,
        "status": status,
        "paths": [],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_the_fastapi_entry_is_found_behind_later_migrations(tmp_path: Path) -> None:
    _entry(tmp_path, "e1", "uv")
    _entry(tmp_path, "e2", "fastapi")
    _entry(tmp_path, "e3", "pip")
    _entry(tmp_path, "e4", "uv", status="undone")
    entry, later = fastapi_entry(tmp_path, None)
    assert entry.id == "e2"
    assert [e.id for e in later] == ["e3"]  # laid over first; the undone one is not
    with pytest.raises(UsageError, match="--to uv"):
        fastapi_entry(tmp_path, "e1")


def test_no_fastapi_migration_is_nothing_to_compare(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no migration is applied"):
        fastapi_entry(tmp_path, None)
    _entry(tmp_path, "e1", "uv")
    with pytest.raises(UsageError, match="no `migrate --to fastapi`"):
        fastapi_entry(tmp_path, None)


# --------------------------------------------------------------------------- the whole check


def _verify_json(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    from toolshift.cli.main import main

    capsys.readouterr()
    code = main(["verify", "--http", str(path), "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


@pytest.mark.slow
def test_verify_http_after_migrating_the_example(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from toolshift.cli.main import main

    project = tmp_path / "svc"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__"))
    assert main(["verify", "--http", str(project)]) == 2  # nothing migrated: nothing to compare
    assert main(["migrate", "--to", "fastapi", str(project), "--yes"]) == 0
    assert main(["verify", str(project), "--app", "shop:create_app"]) == 2  # --app needs --http
    assert main(["verify", "--http", str(project), "--app", "shop"]) == 2  # not MODULE:ATTR

    code, doc = _verify_json(project, capsys)
    assert code == 0, doc
    assert doc["app"] == "shop:create_app"
    assert doc["recorded"] == 12  # every request of the example's 10 tests
    assert doc["regressions"] == 0
    assert (doc["tests_equal"], doc["tests_same_status"]) == (12, 12)
    reqs = doc["requests"]
    assert isinstance(reqs, list)
    equal = sum(1 for r in reqs if r["verdict"] == "equal")
    assert equal / len(reqs) >= 0.95  # CORS preflights, error pages and redirects as Flask's
    preflights = [r for r in reqs if r["source"] == "probe: CORS preflight"]
    assert preflights and all(r["verdict"] == "equal" for r in preflights)
    from_tests = [r for r in reqs if not str(r["source"]).startswith("probe")]
    redirect = next(r for r in from_tests if r["url"] == "/pages/old")
    assert redirect["verdict"] == "equal"  # werkzeug's redirect page, kept by FlaskRouting

    # Break one converted route by hand: the check names that request and fails.
    api = project / "shop" / "api.py"
    text = api.read_text(encoding="utf-8")
    assert "jsonify(ITEMS[new_id]), 201" in text
    api.write_text(text.replace("jsonify(ITEMS[new_id]), 201", "jsonify(ITEMS[new_id]), 200"))
    code, doc = _verify_json(project, capsys)
    assert code == 3
    bad = [r for r in doc["requests"] if r["verdict"] == "regression"]  # type: ignore[union-attr]
    assert [(r["method"], r["url"], r["source"]) for r in bad] == [
        ("POST", "/api/items", "tests/test_shop.py::test_create_item")
    ]
    assert bad[0]["differences"] == ["status 201 -> 200"]

    # The human table names it too (the app named with --app this time).
    capsys.readouterr()
    assert main(["verify", "--http", str(project), "--app", "shop:create_app"]) == 3
    human = capsys.readouterr().out
    assert "POST /api/items" in human and "status 201 -> 200" in human
    assert "from the tests: 11/12 equal, 11/12 with the same status" in human


@pytest.mark.slow
def test_requests_failing_without_the_tests_fixtures_are_noted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The replay builds the app with no arguments: a request that needs what a fixture set up
    (here a config value) answers 500 on both sides, and the result says how many did."""

    from toolshift.cli.main import main

    project = tmp_path / "svc"
    (project / "tests").mkdir(parents=True)
    (project / "requirements.txt").write_text("flask\n", encoding="utf-8")
    (project / "app.py").write_text(
        "from flask import Flask, current_app\n\n\n"
        "def create_app(config=None):\n"
        "    app = Flask(__name__)\n"
        "    app.config.update(config or {})\n\n"
        "    @app.route('/ping')\n"
        "    def ping():\n"
        "        return 'pong'\n\n"
        "    @app.route('/db')\n"
        "    def db():\n"
        "        return current_app.config['DATABASE']\n\n"
        "    return app\n",
        encoding="utf-8",
    )
    (project / "tests" / "test_app.py").write_text(
        "from app import create_app\n\n\n"
        "def test_both():\n"
        "    client = create_app({'DATABASE': 'x.db'}).test_client()\n"
        "    assert client.get('/ping').status_code == 200\n"
        "    assert client.get('/db').data == b'x.db'\n",
        encoding="utf-8",
    )
    assert main(["migrate", "--to", "fastapi", str(project), "--yes"]) == 0
    code, doc = _verify_json(project, capsys)
    assert code == 0, doc
    assert doc["recorded"] == 2
    statuses = [(r["url"], r["status_before"], r["verdict"]) for r in doc["requests"][:2]]
    assert statuses == [("/ping", 200, "equal"), ("/db", 500, "equal")]
    assert any("1 of the 2 requests from the tests answered 500" in n for n in doc["notes"])
