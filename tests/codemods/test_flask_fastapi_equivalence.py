"""A whole Flask app converted, then both run in-process: same statuses, bodies and headers.

The Flask original (the bundled example, ``examples/flask-service``) answers through Flask's
test client; the converted copy (written to a temporary folder with its ``_flask_compat.py``)
through FastAPI's TestClient, redirects not followed. No network: both are in-process.
"""

from __future__ import annotations

import importlib
import json
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from toolshift.codemods.flask_fastapi import CodemodOptions, convert_project

FIXTURE = Path(__file__).parent.parent.parent / "examples" / "flask-service"


@dataclass(frozen=True)
class Answer:
    status: int
    media_type: str
    body: Any  # parsed JSON, or text
    headers: dict[str, str]


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    json: Any = None
    data: dict[str, str] | None = None
    content: bytes | None = None
    content_type: str | None = None
    upload: tuple[str, bytes] | None = None
    headers: tuple[tuple[str, str], ...] = ()
    compare_body: bool = True


CALLS = [
    Call("GET", "/api/items"),
    Call("GET", "/api/items?limit=1"),
    Call("GET", "/api/items?limit=abc"),  # Flask: type=int falls back to the default
    Call("GET", "/api/items/1"),
    Call("GET", "/api/items/999"),  # abort(404) -> the app's 404 handler
    Call("GET", "/api/items/abc"),  # bad converter value: 404, not 422
    Call("GET", "/nowhere"),  # no route: the 404 handler too
    Call("POST", "/api/items", json={"name": "plum", "price": 2}),
    Call("POST", "/api/items", json={"price": 2}),  # abort(400) -> the 400 handler
    Call("POST", "/api/items", content=b"{not json", content_type="application/json"),
    # Flask answers 415 for a body that is not JSON; the bodies differ (no 415 handler).
    Call("POST", "/api/items", data={"name": "x"}, compare_body=False),
    Call("DELETE", "/api/items/2"),
    Call("DELETE", "/api/items/2"),
    Call("GET", "/api/search?q=fruit&tags=a&tags=b"),
    Call("GET", "/api/count"),
    Call("GET", "/api/raw"),  # flask.Response(...)
    Call("GET", "/api/prices/1"),  # a MethodView
    Call("GET", "/api/prices/999"),
    Call("PUT", "/api/prices/1", json={"price": 9}),
    Call("DELETE", "/api/prices/1"),  # 405 on a MethodView
    Call("GET", "/api/info"),  # app.config, current_app.config, g set by a before_request hook
    Call("GET", "/api/items", headers=(("X-Block", "yes"),)),  # a hook answers instead
    Call("GET", "/pages/visit"),  # session and flash: a signed cookie, kept by the client
    Call("GET", "/pages/visit"),
    Call("GET", "/pages/hello/World"),
    Call("GET", "/pages/hello/World?format=json"),  # request in a helper function
    Call("POST", "/pages/contact", data={"name": "Ada"}),
    Call("POST", "/pages/contact", data={}),
    Call("POST", "/pages/upload", upload=("notes.txt", b"hello world")),
    Call("POST", "/pages/upload", data={"other": "1"}),
    # Accepted difference: Flask's redirect carries a small HTML page, RedirectResponse none.
    Call("GET", "/pages/old", compare_body=False),
    Call("GET", "/api/items/1", headers=(("Origin", "https://shop.example"),)),
    Call("GET", "/pages/greet/<b>Ada</b>?note=hi"),  # template, autoescape, url_for, request
    Call("GET", "/pages/back", compare_body=False),  # url_for(".greet") with an anchor
    Call("GET", "/static/style.css"),  # Flask's static route
    Call("GET", "/static/missing.css"),  # 404 through the app's handler
    Call("GET", "/pages/files/style.css"),  # send_from_directory, relative to the app
    Call("GET", "/pages/files/..%2F__init__.py"),  # outside the folder: 404
    Call("GET", "/pages/files/nope.css"),
    # Flask's routing answers, kept by _flask_compat.FlaskRouting:
    Call("HEAD", "/api/items"),  # HEAD of a GET route: headers, no body
    Call("OPTIONS", "/api/items"),  # automatic OPTIONS with Allow
    Call("GET", "/api/items/"),  # extra trailing slash: 404 (the app's handler), no redirect
    Call("GET", "/pages/about", compare_body=False),  # missing trailing slash: 308
    Call("GET", "/pages/about/"),
    Call("PATCH", "/api/items"),  # 405 through register_error_handler
]
HEADERS = (
    "location",
    "x-total",
    "access-control-allow-origin",
    "vary",
    "allow",
    "x-shop",
    "x-raw",
)


def _answer(call: Call, status: int, content_type: str, text: str, headers: Any) -> Answer:
    media_type = content_type.split(";")[0].strip()
    body: Any = json.loads(text) if media_type == "application/json" and text else text
    picked = {h: headers[h] for h in HEADERS if h in headers}
    if "allow" in picked:
        picked["allow"] = ", ".join(sorted(m.strip() for m in picked["allow"].split(",")))
    if not any(k.lower() == "origin" for k, _ in call.headers):
        # Accepted difference: without an Origin header (never a browser's CORS request)
        # Flask-CORS still answers "*", Starlette's CORSMiddleware answers Vary: Origin.
        picked.pop("access-control-allow-origin", None)
        picked.pop("vary", None)
    if "location" in picked:
        # The two test clients use different host names (localhost, testserver).
        parts = urlsplit(picked["location"])
        picked["location"] = urlunsplit(("", "", parts.path, parts.query, parts.fragment))
    return Answer(status, media_type if status != 204 else "", body, picked)


def _purge(package: str) -> None:
    for name in list(sys.modules):
        if name == package or name.startswith(package + "."):
            del sys.modules[name]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], Any]]:
    """Import ``shop`` from a folder under tmp_path (each side gets a clean import)."""

    def load(side: str) -> Any:
        _purge("shop")
        monkeypatch.syspath_prepend(str(tmp_path / side))
        importlib.invalidate_caches()
        return importlib.import_module("shop")

    yield load
    _purge("shop")


def _flask_answers(shop: Any) -> list[Answer]:
    client = shop.create_app().test_client()
    out = []
    for c in CALLS:
        kw: dict[str, Any] = {"headers": dict(c.headers)}
        if c.json is not None:
            kw["json"] = c.json
        if c.data is not None:
            kw["data"] = c.data
        if c.content is not None:
            kw["data"] = c.content
            kw["content_type"] = c.content_type
        if c.upload is not None:
            import io

            kw["data"] = {"file": (io.BytesIO(c.upload[1]), c.upload[0])}
            kw["content_type"] = "multipart/form-data"
        r = client.open(c.url, method=c.method, **kw)
        out.append(
            _answer(c, r.status_code, r.content_type or "", r.get_data(as_text=True), r.headers)
        )
        r.close()  # send_from_directory keeps its file open until then
    return out


def _fastapi_answers(shop: Any) -> list[Answer]:
    from fastapi.testclient import TestClient

    client = TestClient(shop.create_app(), follow_redirects=False)
    out = []
    for c in CALLS:
        kw: dict[str, Any] = {"headers": dict(c.headers)}
        if c.json is not None:
            kw["json"] = c.json
        if c.data is not None:
            kw["data"] = c.data
        if c.content is not None:
            kw["content"] = c.content
            kw["headers"]["content-type"] = c.content_type
        if c.upload is not None:
            kw["files"] = {"file": (c.upload[0], c.upload[1])}
        r = client.request(c.method, c.url, **kw)
        out.append(_answer(c, r.status_code, r.headers.get("content-type", ""), r.text, r.headers))
    return out


@pytest.mark.slow
def test_converted_shop_answers_like_the_flask_original(
    tmp_path: Path, project: Callable[[str], Any]
) -> None:
    shutil.copytree(FIXTURE, tmp_path / "flask_side")
    shutil.copytree(FIXTURE, tmp_path / "fastapi_side")  # templates too; .py files replaced
    files = {
        p.relative_to(FIXTURE).as_posix(): p.read_text(encoding="utf-8")
        for p in FIXTURE.rglob("*.py")
    }
    result = convert_project(files, CodemodOptions())
    assert result.todos == ()
    for path, text in files.items():
        target = tmp_path / "fastapi_side" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(result.text(path) or text, encoding="utf-8")
    for path, change in result.files.items():
        if change.old is None:
            (tmp_path / "fastapi_side" / path).write_text(change.new, encoding="utf-8")
    converted = "\n".join(result.text(p) or "" for p in files)
    assert "flask" not in converted.replace("_flask_compat", "")

    before = _flask_answers(project("flask_side"))
    after = _fastapi_answers(project("fastapi_side"))

    assert len(before) == len(after) == len(CALLS)
    for call, old, new in zip(CALLS, before, after, strict=True):
        where = f"{call.method} {call.url}"
        assert new.status == old.status, where
        assert new.headers == old.headers, where
        if call.compare_body:
            assert new.media_type == old.media_type, where
            assert new.body == old.body, where


@pytest.mark.slow
def test_converted_test_suite_passes(tmp_path: Path) -> None:
    """The shop's own pytest suite (Flask's test client), converted to TestClient, passes."""

    from toolshift.tools import run

    files = {
        p.relative_to(FIXTURE).as_posix(): p.read_text(encoding="utf-8")
        for p in FIXTURE.rglob("*.py")
    }
    result = convert_project(files, CodemodOptions())
    shutil.copytree(FIXTURE, tmp_path / "flask_side")
    shutil.copytree(FIXTURE, tmp_path / "fastapi_side")
    for path, change in result.files.items():
        (tmp_path / "fastapi_side" / path).write_text(change.new, encoding="utf-8")
    tests = result.text("tests/test_shop.py") or ""
    assert "TestClient" in tests and "test_client" not in tests
    for side in ("flask_side", "fastapi_side"):
        folder = tmp_path / side
        proc = run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
            cwd=folder,
            extra_env={"PYTHONPATH": str(folder)},
            timeout=120,
        )
        assert proc.returncode == 0, f"{side}:\n{proc.stdout}\n{proc.stderr}"
        assert re.search(r"(^|\s)10 passed", proc.stdout), proc.stdout
