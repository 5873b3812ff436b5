"""The generated ``_flask_compat`` helpers against Flask itself (the oracle)."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

import flask
import pytest
from werkzeug.datastructures import MultiDict as WerkzeugMultiDict

from toolshift.codemods.flask_fastapi import compat_runtime as compat

VALUES: list[Any] = [
    {"b": 1, "a": [1, 2, {"z": None, "y": True}]},
    ["é", "日本", 1.5],
    {"when": dt.datetime(2024, 5, 17, 13, 4, 5), "day": dt.date(2024, 1, 2)},
    {"aware": dt.datetime(2024, 5, 17, 13, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))},
    {"price": decimal.Decimal("10.50"), "id": uuid.UUID("12345678-1234-5678-1234-567812345678")},
    None,
    "text",
]


@pytest.fixture(scope="module")
def app() -> flask.Flask:
    return flask.Flask("oracle")


@pytest.mark.parametrize("value", VALUES)
def test_jsonify_bytes_match_flask(app: flask.Flask, value: Any) -> None:
    with app.app_context():
        expected = flask.jsonify(value)
    got = compat.jsonify(value)
    assert got.body == expected.get_data()
    assert got.headers["content-type"] == expected.headers["Content-Type"]


def test_jsonify_args_and_kwargs_match_flask(app: flask.Flask) -> None:
    with app.app_context():
        assert compat.jsonify(1, 2).body == flask.jsonify(1, 2).get_data()
        assert compat.jsonify(a=1, b="x").body == flask.jsonify(a=1, b="x").get_data()
        assert compat.jsonify().body == flask.jsonify().get_data()
    with pytest.raises(TypeError):
        compat.jsonify(1, a=2)


RETURNS: list[tuple[Any, ...]] = [
    ("hello",),
    (b"bytes",),
    ({"a": 1},),
    ([1, 2],),
    ("created", 201),
    ({"a": 1}, 202, {"X-One": "1"}),
    ("headers only", {"X-Two": "2"}),
    ("headers as list", [("X-Three", "3")]),
    ("status text", "418 I'M A TEAPOT"),
]


@pytest.mark.parametrize("rv", RETURNS, ids=[repr(r)[:30] for r in RETURNS])
def test_make_response_matches_flask(app: flask.Flask, rv: tuple[Any, ...]) -> None:
    with app.test_request_context():
        expected = flask.make_response(*rv)
    got = compat.make_response(*rv)
    assert got.status_code == expected.status_code
    assert got.body == expected.get_data()
    assert got.headers["content-type"] == expected.headers["Content-Type"]
    for key, value in expected.headers.items():
        if key.lower().startswith("x-"):
            assert got.headers[key] == value


def test_make_response_keeps_a_response_and_rejects_none() -> None:
    first = compat.jsonify(a=1)
    assert compat.make_response(first) is first
    assert compat.make_response(first, 201).status_code == 201
    with pytest.raises(TypeError):
        compat.make_response(None)


def test_abort_raises_http_exception() -> None:
    from fastapi import HTTPException

    with pytest.raises(HTTPException) as info:
        compat.abort(410, "gone")
    assert info.value.status_code == 410 and info.value.detail == "gone"


ITEMS = [("page", "2"), ("page", "x"), ("tag", "a"), ("tag", "b"), ("empty", "")]


@pytest.mark.parametrize(
    ("key", "default", "type_"),
    [
        ("page", 1, int),
        ("missing", 7, int),
        ("tag", None, None),
        ("empty", 3, int),
        ("empty", "d", None),
    ],
)
def test_multidict_get_matches_werkzeug(key: str, default: Any, type_: Any) -> None:
    ours = compat.MultiDict(ITEMS)
    theirs: WerkzeugMultiDict[str, str] = WerkzeugMultiDict(ITEMS)
    assert ours.get(key, default, type=type_) == theirs.get(key, default, type=type_)


def test_multidict_lists_and_missing_key() -> None:
    from fastapi import HTTPException

    ours = compat.MultiDict(ITEMS)
    theirs: WerkzeugMultiDict[str, str] = WerkzeugMultiDict(ITEMS)
    assert ours.getlist("tag") == theirs.getlist("tag")
    assert ours.getlist("page", type=int) == theirs.getlist("page", type=int)
    assert ours.to_dict() == theirs.to_dict()
    assert ours.to_dict(flat=False) == theirs.to_dict(flat=False)
    assert list(ours) == list(theirs)
    assert "page" in ours and "nope" not in ours
    with pytest.raises(HTTPException) as info:
        ours["nope"]
    assert info.value.status_code == 400  # werkzeug's BadRequestKeyError is a 400 too


RESPONSES: list[dict[str, Any]] = [
    {"response": "hello"},
    {"response": b"bytes", "status": 201},
    {"response": '{"a": 1}', "mimetype": "application/json"},
    {"response": "x", "content_type": "text/plain; charset=utf-8", "headers": {"X-A": "1"}},
    {"response": "teapot", "status": "418 I'M A TEAPOT"},
    {},
]


@pytest.mark.parametrize("kwargs", RESPONSES, ids=[str(sorted(k)) for k in RESPONSES])
def test_flask_response_matches_flask(kwargs: dict[str, Any]) -> None:
    expected = flask.Response(**kwargs)
    got = compat.FlaskResponse(**kwargs)
    assert got.status_code == expected.status_code
    assert got.body == expected.get_data()
    assert got.headers["content-type"] == expected.headers["Content-Type"]
    if "headers" in kwargs:
        assert got.headers["x-a"] == expected.headers["X-A"]


@pytest.mark.parametrize(
    "parts",
    [("a.txt",), ("sub/a.txt",), ("../a",), ("/etc/passwd",), ("a/../../b",), ("",), ("./x",)],
)
def test_safe_join_matches_werkzeug(parts: tuple[str, ...]) -> None:
    from werkzeug.security import safe_join

    assert compat.safe_join("static", *parts) == safe_join("static", *parts)
