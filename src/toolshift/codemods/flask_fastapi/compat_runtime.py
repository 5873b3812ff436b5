"""Flask behaviour kept on FastAPI, for code converted by toolshift (rule FF012).

This module is copied into the converted project as ``_flask_compat.py``; it depends on
FastAPI/Starlette only, never on toolshift. Each helper keeps one Flask behaviour that FastAPI
does differently, so the converted service answers as it did:

* ``FlaskRequest``: a view parameter that gives Flask's ``request`` API (``args.get(k, type=int)``
  falling back to the default, ``get_json()`` answering 415/400 like Flask, ``form``, ``files``,
  ``data``, ...). The body is read by an async dependency, so sync views stay sync (FastAPI runs
  them in its thread pool, and a blocking call in one never stalls the event loop).
* ``jsonify`` / ``make_response`` / ``abort``: Flask's JSON encoding (sorted keys, HTTP dates,
  ``Decimal`` as a string) and its rules for ``(body, status, headers)`` return values.
* ``FlaskRouting``: Flask's routing answers: HEAD for every GET route, OPTIONS with ``Allow``,
  a 308 redirect to the URL with the trailing slash when only that one exists, and a 404 (not a
  redirect) for an extra trailing slash (with ``FastAPI(redirect_slashes=False)``).
* ``Config``: Flask's ``app.config`` (its defaults, ``from_object``, ``from_mapping``,
  ``from_pyfile``, ``from_envvar``, ``from_prefixed_env``, ``get_namespace``).
* ``render_template`` / ``url_for``: Jinja2 templates from ``TEMPLATE_FOLDER`` with Flask's
  autoescaping and context (``request``, ``url_for``), and URLs built from FastAPI's routes
  (a route is named after its function; ``blueprint.function`` and ``.function`` work too).

Delete a helper once nothing uses it; delete the module once nothing imports it.
"""

# ruff: noqa: UP017  (the copy runs on the project's Python, which may be older than 3.11)
from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import decimal
import functools
import importlib.util
import inspect
import itertools
import json
import logging
import mimetypes
import os
import posixpath
import types
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from typing import IO, Annotated, Any, ClassVar, NoReturn

from fastapi import Depends, HTTPException, Request
from starlette.datastructures import URL, FormData, Headers, MutableHeaders, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "CompatResponse",
    "Config",
    "FlaskCORS",
    "FlaskHooks",
    "FlaskRequest",
    "FlaskResponse",
    "FlaskRouting",
    "FlaskSession",
    "MethodView",
    "abort",
    "add_endpoint_alias",
    "add_method_view",
    "add_template_filter",
    "add_template_global",
    "add_template_test",
    "after_request",
    "any_converter",
    "app_context",
    "before_request",
    "cli_group",
    "context_processor",
    "current_app",
    "error_handler",
    "error_pages",
    "flash",
    "g",
    "get_flashed_messages",
    "instance_path",
    "jsonify",
    "logger",
    "make_response",
    "open_resource",
    "render_template",
    "render_template_string",
    "request",
    "route_defaults",
    "send_file",
    "send_from_directory",
    "session",
    "teardown_request",
    "template_filter",
    "template_global",
    "template_test",
    "url_for",
]

# Flask's app.logger (named after the app's package here).
logger = logging.getLogger(__name__.rpartition(".")[0] or "app")

# Flask looks for templates in "templates" beside the module that creates the app; change
# this if yours live elsewhere (Flask(template_folder=...)).
TEMPLATE_FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")


# --------------------------------------------------------------------------- JSON


def _http_date(value: date) -> str:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    value = (
        value.replace(tzinfo=timezone.utc)
        if value.tzinfo is None
        else value.astimezone(timezone.utc)
    )
    return format_datetime(value, usegmt=True)


def _default(o: Any) -> Any:
    if isinstance(o, date):
        return _http_date(o)
    if isinstance(o, (decimal.Decimal, uuid.UUID)):
        return str(o)
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    if hasattr(o, "__html__"):
        return str(o.__html__())
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


def _dumps(obj: Any) -> str:
    return json.dumps(
        obj, default=_default, ensure_ascii=True, sort_keys=True, separators=(",", ":")
    )


def jsonify(*args: Any, **kwargs: Any) -> Response:
    """Flask's ``jsonify``: one value, several (a list) or keywords (a dict); Flask's encoding."""

    if args and kwargs:
        raise TypeError("jsonify() behavior undefined when passed both args and kwargs")
    obj: Any
    if not args and not kwargs:
        obj = None
    elif len(args) == 1:
        obj = args[0]
    else:
        obj = list(args) if args else kwargs
    return CompatResponse(_dumps(obj) + "\n", media_type="application/json")


# --------------------------------------------------------------------------- responses


# Headers werkzeug and Flask set themselves, listed as they spell them (Starlette keeps
# every name in lower case; names the app sets are listed as Starlette has them).
_CASED = {
    name.lower(): name
    for name in (
        "Content-Type",
        "Content-Length",
        "Content-Encoding",
        "Content-Disposition",
        "Location",
        "Set-Cookie",
        "ETag",
        "Last-Modified",
        "Cache-Control",
        "Expires",
        "Vary",
        "WWW-Authenticate",
        "Allow",
        "Accept-Ranges",
        "Content-Range",
    )
}


class ResponseHeaders(MutableHeaders):
    """A response's headers with werkzeug's ``Headers`` methods (``add``, ``set``,
    ``get_all``/``getlist``, ``extend``); changes go to the response's raw headers."""

    def add(self, key: str, value: Any, **params: Any) -> None:
        for name, param in params.items():
            value = f"{value}; {name.replace('_', '-')}={param}"
        self.append(key, str(value))

    def set(self, key: str, value: Any) -> None:
        self[key] = str(value)

    def get_all(self, key: str) -> list[str]:
        return self.getlist(key)

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(key, value)
        self._spelled(key)

    def append(self, key: str, value: str) -> None:
        super().append(key, value)
        self._spelled(key)

    def _spelled(self, key: str) -> None:
        self.__dict__.setdefault("_spelling", {})[key.lower()] = key

    def _name(self, key: str) -> str:
        return str(self.__dict__.get("_spelling", {}).get(key) or _CASED.get(key, key))

    def keys(self) -> list[str]:  # type: ignore[override]
        return [self._name(key) for key, _ in super().items()]

    def items(self) -> list[tuple[str, str]]:  # type: ignore[override]
        return [(self._name(key), value) for key, value in super().items()]

    def extend(self, *args: Any, **kwargs: Any) -> None:
        for arg in args:
            items = arg.items() if isinstance(arg, Mapping) else arg
            for key, value in items:
                self.append(key, str(value))
        for key, value in kwargs.items():
            self.append(key, str(value))

    def remove(self, key: str) -> None:
        del self[key]


class CompatResponse(Response):
    """A Starlette ``Response`` with the werkzeug attributes Flask code reads and sets on a
    response after making it (``data``, ``get_data``/``set_data``, ``content_type``,
    ``mimetype``, ``status``, ``headers`` with werkzeug's methods, assigning ``headers``)."""

    @property
    def headers(self) -> ResponseHeaders:
        found = self.__dict__.get("_headers")
        if not isinstance(found, ResponseHeaders):
            found = ResponseHeaders(raw=self.raw_headers)
            self.__dict__["_headers"] = found
        return found

    @headers.setter
    def headers(self, value: Any) -> None:
        # werkzeug: the assigned headers replace all others (the length stays right)
        items = value.items() if isinstance(value, Mapping) else value
        self.raw_headers = [
            (str(k).lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in items
        ]
        if not any(k == b"content-length" for k, _ in self.raw_headers):
            self.raw_headers.append((b"content-length", str(len(self.body)).encode("latin-1")))
        self.__dict__.pop("_headers", None)

    @property
    def data(self) -> bytes:
        return bytes(self.body)

    @data.setter
    def data(self, value: str | bytes) -> None:
        self.set_data(value)

    def get_data(self, as_text: bool = False) -> Any:
        return bytes(self.body).decode("utf-8", "replace") if as_text else bytes(self.body)

    def set_data(self, value: str | bytes) -> None:
        self.body = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        self.headers["content-length"] = str(len(self.body))

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    @content_type.setter
    def content_type(self, value: str) -> None:
        self.headers["content-type"] = value

    @property
    def mimetype(self) -> str:
        return (self.content_type or "").split(";")[0].strip()

    @mimetype.setter
    def mimetype(self, value: str) -> None:
        # werkzeug adds the charset to text types, as Starlette does for its media_type
        text = value.startswith("text/") or value in ("application/xml", "application/javascript")
        self.content_type = f"{value}; charset=utf-8" if text else value

    @property
    def status(self) -> str:
        from http import HTTPStatus

        try:
            return f"{self.status_code} {HTTPStatus(self.status_code).phrase.upper()}"
        except ValueError:
            return f"{self.status_code} UNKNOWN"

    @status.setter
    def status(self, value: int | str) -> None:
        self.status_code = int(str(value).split()[0])


def _from_werkzeug(body: Any) -> Response:
    """A werkzeug/Flask response object (code that builds ``werkzeug.Response`` itself):
    the same status, headers (every ``Set-Cookie``) and body, as a Starlette response."""

    out = CompatResponse(body.get_data(), status_code=int(body.status_code))
    out.raw_headers = [
        (str(k).lower().encode("latin-1"), str(v).encode("latin-1"))
        for k, v in body.headers.items()
        if str(k).lower() != "content-length"
    ] + [(b"content-length", str(len(out.body)).encode("latin-1"))]
    return out


def _body_response(body: Any) -> Response:
    if isinstance(body, Response):
        return body
    if isinstance(body, (str, bytes)):
        return CompatResponse(body, media_type="text/html")
    if hasattr(body, "get_data") and hasattr(body, "status_code") and hasattr(body, "headers"):
        return _from_werkzeug(body)
    if isinstance(body, (dict, list)):
        return jsonify(body)
    if isinstance(body, Iterator):
        return StreamingResponse(body, media_type="text/html")
    raise TypeError(
        f"The view function did not return a valid response: {type(body).__name__} "
        "(Flask accepts str, bytes, dict, list, a response, or a tuple of these)"
    )


def _add_headers(response: Response, headers: Any) -> None:
    items = headers.items() if isinstance(headers, Mapping) else headers
    for key, value in items:
        response.headers[str(key)] = str(value)


def make_response(*args: Any) -> Response:
    """Flask's ``make_response`` and its view return rules: ``body``, ``(body, status)``,
    ``(body, headers)`` and ``(body, status, headers)``."""

    if not args:
        return CompatResponse(b"", media_type="text/html")
    rv: Any = args[0] if len(args) == 1 else tuple(args)
    status: Any = None
    headers: Any = None
    if isinstance(rv, tuple):
        if len(rv) == 3:
            rv, status, headers = rv
        elif len(rv) == 2:
            if isinstance(rv[1], (Mapping, Headers, list, tuple)):
                rv, headers = rv
            else:
                rv, status = rv
        else:
            raise TypeError(
                "The view function did not return a valid response tuple: "
                "(body, status, headers), (body, status) or (body, headers)"
            )
    response = _body_response(rv)
    if status is not None:
        response.status_code = int(str(status).split()[0])
    if headers:
        _add_headers(response, headers)
    return response


def FlaskResponse(
    response: Any = None,
    status: Any = None,
    headers: Any = None,
    mimetype: str | None = None,
    content_type: str | None = None,
) -> Response:
    """``flask.Response(...)``: Flask's defaults (text/html, status 200, str or bytes body)."""

    media_type = content_type or mimetype or "text/html"
    if isinstance(response, Iterator):
        out: Response = StreamingResponse(response, media_type=media_type)
    else:
        out = CompatResponse(b"" if response is None else response, media_type=media_type)
    if status is not None:
        out.status_code = int(str(status).split()[0])
    if headers:
        _add_headers(out, headers)
    return out


def error_handler(fn: Any) -> Any:
    """``app.register_error_handler(code, fn)``: Flask calls ``fn(error)``, Starlette calls
    ``handler(request, exc)``; werkzeug's ``code``/``description`` are set on the error."""

    def handler(request: Request, exc: Exception) -> Response:
        from starlette.exceptions import HTTPException as StarletteHTTPException

        if isinstance(exc, StarletteHTTPException):  # FastAPI's is a subclass
            with contextlib.suppress(AttributeError):
                exc.code = exc.status_code  # type: ignore[attr-defined]
                exc.description = exc.detail  # type: ignore[attr-defined]
        return make_response(fn(exc))

    handler.__name__ = getattr(fn, "__name__", "handler")
    return handler


def abort(status: int, description: str | None = None) -> NoReturn:
    """Flask's ``abort`` where it is used as an expression (``x or abort(404)``)."""

    raise HTTPException(status_code=status, detail=description)


# --------------------------------------------------------------------------- config

FLASK_DEFAULTS: dict[str, Any] = {
    "DEBUG": False,
    "TESTING": False,
    "PROPAGATE_EXCEPTIONS": None,
    "SECRET_KEY": None,
    "SECRET_KEY_FALLBACKS": None,
    "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
    "USE_X_SENDFILE": False,
    "TRUSTED_HOSTS": None,
    "SERVER_NAME": None,
    "APPLICATION_ROOT": "/",
    "SESSION_COOKIE_NAME": "session",
    "SESSION_COOKIE_DOMAIN": None,
    "SESSION_COOKIE_PATH": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_SAMESITE": None,
    "SESSION_REFRESH_EACH_REQUEST": True,
    "MAX_CONTENT_LENGTH": None,
    "MAX_FORM_MEMORY_SIZE": 500_000,
    "MAX_FORM_PARTS": 1_000,
    "SEND_FILE_MAX_AGE_DEFAULT": None,
    "TRAP_BAD_REQUEST_ERRORS": None,
    "TRAP_HTTP_EXCEPTIONS": False,
    "EXPLAIN_TEMPLATE_LOADING": False,
    "PREFERRED_URL_SCHEME": "http",
    "TEMPLATES_AUTO_RELOAD": None,
    "MAX_COOKIE_SIZE": 4093,
    "PROVIDE_AUTOMATIC_OPTIONS": True,
}


class Config(dict[str, Any]):
    """Flask's ``Config``: a dict with Flask's defaults and its loaders (upper-case keys)."""

    def __init__(self, root_path: str | None = None, defaults: Mapping[str, Any] | None = None):
        super().__init__(FLASK_DEFAULTS if defaults is None else defaults)
        self.root_path = root_path or os.path.dirname(os.path.abspath(__file__))

    def from_object(self, obj: Any) -> None:
        if isinstance(obj, str):
            module, _, attr = obj.rpartition(":") if ":" in obj else obj.rpartition(".")
            imported = importlib.import_module(module or obj)
            obj = getattr(imported, attr) if module else imported
        for key in dir(obj):
            if key.isupper():
                self[key] = getattr(obj, key)

    def from_mapping(self, mapping: Mapping[str, Any] | None = None, **kwargs: Any) -> bool:
        for key, value in {**(mapping or {}), **kwargs}.items():
            if key.isupper():
                self[key] = value
        return True

    def from_pyfile(self, filename: str, silent: bool = False) -> bool:
        path = os.path.join(self.root_path, filename)
        namespace: dict[str, Any] = {"__file__": path}
        try:
            with open(path, "rb") as fh:
                exec(compile(fh.read(), path, "exec"), namespace)
        except OSError:
            if silent:
                return False
            raise
        self.from_mapping({k: v for k, v in namespace.items() if k.isupper()})
        return True

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        value = os.environ.get(variable_name)
        if not value:
            if silent:
                return False
            raise RuntimeError(f"The environment variable {variable_name!r} is not set")
        return self.from_pyfile(value, silent=silent)

    def from_prefixed_env(self, prefix: str = "FLASK", *, loads: Any = json.loads) -> bool:
        prefix = f"{prefix}_"
        for key in sorted(os.environ):
            if not key.startswith(prefix):
                continue
            value: Any = os.environ[key]
            with contextlib.suppress(Exception):
                value = loads(value)
            key = key[len(prefix) :]
            if "__" not in key:
                self[key] = value
                continue
            current: Any = self
            *parts, tail = key.split("__")
            for part in parts:
                current = current.setdefault(part, {})
            current[tail] = value
        return True

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in self.items():
            if not key.startswith(namespace):
                continue
            name = key[len(namespace) :] if trim_namespace else key
            out[name.lower() if lowercase else name] = value
        return out


# --------------------------------------------------------------------------- request context

_request_var: contextvars.ContextVar[CompatRequest | Request | None] = contextvars.ContextVar(
    "flask_compat_request", default=None
)
_g_var: contextvars.ContextVar[_Namespace | None] = contextvars.ContextVar(
    "flask_compat_g", default=None
)


class _Namespace(types.SimpleNamespace):
    """Flask's ``g`` object: attributes plus ``get``, ``pop``, ``setdefault`` and ``in``."""

    def get(self, name: str, default: Any = None) -> Any:
        return self.__dict__.get(name, default)

    def pop(self, name: str, *default: Any) -> Any:
        return self.__dict__.pop(name, *default)

    def setdefault(self, name: str, default: Any = None) -> Any:
        return self.__dict__.setdefault(name, default)

    def __contains__(self, name: str) -> bool:
        return name in self.__dict__

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dict__)


class _Proxy:
    """Stands for the current request's object, as Flask's context locals do."""

    def __init__(self, var: contextvars.ContextVar[Any], what: str) -> None:
        object.__setattr__(self, "_var", var)
        object.__setattr__(self, "_what", what)

    def _get(self) -> Any:
        obj = self._var.get()
        if obj is None:
            raise RuntimeError(f"Working outside of request context ({self._what}).")
        if isinstance(obj, Request):
            return CompatRequest(obj, None, None)  # headers, args, path...: no body read
        return obj

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._get(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._get(), name)

    def __contains__(self, name: str) -> bool:
        return name in self._get()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._get())

    def __bool__(self) -> bool:
        return self._var.get() is not None


_app_var: contextvars.ContextVar[Any] = contextvars.ContextVar("flask_compat_app", default=None)


class _AppProxy:
    """Flask's ``current_app``: the app of the current request, or the one pushed with
    ``app_context(app)``; ``open_resource`` and ``logger`` as Flask's app has them."""

    def _get(self) -> Any:
        app = _app_var.get()
        req = _request_var.get()
        if app is None and req is not None:
            app = (req if isinstance(req, Request) else req.starlette).app
        if app is None:
            raise RuntimeError("Working outside of application context (current_app).")
        return app

    def __getattr__(self, name: str) -> Any:
        app = self._get()
        if name == "open_resource" and not hasattr(app, name):
            return functools.partial(open_resource, app)
        if name == "logger" and not hasattr(app, name):
            return logger
        return getattr(app, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._get(), name, value)

    def __bool__(self) -> bool:
        return _app_var.get() is not None or _request_var.get() is not None


current_app: Any = _AppProxy()


def open_resource(app: Any, resource: str, mode: str = "rb") -> IO[Any]:
    """``app.open_resource``: a file relative to the app's folder (read-only, as Flask)."""

    if mode not in ("r", "rt", "rb"):
        raise ValueError("Resources can only be opened for reading.")
    root = getattr(app.state, "root_path", None) or os.getcwd()
    return open(os.path.join(str(root), resource), mode)


@contextlib.contextmanager
def app_context(app: Any) -> Iterator[None]:
    """``with app.app_context():``: ``current_app`` and a fresh ``g``; the teardown hooks
    run on the way out, as Flask's teardown_appcontext functions do."""

    token = _app_var.set(app)
    g_token = _g_var.set(_Namespace())
    error: BaseException | None = None
    try:
        yield
    except BaseException as exc:
        error = exc
        raise
    finally:
        try:
            for fn in reversed(_all_hooks(app)["teardown"]):
                fn(error)
        finally:
            _g_var.reset(g_token)
            _app_var.reset(token)


def cli_group() -> Any:
    """``app.cli``: a click group, so ``@app.cli.command()`` and ``app.cli.add_command`` still
    work at import; nothing runs the commands any more (see the TODO where they are)."""

    import click

    return click.Group("app")


def add_endpoint_alias(app: Any, rule: str, endpoint: str) -> None:
    """``app.add_url_rule(rule, endpoint=name)`` with no view: ``url_for(name)`` gives
    ``rule`` (the route that answers it is another view's)."""

    aliases = getattr(app.state, "flask_aliases", None)
    if aliases is None:
        aliases = app.state.flask_aliases = {}
    aliases[endpoint] = rule


request: Any = _Proxy(_request_var, "request")  # in hooks, and in views that take FlaskRequest
g: Any = _Proxy(_g_var, "g")  # one namespace per request (set by FlaskRouting and FlaskHooks)


# --------------------------------------------------------------------------- session


def _session() -> Any:
    req = _request_var.get()
    if req is None:
        raise RuntimeError("Working outside of request context (session).")
    scope = req.scope if isinstance(req, Request) else req.starlette.scope
    if "session" not in scope:
        raise RuntimeError(
            "The session is unavailable because no secret key was set. Set the secret_key "
            "(app.config['SECRET_KEY']) to something unique and secret."
        )
    return scope["session"]


class _SessionProxy:
    """Flask's ``session`` over Starlette's (a signed cookie, see FlaskSession)."""

    permanent = False  # Flask's flag; the cookie lasts for the browser session either way
    modified = True

    def __getitem__(self, key: str) -> Any:
        return _session()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        _session()[key] = value

    def __delitem__(self, key: str) -> None:
        del _session()[key]

    def __contains__(self, key: object) -> bool:
        return key in _session()

    def __iter__(self) -> Iterator[str]:
        return iter(_session())

    def __len__(self) -> int:
        return len(_session())

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in ("permanent", "modified"):
            raise AttributeError(name)

    def get(self, key: str, default: Any = None) -> Any:
        return _session().get(key, default)

    def pop(self, key: str, *default: Any) -> Any:
        return _session().pop(key, *default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        return _session().setdefault(key, default)

    def clear(self) -> None:
        _session().clear()

    def keys(self) -> Any:
        return _session().keys()

    def items(self) -> Any:
        return _session().items()

    def update(self, *args: Any, **kwargs: Any) -> None:
        _session().update(*args, **kwargs)


session: Any = _SessionProxy()


def flash(message: str, category: str = "message") -> None:
    """Flask's ``flash``: messages kept in the session until get_flashed_messages reads them."""

    flashes = list(session.get("_flashes", []))
    flashes.append([category, message])
    session["_flashes"] = flashes


def get_flashed_messages(
    with_categories: bool = False, category_filter: Iterable[str] = ()
) -> list[Any]:
    namespace = _g_var.get()
    flashes = getattr(namespace, "_flashes", None) if namespace is not None else None
    if flashes is None:
        try:
            flashes = [tuple(f) for f in session.pop("_flashes", [])]
        except RuntimeError:
            flashes = []
        if namespace is not None:
            namespace._flashes = flashes
    wanted = set(category_filter)
    if wanted:
        flashes = [f for f in flashes if f[0] in wanted]
    return list(flashes) if with_categories else [f[1] for f in flashes]


class FlaskSession:
    """ASGI middleware: Starlette's signed-cookie session, keyed by the app's SECRET_KEY
    (read when the first request comes, as Flask does), a browser-session cookie by default."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._inner: ASGIApp | None = None
        self._key: str | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope.get("app")
        config = getattr(app, "config", {}) or {}
        key = getattr(app, "secret_key", None) or config.get("SECRET_KEY")
        if scope["type"] not in ("http", "websocket") or not key:
            await self.app(scope, receive, send)
            return
        if self._inner is None or str(key) != self._key:
            from starlette.middleware.sessions import SessionMiddleware

            same_site = str(config.get("SESSION_COOKIE_SAMESITE") or "lax").lower()
            self._inner = SessionMiddleware(
                self.app,
                secret_key=str(key),
                session_cookie=config.get("SESSION_COOKIE_NAME", "session"),
                max_age=None,
                same_site=same_site,  # type: ignore[arg-type]
                https_only=bool(config.get("SESSION_COOKIE_SECURE")),
            )
            self._key = str(key)
        await self._inner(scope, receive, send)


# --------------------------------------------------------------------------- hooks


# Hooks a blueprint registers for the whole app (before_app_request, ...): an APIRouter has
# no state, so they are kept here and run for every app (Flask runs them for the app the
# blueprint is registered on).
_APP_WIDE_HOOKS: dict[str, list[Any]] = {"before": [], "after": [], "teardown": []}


def _hooks(app: Any) -> dict[str, list[Any]]:
    state = getattr(app, "state", None)
    if state is None:  # a blueprint (APIRouter): hooks for every request of the app
        return _APP_WIDE_HOOKS
    hooks: dict[str, list[Any]] | None = getattr(state, "flask_hooks", None)
    if hooks is None:
        hooks = {"before": [], "after": [], "teardown": []}
        state.flask_hooks = hooks
    return hooks


def _all_hooks(app: Any) -> dict[str, list[Any]]:
    own = _hooks(app)
    return {k: [*own[k], *_APP_WIDE_HOOKS[k]] for k in own}


def before_request(app: Any) -> Any:
    """``@app.before_request``: runs before each view; a return value answers instead."""

    def register(fn: Any) -> Any:
        _hooks(app)["before"].append(fn)
        return fn

    return register


def after_request(app: Any) -> Any:
    """``@app.after_request``: gets the response, returns the response to send."""

    def register(fn: Any) -> Any:
        _hooks(app)["after"].append(fn)
        return fn

    return register


def teardown_request(app: Any) -> Any:
    """``@app.teardown_request``: runs after every request with its exception (or None)."""

    def register(fn: Any) -> Any:
        _hooks(app)["teardown"].append(fn)
        return fn

    return register


class FlaskHooks:
    """ASGI middleware that runs Flask's request hooks around the app, with ``request`` and
    ``g`` available to them (sync hooks run in the thread pool, like sync views)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "app" not in scope:
            await self.app(scope, receive, send)
            return
        from starlette.concurrency import run_in_threadpool

        hooks = _all_hooks(scope["app"])
        scope["flask_hooks"] = True
        if not any(hooks.values()):
            await self.app(scope, receive, send)
            return
        starlette_request = Request(scope, receive)
        body = await starlette_request.body()
        form = None
        content_type = starlette_request.headers.get("content-type", "")
        if _HAS_MULTIPART and content_type.startswith(_FORM_TYPES):
            form = await starlette_request.form()
        request_token = _request_var.set(CompatRequest(starlette_request, body, form))
        g_token = _g_var.set(_g_var.get() or _Namespace())
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        error: BaseException | None = None
        try:
            response: Response | None = None
            for fn in hooks["before"]:
                try:
                    rv = await run_in_threadpool(fn)
                except StarletteHTTPException as exc:  # abort() in a hook: the app's handler
                    response = await _handled(scope["app"], starlette_request, exc)
                    break
                if rv is not None:
                    response = make_response(rv)
                    break
            if response is None:
                response = await _captured(self.app, scope, replay)
            for fn in reversed(hooks["after"]):
                response = await run_in_threadpool(fn, response)
            assert response is not None
            await response(scope, receive, send)
        except BaseException as exc:
            error = exc
            raise
        finally:
            for fn in reversed(hooks["teardown"]):
                await run_in_threadpool(fn, error)
            if form is not None:
                await form.close()
            _request_var.reset(request_token)
            _g_var.reset(g_token)


async def _handled(app: Any, request: Request, exc: StarletteHTTPException) -> Response:
    """The answer the app's exception handlers give ``exc`` (Flask's page without one)."""

    handlers = getattr(app, "exception_handlers", {})
    handler = handlers.get(exc.status_code) or handlers.get(StarletteHTTPException) or _http_error
    rv = handler(request, exc)
    if inspect.isawaitable(rv):
        rv = await rv
    return make_response(rv)


async def _captured(app: ASGIApp, scope: Scope, receive: Receive) -> Response:
    """Run ``app`` and keep its answer as a Response the after_request hooks can change."""

    start: Message = {}
    chunks: list[bytes] = []

    async def collect(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, collect)
    response = Response(b"".join(chunks), status_code=start.get("status", 500))
    response.raw_headers = list(start.get("headers", []))
    return response


# --------------------------------------------------------------------------- CORS


class FlaskCORS(CORSMiddleware):
    """``flask_cors.CORS(app, ...)`` as Starlette's CORS middleware, answering as Flask-CORS:
    an OPTIONS request with an allowed ``Origin`` is answered by the app itself (Flask's
    automatic OPTIONS: 200 with ``Allow`` and an empty body, 404 where no route matches) with
    Flask-CORS's headers added: the origin, exposed headers and credentials always; for a
    preflight of an allowed method also the methods, the requested headers that are allowed
    (only those) and ``Access-Control-Max-Age`` only when ``max_age`` is set (Starlette
    sends 600 by default, Flask-CORS nothing)."""

    def __init__(self, app: ASGIApp, max_age: int | timedelta | None = None, **kw: Any) -> None:
        seconds = int(max_age.total_seconds()) if isinstance(max_age, timedelta) else max_age
        super().__init__(app, max_age=600 if seconds is None else int(seconds), **kw)
        self.flask_max_age = seconds
        self.flask_allow_headers = [str(h).lower() for h in kw.get("allow_headers", ())]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "OPTIONS":
            await super().__call__(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        cors: list[tuple[bytes, bytes]] = []
        if origin is not None and self.is_allowed_origin(origin=origin):
            cors = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self._cors(headers)]

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start" and cors:
                raw = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if not k.lower().startswith(b"access-control-")
                ]
                message = {**message, "headers": raw + cors}
            await send(message)

        await self.app(scope, receive, send_with_cors)

    def _cors(self, headers: Headers) -> list[tuple[str, str]]:
        origin = headers["origin"]
        explicit = self.preflight_explicit_allow_origin or not self.allow_all_origins
        out = [("access-control-allow-origin", origin if explicit else "*")]
        for name in ("Access-Control-Expose-Headers", "Access-Control-Allow-Credentials"):
            if name in self.simple_headers:
                out.append((name.lower(), self.simple_headers[name]))
        method = headers.get("access-control-request-method", "").upper()
        if method and method in self.allow_methods:
            requested = [
                h.strip() for h in headers.get("access-control-request-headers", "").split(",")
            ]
            allowed = sorted(
                h
                for h in requested
                if h and ("*" in self.flask_allow_headers or h.lower() in self.flask_allow_headers)
            )
            if allowed:
                out.append(("access-control-allow-headers", ", ".join(allowed)))
            if self.flask_max_age is not None:
                out.append(("access-control-max-age", str(self.flask_max_age)))
            out.append(("access-control-allow-methods", ", ".join(self.allow_methods)))
        return out


# --------------------------------------------------------------------------- files


def safe_join(directory: str, *untrusted: str) -> str | None:
    """werkzeug's ``safe_join``: ``None`` when a part would leave ``directory``."""

    parts = [directory or "."]
    for part in untrusted:
        if not part:
            continue
        part = posixpath.normpath(part)
        if (
            os.path.isabs(part)
            or part.startswith("/")
            or part == ".."
            or part.startswith("../")
            or any(sep in part for sep in (os.sep, os.altsep) if sep not in (None, "/"))
        ):
            return None
        parts.append(part)
    return posixpath.join(*parts)


def _root_path() -> str:
    """The app's root folder (Flask resolves relative file paths against it)."""

    req = _request_var.get()
    app = (req if isinstance(req, Request) else req.starlette).app if req is not None else None
    root = getattr(getattr(app, "state", None), "root_path", None)
    return str(root) if root else os.getcwd()


def send_file(
    path_or_file: Any,
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    **_ignored: Any,
) -> Response:
    """Flask's ``send_file`` for a path (relative to the app's root) or a binary file object."""

    disposition = "attachment" if as_attachment else "inline"
    if hasattr(path_or_file, "read"):
        data = path_or_file.read()
        if mimetype is None and download_name:
            mimetype = mimetypes.guess_type(download_name)[0]
        out = Response(data, media_type=mimetype or "application/octet-stream")
        if as_attachment or download_name:
            name = download_name or "file"
            out.headers["content-disposition"] = f'{disposition}; filename="{name}"'
        return out
    from starlette.responses import FileResponse

    path = os.path.join(_root_path(), os.fspath(path_or_file))
    filename = download_name or (os.path.basename(path) if as_attachment else None)
    return FileResponse(
        path, media_type=mimetype, filename=filename, content_disposition_type=disposition
    )


def send_from_directory(directory: Any, path: Any, **kwargs: Any) -> Response:
    """Flask's ``send_from_directory``: 404 unless ``path`` is a file inside ``directory``."""

    joined = safe_join(os.fspath(directory), os.fspath(path))
    if joined is None:
        raise HTTPException(status_code=404)
    full = os.path.join(_root_path(), joined)
    if not os.path.isfile(full):
        raise HTTPException(status_code=404)
    return send_file(full, **kwargs)


# --------------------------------------------------------------------------- class-based views

_VIEW_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")


class MethodView:
    """Stands for ``flask.views.MethodView``: one method per HTTP verb (see add_method_view)."""

    decorators: ClassVar[list[Any]] = []
    init_every_request: ClassVar[bool] = True


def _method_endpoint(cls: Any, method: str, args: Any, kwargs: Any) -> Any:
    impl = getattr(cls, method)
    signature = inspect.signature(impl)
    params = list(signature.parameters.values())[1:]  # without self
    compat = inspect.Parameter(
        "flask_request_", inspect.Parameter.KEYWORD_ONLY, annotation=FlaskRequest
    )
    shared = None if cls.init_every_request else cls(*args, **kwargs)

    def endpoint(**values: Any) -> Any:
        values.pop("flask_request_", None)  # loads the body for _flask_compat.request
        view = shared or cls(*args, **kwargs)
        return make_response(getattr(view, method)(**values))

    endpoint.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*params, compat], return_annotation=inspect.Signature.empty
    )
    endpoint.__name__ = f"{cls.__name__}_{method}"
    return endpoint


def add_method_view(
    target: Any, rule: str, cls: Any, name: str | None = None, *args: Any, **kwargs: Any
) -> None:
    """``add_url_rule(rule, view_func=Cls.as_view(name, *args, **kwargs))``: one route per
    method the class defines, each calling a new instance as Flask does."""

    for method in _VIEW_METHODS:
        if callable(getattr(cls, method, None)):
            target.add_api_route(
                rule,
                _method_endpoint(cls, method, args, kwargs),
                methods=[method.upper()],
                name=name,
            )


# --------------------------------------------------------------------------- routing

_ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")


def _allowed(scope: Scope) -> set[str]:
    routes = scope["app"].router.routes
    return {
        m
        for m in _ALL_METHODS
        if any(r.matches({**scope, "method": m})[0] is Match.FULL for r in routes)
    }


class FlaskRouting:
    """ASGI middleware: Flask's implicit HEAD and OPTIONS, and its strict trailing slashes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "app" not in scope:
            await self.app(scope, receive, send)
            return
        # Flask's g: one namespace per request (FlaskHooks, outside, may have made it already);
        # Flask's request for code outside views (the body only where a view read it).
        token = _g_var.set(_g_var.get() or _Namespace())
        request_token = _request_var.set(_request_var.get() or Request(scope, receive))
        started = False
        page = b""  # a redirect's body, as werkzeug writes it

        async def watch(message: Message) -> None:
            nonlocal started, page
            if message["type"] == "http.response.start":
                started = True
                headers = dict(message.get("headers", []))
                if (
                    300 <= message["status"] < 400
                    and b"location" in headers
                    and headers.get(b"content-length") == b"0"
                    and b"content-type" not in headers  # Starlette's RedirectResponse
                ):
                    page = _redirect_page(headers[b"location"].decode("latin-1"))
                    raw = [
                        (k, v)
                        for k, v in message.get("headers", [])
                        if k not in (b"content-length", b"content-type")
                    ]
                    raw += [
                        (b"content-length", str(len(page)).encode("latin-1")),
                        (b"content-type", b"text/html; charset=utf-8"),
                    ]
                    message = {**message, "headers": raw}
            elif message["type"] == "http.response.body" and page:
                message = {**message, "body": page, "more_body": False}
                page = b""
            await send(message)

        try:
            await self._route(scope, receive, watch)
        except Exception as exc:
            # werkzeug's HTTP errors (``werkzeug.exceptions.abort``, ``raise NotFound()``)
            # answer as they did in Flask: their own status, headers and page.
            werkzeug_page = getattr(exc, "get_response", None)
            code = getattr(exc, "code", None)
            if started or not callable(werkzeug_page) or not isinstance(code, int):
                raise
            await _from_werkzeug(werkzeug_page())(scope, receive, send)
        finally:
            _request_var.reset(request_token)
            _g_var.reset(token)

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        hooks = getattr(scope["app"].state, "flask_hooks", None)
        if hooks and any(hooks.values()) and "flask_hooks" not in scope:
            raise RuntimeError(
                "request hooks are registered: add app.add_middleware(_flask_compat.FlaskHooks)"
            )
        method = scope["method"]
        routes = scope["app"].router.routes
        matched = None
        if method not in ("HEAD", "OPTIONS"):
            matched = next((r for r in routes if r.matches(scope)[0] is Match.FULL), None)
        if matched is not None:  # the common case, decided by one pass
            location = _defaults_redirect(scope, matched)
            if location is not None:  # werkzeug's redirect_defaults
                await RedirectResponse(location, status_code=308)(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        allowed = _allowed(scope)
        path = scope["path"]
        if not allowed:
            if not path.endswith("/") and _allowed({**scope, "path": path + "/"}):
                url = URL(scope=scope)  # absolute, as werkzeug's RequestRedirect
                location = str(url.replace(path=url.path + "/"))
                await RedirectResponse(location, status_code=308)(scope, receive, send)
                return
        elif method == "OPTIONS" and "OPTIONS" not in allowed:
            headers = {"Allow": _allow(allowed)}
            await Response(b"", headers=headers, media_type="text/html")(scope, receive, send)
            return
        elif method == "HEAD" and "HEAD" not in allowed and "GET" in allowed:
            body_sent = False

            async def send_headers_only(message: Message) -> None:
                nonlocal body_sent
                if message["type"] == "http.response.body":
                    if body_sent:
                        return
                    body_sent = True
                    message = {**message, "body": b"", "more_body": False}
                await send(message)

            await self.app({**scope, "method": "GET"}, receive, send_headers_only)
            return
        elif method not in allowed:

            async def send_allow(message: Message) -> None:
                headers = message.get("headers", [])
                if (
                    message["type"] == "http.response.start"
                    and message["status"] == 405
                    and any(k.lower() == b"allow" for k, _ in headers)
                ):
                    # Flask's Allow lists every method of the URL, not one route's (and, as
                    # in Flask, an error handler's own response gets none).
                    raw = [(k, v) for k, v in headers if k.lower() != b"allow"]
                    raw.append((b"allow", _allow(allowed).encode("latin-1")))
                    message = {**message, "headers": raw}
                await send(message)

            await self.app(scope, receive, send_allow)
            return
        await self.app(scope, receive, send)


def any_converter(*values: str) -> str:
    """werkzeug's ``<any(a, b):x>``: registers a Starlette path convertor matching only those
    values (another value answers 404, as in Flask) and returns its name for the path."""

    import re

    from starlette.convertors import CONVERTOR_TYPES, Convertor, register_url_convertor

    name = "any_" + "_".join(re.sub(r"\W", "_", v) for v in values)
    if name not in CONVERTOR_TYPES:

        class AnyConvertor(Convertor[str]):
            regex = "|".join(re.escape(v) for v in values)

            def convert(self, value: str) -> str:
                return value

            def to_string(self, value: str) -> str:
                return str(value)

        register_url_convertor(name, AnyConvertor())
    return name


_ERROR_TEXT = {  # werkzeug's descriptions, for when werkzeug is not installed any more
    400: (
        "Bad Request",
        "The browser (or proxy) sent a request that this server could not understand.",
    ),
    401: (
        "Unauthorized",
        "The server could not verify that you are authorized to access the URL requested. "
        "You either supplied the wrong credentials (e.g. a bad password), or your browser "
        "doesn't understand how to supply the credentials required.",
    ),
    403: (
        "Forbidden",
        "You don't have the permission to access the requested resource. It is either "
        "read-protected or not readable by the server.",
    ),
    404: (
        "Not Found",
        "The requested URL was not found on the server. If you entered the URL manually "
        "please check your spelling and try again.",
    ),
    405: ("Method Not Allowed", "The method is not allowed for the requested URL."),
    415: (
        "Unsupported Media Type",
        "The server does not support the media type transmitted in the request.",
    ),
    500: (
        "Internal Server Error",
        "The server encountered an internal error and was unable to complete your request. "
        "Either the server is overloaded or there is an error in the application.",
    ),
}


def _error_page(code: int, description: str | None = None) -> str:
    """werkzeug's HTML page for an HTTP error (what Flask answers when no handler does)."""

    from html import escape

    name, default = _ERROR_TEXT.get(code, ("", ""))
    try:
        from werkzeug.exceptions import default_exceptions

        known: Any = default_exceptions[code]()
        name, default = str(known.name), str(known.description or "")
    except (ImportError, KeyError):
        if not name:
            from http import HTTPStatus

            try:
                name = HTTPStatus(code).phrase
            except ValueError:
                name = "Unknown Error"
    text = escape(description if description is not None else default).replace("\n", "<br>")
    return (
        "<!doctype html>\n<html lang=en>\n"
        f"<title>{code} {escape(name)}</title>\n<h1>{escape(name)}</h1>\n<p>{text}</p>\n"
    )


def _http_error(request: Request, exc: Exception) -> Response:
    from starlette.exceptions import HTTPException as StarletteHTTPException

    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in (204, 304) or exc.status_code < 400:
        return Response(status_code=exc.status_code, headers=exc.headers)
    phrase = _ERROR_TEXT.get(exc.status_code, ("", ""))[0]
    from http import HTTPStatus

    with contextlib.suppress(ValueError):
        phrase = HTTPStatus(exc.status_code).phrase
    description = None if exc.detail in (None, phrase) else str(exc.detail)
    page = _error_page(exc.status_code, description)
    return CompatResponse(
        page, status_code=exc.status_code, headers=exc.headers, media_type="text/html"
    )


def _server_error(request: Request, exc: Exception) -> Response:
    return CompatResponse(_error_page(500), status_code=500, media_type="text/html")


def error_pages() -> dict[Any, Any]:
    """``FastAPI(exception_handlers=...)``: errors no handler of the app answers get Flask's
    HTML pages (404 and 405 from routing, ``abort(...)``, 500 for an exception), not
    FastAPI's JSON. The app's own handlers (``@app.exception_handler(404)``) come first."""

    from starlette.exceptions import HTTPException as StarletteHTTPException

    return {StarletteHTTPException: _http_error, 500: _server_error}


def _redirect_page(location: str) -> bytes:
    """werkzeug's redirect body (Starlette's RedirectResponse has none)."""

    from html import escape

    url = escape(location)
    return (
        "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n"
        "<h1>Redirecting...</h1>\n<p>You should be redirected automatically to the target "
        f'URL: <a href="{url}">{url}</a>. If not, click the link.\n'
    ).encode()


def route_defaults(**values: Any) -> Any:
    """``@app.route("/", defaults={"js": "fetch"})``: marks the view (the codemod also gives
    its parameters these defaults) so ``url_for`` builds that route for these values and a
    request naming them in the path is redirected to it, as werkzeug does."""

    def mark(fn: Any) -> Any:
        fn.flask_defaults = {**getattr(fn, "flask_defaults", {}), **values}
        return fn

    return mark


def _defaults_redirect(scope: Scope, route: Any) -> str | None:
    """The URL of the route with defaults when ``route`` was reached with exactly those
    values in its path (``/fetch`` -> ``/`` for ``defaults={"js": "fetch"}``)."""

    defaults = getattr(getattr(route, "endpoint", None), "flask_defaults", None)
    if not defaults:
        return None
    params = route.matches(scope)[1].get("path_params", {})
    if not params or any(params.get(k, defaults[k]) != defaults[k] for k in defaults):
        return None
    if not set(defaults) & set(params):
        return None  # the route of the defaults itself
    request = Request(scope)
    found = _defaults_route(request, route.name, dict(params))
    if found is None:
        return None
    url = URL(scope=scope)
    return str(url.replace(path=found[0]))


def _allow(allowed: set[str]) -> str:
    return ", ".join(sorted(allowed | {"OPTIONS"} | ({"HEAD"} if "GET" in allowed else set())))


# --------------------------------------------------------------------------- URLs, templates


def _starlette(request: Any) -> Request:
    if isinstance(request, _Proxy):  # _flask_compat.request, outside a view
        request = request._get()
    return request.starlette if isinstance(request, CompatRequest) else request


def url_for(request: Any, endpoint: str, **values: Any) -> str:
    """Flask's ``url_for`` over FastAPI's routes: path parameters fill the path, other values
    become the query string; ``_external=True`` gives an absolute URL."""

    from urllib.parse import urlencode

    from starlette.routing import NoMatchFound

    req = _starlette(request)
    external = values.pop("_external", False)
    anchor = values.pop("_anchor", None)
    values.pop("_method", None)
    values.pop("_scheme", None)
    name = endpoint.rsplit(".", 1)[-1]
    if name == "static":
        filename = str(values.pop("filename"))
        try:
            path = str(req.app.url_path_for("static", path=filename))
        except NoMatchFound:
            path = "/static/" + filename.lstrip("/")
    elif endpoint in getattr(req.app.state, "flask_aliases", {}):
        path = str(req.app.state.flask_aliases[endpoint])
    elif (found := _defaults_route(req, name, values)) is not None:
        path, used = found
        for key in used:
            values.pop(key)
    else:
        params = _path_params(req, name, values)
        if params is None:
            raise LookupError(
                f"Could not build url for endpoint {endpoint!r} with values {sorted(values)}"
            )
        path = str(req.app.url_path_for(name, **params))
        for key in params:
            values.pop(key)
    pairs = [
        (k, v)
        for k, vs in values.items()
        for v in (vs if isinstance(vs, (list, tuple)) else [vs])
        if v is not None
    ]
    if pairs:
        path += "?" + urlencode(pairs)
    if anchor:
        path += "#" + str(anchor)
    if external:
        path = str(req.base_url).rstrip("/") + path
    return path


def _defaults_route(req: Request, name: str, values: dict[str, Any]) -> tuple[str, set[str]] | None:
    """werkzeug builds a rule whose ``defaults`` equal the values given (``route("/",
    defaults={"js": "fetch"})`` for ``url_for("index", js="fetch")``): here a route of that
    name whose function's default for a parameter not in its path equals the value."""

    from starlette.routing import NoMatchFound

    for route in req.app.router.routes:
        convertors = getattr(route, "param_convertors", None)
        if getattr(route, "name", None) != name or convertors is None:
            continue
        try:
            signature = inspect.signature(route.endpoint)
        except (TypeError, ValueError):
            continue
        defaults = getattr(route.endpoint, "flask_defaults", {})
        used = {
            k
            for k, p in signature.parameters.items()
            if k not in convertors and k in values and k in defaults and defaults[k] == values[k]
        }
        params = {k: values[k] for k in convertors if k in values}
        if not used or len(params) != len(convertors):
            continue
        try:
            return str(route.url_path_for(name, **params)), used | set(params)
        except NoMatchFound:
            continue
    return None


def _path_params(req: Request, name: str, values: dict[str, Any]) -> dict[str, Any] | None:
    """The values that fill route ``name``'s path: Starlette builds a URL only from exactly
    the path's parameters, so the largest subset that builds one is the path's own."""

    from starlette.routing import NoMatchFound

    keys = list(values)[:8]
    for size in range(len(keys), -1, -1):
        for combo in itertools.combinations(keys, size):
            params = {k: values[k] for k in combo}
            try:
                req.app.url_path_for(name, **params)
            except NoMatchFound:
                continue
            return params
    return None


def _autoescape(name: str | None) -> bool:
    return name is None or name.endswith((".html", ".htm", ".xml", ".xhtml", ".svg"))


@functools.cache
def _jinja(folder: str) -> Any:
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(folder), autoescape=_autoescape)


def _templating(app: Any) -> dict[str, Any]:
    """The app's template globals, filters, tests and context processors (Flask keeps them on
    the app's Jinja environment; here on ``app.state``)."""

    found: dict[str, Any] | None = getattr(app.state, "flask_templating", None)
    if found is None:
        found = {"globals": {}, "filters": {}, "tests": {}, "processors": []}
        app.state.flask_templating = found
    return found


def add_template_global(app: Any, f: Any, name: str | None = None) -> None:
    """``app.add_template_global(value, name=)``."""

    _templating(app)["globals"][name or f.__name__] = f


def add_template_filter(app: Any, f: Any, name: str | None = None) -> None:
    """``app.add_template_filter(fn, name=)``."""

    _templating(app)["filters"][name or f.__name__] = f


def add_template_test(app: Any, f: Any, name: str | None = None) -> None:
    """``app.add_template_test(fn, name=)``."""

    _templating(app)["tests"][name or f.__name__] = f


def _registrar(kind: str, app: Any, name: Any) -> Any:
    if callable(name):  # used bare: @_flask_compat.template_filter(app) on the function
        _templating(app)[kind][name.__name__] = name
        return name

    def register(fn: Any) -> Any:
        _templating(app)[kind][name or fn.__name__] = fn
        return fn

    return register


def template_global(app: Any, name: str | None = None) -> Any:
    """``@app.template_global(name=None)``."""

    return _registrar("globals", app, name)


def template_filter(app: Any, name: str | None = None) -> Any:
    """``@app.template_filter(name=None)``."""

    return _registrar("filters", app, name)


def template_test(app: Any, name: str | None = None) -> Any:
    """``@app.template_test(name=None)``."""

    return _registrar("tests", app, name)


def context_processor(app: Any) -> Any:
    """``@app.context_processor``: a function returning a dict of values for every template."""

    def register(fn: Any) -> Any:
        _templating(app)["processors"].append(fn)
        return fn

    return register


def _template_context(request: Any, context: dict[str, Any]) -> dict[str, Any]:
    app = _starlette(request).app
    templating = _templating(app)
    out: dict[str, Any] = {
        "request": request,
        "url_for": functools.partial(url_for, request),
        "get_flashed_messages": get_flashed_messages,
        "session": session,
        "g": g,
        "config": getattr(app, "config", None) or Config(),
        **templating["globals"],
    }
    for processor in templating["processors"]:
        out.update(processor() or {})
    out.update(context)
    return out


def _environment(request: Any) -> Any:
    env = _jinja(_template_folder(request))
    templating = _templating(_starlette(request).app)
    env.filters.update(templating["filters"])
    env.tests.update(templating["tests"])
    return env


def instance_path(module_file: str) -> str:
    """Flask's default ``instance_path``: ``instance`` beside the app's top-level package (or
    beside the app's module when it is not in a package)."""

    here = os.path.dirname(os.path.abspath(module_file))
    while os.path.isfile(os.path.join(here, "__init__.py")):
        here = os.path.dirname(here)
    return os.path.join(here, "instance")


def folder(module_file: str, name: str) -> str:
    """A folder beside a module (Flask's root_path), unless ``name`` is absolute."""

    return os.path.join(os.path.dirname(os.path.abspath(module_file)), name)


def static_files(module_file: str, name: str = "static") -> Any:
    """Flask's static route: the files of ``name`` beside the app's module."""

    from starlette.staticfiles import StaticFiles

    return StaticFiles(directory=folder(module_file, name), check_dir=False)


def _template_folder(request: Any) -> str:
    state = _starlette(request).app.state
    return str(getattr(state, "template_folder", TEMPLATE_FOLDER))


def render_template(request: Any, template_name_or_list: Any, **context: Any) -> str:
    """Flask's ``render_template``: a str (the view's return turns it into text/html)."""

    template = _environment(request).get_or_select_template(template_name_or_list)
    return str(template.render(_template_context(request, context)))


def render_template_string(request: Any, source: str, **context: Any) -> str:
    template = _environment(request).from_string(source)
    return str(template.render(_template_context(request, context)))


# --------------------------------------------------------------------------- request


class BadRequestKeyError(HTTPException, KeyError):
    """werkzeug's: a missing form/args key answers 400, and is a KeyError (a template's
    ``request.form['x']`` renders as undefined, ``except KeyError`` catches it)."""

    def __init__(self, key: str) -> None:
        # werkzeug's page: the generic Bad Request text (the key shows only in debug mode)
        HTTPException.__init__(self, status_code=400)
        self.key = key

    def __str__(self) -> str:
        return f"400 Bad Request: KeyError: {self.key!r}"


class MultiDict(dict):  # type: ignore[type-arg]
    """Werkzeug's read-only ``MultiDict`` as views use it: ``get(k, default, type=int)`` falls
    back to the default when conversion fails; a missing ``[key]`` answers 400. A dict (of
    each key's first value), as werkzeug's is: ``json.dumps``, ``isinstance(x, dict)``."""

    def __init__(self, items: Iterable[tuple[str, Any]] = ()) -> None:
        self._items = list(items)
        super().__init__({k: v for k, v in reversed(self._items)})

    def get(self, key: str, default: Any = None, type: Any = None) -> Any:
        for k, v in self._items:
            if k == key:
                if type is None:
                    return v
                try:
                    return type(v)
                except (ValueError, TypeError):
                    return default
        return default

    def getlist(self, key: str, type: Any = None) -> list[Any]:
        out = []
        for k, v in self._items:
            if k != key:
                continue
            if type is None:
                out.append(v)
                continue
            with contextlib.suppress(ValueError, TypeError):
                out.append(type(v))
        return out

    def __getitem__(self, key: str) -> Any:
        for k, v in self._items:
            if k == key:
                return v
        raise BadRequestKeyError(key)

    def __contains__(self, key: object) -> bool:
        return any(k == key for k, _ in self._items)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def __bool__(self) -> bool:
        return bool(self._items)

    def keys(self) -> list[str]:  # type: ignore[override]
        return list(dict.fromkeys(k for k, _ in self._items))

    def values(self) -> list[Any]:  # type: ignore[override]
        return [self[k] for k in self.keys()]

    def items(self, multi: bool = False) -> list[tuple[str, Any]]:  # type: ignore[override]
        return list(self._items) if multi else [(k, self[k]) for k in self.keys()]

    def lists(self) -> list[tuple[str, list[Any]]]:
        return [(k, self.getlist(k)) for k in self.keys()]

    def to_dict(self, flat: bool = True) -> dict[str, Any]:
        return dict(self.items()) if flat else dict(self.lists())


class FileStorage:
    """Werkzeug's ``FileStorage`` over Starlette's ``UploadFile`` (sync file access)."""

    def __init__(self, upload: UploadFile, name: str) -> None:
        self._upload = upload
        self.name = name
        self.filename = upload.filename
        self.content_type = upload.content_type or ""
        self.mimetype = self.content_type.split(";")[0].strip().lower()
        self.stream: IO[bytes] = upload.file
        self.headers = upload.headers

    def read(self, size: int = -1) -> bytes:
        data: bytes = self.stream.read(size)
        return data

    def save(self, dst: Any, buffer_size: int = 16384) -> None:
        if hasattr(dst, "write"):
            dst.write(self.stream.read())
            return
        with open(dst, "wb") as fh:
            while chunk := self.stream.read(buffer_size):
                fh.write(chunk)

    def __bool__(self) -> bool:
        return bool(self.filename)


def _is_json(mimetype: str) -> bool:
    return mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


class FlaskHeaders(Headers):
    """Request headers as werkzeug lists them (``User-Agent``, not ``user-agent``), with
    werkzeug's ``get(key, default, type=)``; lookups stay case-insensitive."""

    def keys(self) -> list[str]:  # type: ignore[override]
        return [key.title() for key, _ in super().items()]

    def items(self) -> list[tuple[str, str]]:  # type: ignore[override]
        return [(key.title(), value) for key, value in super().items()]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def get(self, key: str, default: Any = None, type: Any = None) -> Any:
        value = super().get(key, default)
        if type is None or value is default:
            return value
        try:
            return type(value)
        except (TypeError, ValueError):
            return default


class CompatRequest:
    """Flask's ``request`` attributes over a Starlette request. ``body`` is ``None`` when
    nothing read it (``_flask_compat.request`` outside a view that takes ``FlaskRequest``):
    then the body attributes say so instead of answering empty."""

    def __init__(self, request: Request, body: bytes | None, form: FormData | None) -> None:
        self._request = request
        self._body = body
        self.method = request.method
        self.headers = FlaskHeaders(raw=request.headers.raw)
        self.cookies = dict(request.cookies)
        self.args = MultiDict(request.query_params.multi_items())
        fields = form.multi_items() if form is not None else []
        self._form = MultiDict((k, v) for k, v in fields if not isinstance(v, UploadFile))
        self._files = MultiDict(
            (k, FileStorage(v, k)) for k, v in fields if isinstance(v, UploadFile)
        )
        self._form_parsed = form is not None
        self.content_type = request.headers.get("content-type", "")
        self.mimetype = self.content_type.split(";")[0].strip().lower()
        length = request.headers.get("content-length")
        self.content_length = int(length) if length and length.isdigit() else None
        self.view_args = dict(request.path_params)
        self.scheme = request.url.scheme
        self.is_secure = self.scheme in ("https", "wss")
        self.path = request.url.path
        query = request.url.query
        self.full_path = f"{self.path}?{query}"
        self.url = str(request.url)
        self.base_url = self.url.split("?", 1)[0]
        self.host = request.headers.get("host", request.url.netloc)
        self.host_url = f"{self.scheme}://{self.host}/"
        self.url_root = self.host_url
        self.remote_addr = request.client.host if request.client else None
        self.user_agent = request.headers.get("user-agent", "")
        self.query_string = request.scope.get("query_string", b"")
        self.script_root = str(request.scope.get("root_path", "")).rstrip("/")
        forwarded = request.headers.get("x-forwarded-for", "")
        self.access_route = [a.strip() for a in forwarded.split(",") if a.strip()] or (
            [self.remote_addr] if self.remote_addr else []
        )
        self._environ: dict[str, Any] | None = None

    @property
    def environ(self) -> dict[str, Any]:
        """A WSGI environ built from the ASGI scope (what werkzeug's request reads)."""

        if self._environ is None:
            scope = self._request.scope
            server = scope.get("server") or ("localhost", 80)
            env: dict[str, Any] = {
                "REQUEST_METHOD": self.method,
                "SCRIPT_NAME": self.script_root,
                "PATH_INFO": self.path,
                "QUERY_STRING": self.query_string.decode("latin-1"),
                "SERVER_NAME": str(server[0]),
                "SERVER_PORT": str(server[1]),
                "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
                "REMOTE_ADDR": self.remote_addr or "",
                "wsgi.url_scheme": self.scheme,
            }
            for key, value in self.headers.items():
                name = key.upper().replace("-", "_")
                if name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                    env[name] = value
                else:
                    env["HTTP_" + name] = value
            self._environ = env
        return self._environ

    @property
    def authorization(self) -> Any:
        """werkzeug's ``Authorization`` for the request's header (``None`` without one)."""

        header = self.headers.get("authorization")
        if not header:
            return None
        try:
            from werkzeug.datastructures import Authorization
        except ImportError:  # werkzeug gone: the scheme and the raw value
            scheme, _, rest = header.partition(" ")
            return types.SimpleNamespace(type=scheme.lower(), token=rest, parameters={})
        return Authorization.from_header(header)

    def _read(self) -> bytes:
        if self._body is None:
            raise RuntimeError(
                "the request body was not read: give the view a "
                "`request: _flask_compat.FlaskRequest` parameter"
            )
        return self._body

    @property
    def form(self) -> MultiDict:
        self._read()
        return self._form

    @property
    def files(self) -> MultiDict:
        self._read()
        return self._files

    @property
    def values(self) -> MultiDict:
        return MultiDict([*self.args.items(multi=True), *self.form.items(multi=True)])

    @property
    def session(self) -> Any:
        return session

    @property
    def app(self) -> Any:
        """The FastAPI app (what ``current_app`` was in a Flask view)."""

        return self._request.app

    @property
    def starlette(self) -> Request:
        """The underlying Starlette request, for code moving to FastAPI idioms."""

        return self._request

    @property
    def is_json(self) -> bool:
        return _is_json(self.mimetype)

    @property
    def data(self) -> bytes:
        body = self._read()
        return b"" if self._form_parsed else body

    def get_data(self, cache: bool = True, as_text: bool = False) -> Any:
        body = self._read()
        raw = b"" if self._form_parsed else body
        return raw.decode("utf-8", "replace") if as_text else raw

    @property
    def json(self) -> Any:
        return self.get_json()

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        if not (force or self.is_json):
            if silent:
                return None
            raise HTTPException(
                status_code=415,
                detail="Did not attempt to load JSON data because the request "
                "Content-Type was not 'application/json'.",
            )
        body = self._read()
        try:
            return json.loads(body)
        except ValueError:
            if silent:
                return None
            raise HTTPException(status_code=400, detail="Failed to decode JSON object") from None


_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
_HAS_MULTIPART = (
    importlib.util.find_spec("python_multipart") is not None
    or importlib.util.find_spec("multipart") is not None
)


async def _load_request(request: Request) -> AsyncIterator[CompatRequest]:
    body = await request.body()
    form = None
    if _HAS_MULTIPART and request.headers.get("content-type", "").startswith(_FORM_TYPES):
        form = await request.form()
    compat = CompatRequest(request, body, form)
    token = _request_var.set(compat)  # what _flask_compat.request answers from now on
    try:
        yield compat
    finally:
        with contextlib.suppress(ValueError):  # reset from another context: nothing to undo
            _request_var.reset(token)
        if form is not None:
            await form.close()  # uploaded files live in temporary files until then


FlaskRequest = Annotated[CompatRequest, Depends(_load_request)]
