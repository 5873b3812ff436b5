"""verify --http: replay requests against the old Flask app and the converted FastAPI app.

After ``migrate --to fastapi`` two throwaway copies are made in a temporary folder, never in
the project: **before** (the project with the latest applied journal entry laid over it, as
:mod:`toolshift.verify` does) and **after** (the project as it is now). Then:

1. **record**: the project's own test suite runs under pytest in the before copy with a small
   plugin that wraps werkzeug's test ``Client.run_wsgi_app``, so every request a test makes
   through Flask's test client (``get``/``post``/``open``/...) is logged with its method, raw
   path and query, headers and body bytes. Failing tests do not stop the check.
2. **routes**: the Flask app's ``url_map`` gives the route table, from which :func:`route_probes`
   makes probes: HEAD and OPTIONS, a method no rule of the path allows, the trailing slash
   added or removed, bad values for ``int``/``float``/``uuid`` converters, bad JSON and a wrong
   content type on routes taking a body, and a CORS preflight when Flask-CORS is in use.
3. **replay**: ONE subprocess per side imports the app (``MODULE:ATTR``, found from the
   codemod's facts or given with ``--app``; a factory is called with no arguments) and sends
   every request in order, the Flask one through Flask's test client, the FastAPI one through
   Starlette's ``TestClient`` (an ASGI transport over httpx), redirects not followed, server
   errors answered as 500. Requests a test made through one client share its cookie jar on
   replay; the recorded ``Cookie`` header itself is dropped (session cookies differ in format).
4. **compare** (:func:`compare`): status, the relevant headers (content-type, location without
   the host, allow as a set, access-control-*), and the body (JSON parsed, text with
   whitespace normalised; HEAD bodies ignored).

Known, accepted differences (documented by the codemod, ``transform.py``) are reported apart
from regressions: an error status with no handler in the app (Flask's HTML error page vs the
converted app's body), the body of a redirect, Flask-CORS headers on a request without
``Origin``. ``Set-Cookie`` is never compared (the session cookie format differs by design).

Which Python runs the apps: the current interpreter (toolshift's own, which has flask and
fastapi in its development dependencies) unless ``python`` is given, which must be an
interpreter with the project's requirements, flask, fastapi (and httpx) installed, e.g. the
project's own ``.venv/bin/python``. Both sides run with the same interpreter.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from toolshift import tools
from toolshift.apply import EntryStatus, JournalEntry, history
from toolshift.errors import ToolError, UsageError
from toolshift.verify import copy_project, overlay_entry, select_entry

if TYPE_CHECKING:
    from rich.console import Console

COMPARED_HEADERS = ("content-type", "location", "allow")
_UUID = "12345678-1234-5678-1234-567812345678"
_SAMPLE = {"int": "1", "float": "1.5", "uuid": _UUID, "path": "x/y", "any": "x"}
_BAD = {"int": "abc", "float": "abc", "uuid": "not-a-uuid"}
_BODY_METHODS = ("POST", "PUT", "PATCH")
_ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_DROP_HEADERS = frozenset({"host", "cookie", "content-length", "user-agent"})
_TIMEOUT = 300.0


class Verdict(StrEnum):
    EQUAL = "equal"
    ACCEPTED = "accepted"  # differs in a known, documented way
    REGRESSION = "regression"


@dataclass(frozen=True)
class Request:
    """One request to replay; ``source`` says where it came from (a test id, or a probe)."""

    method: str
    url: str  # path and query, as sent
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    client: str = "probe"  # requests with the same client share cookies
    source: str = "probe"

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "url": self.url,
            "headers": [list(h) for h in self.headers],
            "body": base64.b64encode(self.body).decode("ascii"),
            "client": self.client,
            "source": self.source,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Request:
        headers = tuple(
            (str(k), str(v)) for k, v in d.get("headers", ()) if str(k).lower() not in _DROP_HEADERS
        )
        return cls(
            method=str(d["method"]).upper(),
            url=str(d["url"]),
            headers=headers,
            body=base64.b64decode(d.get("body") or ""),
            client=str(d.get("client", "probe")),
            source=str(d.get("source", "probe")),
        )

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name), None)

    @property
    def label(self) -> str:
        return f"{self.method} {self.url}"


@dataclass(frozen=True)
class Answer:
    status: int  # 0: the app raised instead of answering
    headers: dict[str, str]  # lower-case names
    body: str
    error: str = ""

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Answer:
        return cls(
            status=int(d.get("status", 0)),
            headers={str(k).lower(): str(v) for k, v in dict(d.get("headers", {})).items()},
            body=str(d.get("body", "")),
            error=str(d.get("error", "")),
        )


@dataclass(frozen=True)
class Outcome:
    request: Request
    before: Answer
    after: Answer
    verdict: Verdict
    differences: tuple[str, ...] = ()  # what differs (regression), or why it is accepted

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.request.method,
            "url": self.request.url,
            "source": self.request.source,
            "verdict": self.verdict.value,
            "status_before": self.before.status,
            "status_after": self.after.status,
            "differences": list(self.differences),
        }


@dataclass(frozen=True)
class HttpResult:
    app: str  # MODULE:ATTR
    entry_id: str
    python: str
    recorded: int  # requests recorded from the test suite
    probes: int
    tests_summary: str  # pytest's last line in the before copy
    outcomes: tuple[Outcome, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def regressions(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.verdict is Verdict.REGRESSION]

    @property
    def ok(self) -> bool:
        return not self.regressions

    @property
    def from_tests(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.request.source.startswith("probe")]

    def count(self, verdict: Verdict) -> int:
        return sum(1 for o in self.outcomes if o.verdict is verdict)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "app": self.app,
            "entry": self.entry_id,
            "python": self.python,
            "recorded": self.recorded,
            "probes": self.probes,
            "tests": self.tests_summary,
            "equal": self.count(Verdict.EQUAL),
            "accepted": self.count(Verdict.ACCEPTED),
            "regressions": self.count(Verdict.REGRESSION),
            # The target: requests of the project's own tests, same answer after.
            "tests_equal": sum(1 for o in self.from_tests if o.verdict is Verdict.EQUAL),
            "tests_same_status": sum(
                1 for o in self.from_tests if o.before.status == o.after.status
            ),
            "notes": list(self.notes),
            "requests": [o.to_json() for o in self.outcomes],
        }


# --------------------------------------------------------------------------- probes


@dataclass(frozen=True)
class Route:
    rule: str  # Flask's rule, "/items/<int:item_id>"
    methods: frozenset[str]
    endpoint: str = ""


_CONVERTER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _fill(rule: str, bad: str | None = None) -> str | None:
    """The rule with sample values; ``bad``: the converter whose value is made invalid (None if
    the rule has none of that kind). Unknown (custom) converters get no URL."""

    used_bad = False

    def one(m: re.Match[str]) -> str:
        nonlocal used_bad
        conv = m.group(1) or "string"
        if bad is not None and conv == bad and not used_bad:
            used_bad = True
            return _BAD[conv]
        if conv == "string":
            return "x"
        if conv not in _SAMPLE:
            raise KeyError(conv)
        return _SAMPLE[conv]

    try:
        url = _CONVERTER.sub(one, rule)
    except KeyError:
        return None
    if bad is not None and not used_bad:
        return None
    return url


def route_probes(routes: Iterable[Route], *, cors: bool = False) -> list[Request]:
    """Probes from a Flask route table (see the module docstring). Static routes are left out
    (they answer files, compared through the test suite's requests)."""

    by_rule: dict[str, set[str]] = {}
    for r in routes:
        if r.endpoint == "static" or r.endpoint.endswith(".static"):
            continue
        by_rule.setdefault(r.rule, set()).update(m.upper() for m in r.methods)
    out: list[Request] = []

    def add(method: str, url: str, why: str, *headers: tuple[str, str], body: bytes = b"") -> None:
        out.append(Request(method, url, tuple(headers), body, "probe", f"probe: {why}"))

    for rule, methods in sorted(by_rule.items()):
        url = _fill(rule)
        if url is None:
            continue
        real = sorted(methods - {"HEAD", "OPTIONS"}) or ["GET"]
        main = "GET" if "GET" in real else real[0]
        add("HEAD", url, "HEAD")
        add("OPTIONS", url, "OPTIONS")
        wrong = next((m for m in _ALL_METHODS if m not in methods), None)
        if wrong is not None:
            add(wrong, url, "method not allowed")
        if url != "/":
            other = url[:-1] if url.endswith("/") else url + "/"
            add(main, other, "trailing slash")
        for conv in _BAD:
            bad = _fill(rule, conv)
            if bad is not None:
                add(main, bad, f"bad {conv} value")
        for m in _BODY_METHODS:
            if m in methods:
                add(m, url, "bad JSON", ("Content-Type", "application/json"), body=b"{not json")
                add(m, url, "wrong content type", ("Content-Type", "text/plain"), body=b"x")
        if cors:
            add(
                "OPTIONS",
                url,
                "CORS preflight",
                ("Origin", "https://example.org"),
                ("Access-Control-Request-Method", main),
            )
    return out


# --------------------------------------------------------------------------- comparing


def _media(value: str) -> str:
    return value.split(";")[0].strip().lower()


def _norm_header(name: str, value: str) -> str:
    if name == "location":
        p = urlsplit(value)
        return (
            p.path + (f"?{p.query}" if p.query else "") + (f"#{p.fragment}" if p.fragment else "")
        )
    if name in ("allow", "access-control-allow-methods", "access-control-allow-headers", "vary"):
        return ", ".join(sorted({v.strip().lower() for v in value.split(",") if v.strip()}))
    return re.sub(r"\s+", "", value).lower()


def _headers(answer: Answer, with_cors: bool, head: bool = False) -> dict[str, str]:
    out = {}
    for name, value in answer.headers.items():
        if name in COMPARED_HEADERS or (with_cors and name.startswith("access-control-")):
            out[name] = _norm_header(name, value)
    if answer.status == 204 or (not answer.body and not head):
        out.pop("content-type", None)  # an empty answer: no type to speak of
    return out


def _body(answer: Answer) -> Any:
    if _media(answer.headers.get("content-type", "")).endswith("json"):
        try:
            return json.loads(answer.body)
        except ValueError:
            pass
    return " ".join(answer.body.split())


def _flask_error_page(answer: Answer) -> bool:
    return (
        _media(answer.headers.get("content-type", "")) == "text/html"
        and answer.body.lstrip().lower().startswith("<!doctype html>")
        and f"<title>{answer.status} " in answer.body
    )


def compare(request: Request, before: Answer, after: Answer) -> Outcome:
    """Compare one request's answers; a known difference is ACCEPTED with the reason."""

    diffs: list[str] = []
    accepted: list[str] = []
    if before.status != after.status:
        diffs.append(f"status {before.status} -> {after.status}")
    # Without an Origin no browser reads access-control-* (Flask-CORS still sends them, the
    # CORS middleware does not): those headers are compared only when the request has one.
    with_cors = request.header("origin") is not None
    head = request.method == "HEAD"
    hb, ha = _headers(before, with_cors, head), _headers(after, with_cors, head)
    body_differs = request.method != "HEAD" and _body(before) != _body(after)
    same_status = before.status == after.status
    error_page = same_status and before.status >= 400 and _flask_error_page(before)
    redirect = same_status and 300 <= before.status < 400
    preflight = (
        request.method == "OPTIONS"
        and with_cors
        and request.header("access-control-request-method") is not None
    )
    loose: set[str] = set()  # headers whose difference goes with an accepted body difference
    if (body_differs and error_page) or redirect:
        loose = {"content-type"}
    if preflight and same_status:
        loose = {"content-type", "allow", "access-control-max-age"}
    middleware: list[str] = []  # what a preflight answered by the CORS middleware changes
    for name in sorted(set(hb) | set(ha)):
        if hb.get(name) == ha.get(name):
            continue
        if name in loose:
            if redirect and not body_differs:
                accepted.append("redirect body")  # HEAD: the type of the body not sent
            middleware.append(name)
            continue
        diffs.append(f"{name}: {hb.get(name)!r} -> {ha.get(name)!r}")
    if body_differs:
        if error_page:
            accepted.append("error body with no handler in the app (Flask's HTML page)")
        elif redirect:
            accepted.append("redirect body")
        elif preflight and same_status:
            middleware.append("body")
        else:
            diffs.append(f"body: {_short(before.body)!r} -> {_short(after.body)!r}")
    if preflight and middleware:
        accepted.append(f"CORS preflight answered by the middleware ({', '.join(middleware)})")
    if after.error:
        diffs.append(f"after raised: {after.error}")
    if diffs:
        return Outcome(request, before, after, Verdict.REGRESSION, tuple(diffs))
    if accepted:
        return Outcome(request, before, after, Verdict.ACCEPTED, tuple(accepted))
    return Outcome(request, before, after, Verdict.EQUAL)


def _short(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


# --------------------------------------------------------------------------- finding the app


def find_app(root: Path) -> str:
    """``MODULE:ATTR`` of the Flask app (a factory, else a module-level ``Flask(...)``) in the
    project's Python files, from the codemod's facts; test modules are left out."""

    import libcst as cst

    from toolshift.codemods.flask_fastapi.api import is_test_file
    from toolshift.codemods.flask_fastapi.facts import ObjKind, collect_facts
    from toolshift.codemods.flask_fastapi.names import module_name
    from toolshift.codemods.flask_fastapi.sources import read_python_sources

    sources = read_python_sources(root)
    paths = [p for p in sources if not is_test_file(p)]
    parsed = {}
    for p in paths:
        try:
            tree = cst.parse_module(sources[p].decode("utf-8", errors="replace"))
        except cst.ParserSyntaxError:
            continue
        parsed[p] = (module_name(p, paths), tree)
    facts = collect_facts(parsed)
    modules = {m.name: m for m, _ in parsed.values()}

    def spec(key: str) -> str | None:
        for name in sorted(modules, key=len, reverse=True):
            if key.startswith(name + "."):
                attr = key[len(name) + 1 :]
                if "." in attr:
                    return None  # nested: not reachable by import
                root_dir = modules[name].root
                return f"{root_dir + '/' if root_dir else ''}{name}:{attr}"
        return None

    factories = sorted(s for s in map(spec, facts.factories) if s)
    apps = sorted(s for k, kind in facts.objects.items() if kind is ObjKind.APP and (s := spec(k)))
    found = factories or apps
    if len(found) != 1:
        what = ", ".join(found) if found else "no Flask app or app factory"
        raise UsageError(
            f"cannot tell which Flask app to drive ({what})",
            path=str(root),
            hint="name it with --app MODULE:ATTR (an app object or a factory)",
        )
    return found[0]


def _split_spec(spec: str) -> tuple[str, str, str]:
    """``[ROOT/]MODULE:ATTR`` -> (root folder, module, attr)."""

    module, sep, attr = spec.partition(":")
    if not sep or not module or not attr:
        raise UsageError(f"--app {spec!r}: expected MODULE:ATTR", hint="e.g. --app shop:create_app")
    root, _, module = module.rpartition("/")
    return root, module, attr


# --------------------------------------------------------------------------- the subprocesses

_RECORD_PLUGIN = r'''
"""pytest plugin (toolshift verify --http): log every request Flask's test client sends."""
import base64, io, json, os
from urllib.parse import quote

_OUT = os.environ["TOOLSHIFT_HTTP_RECORD"]
_clients = {}


def pytest_configure(config):
    from werkzeug.test import Client

    original = Client.run_wsgi_app

    def run_wsgi_app(self, environ, buffered=False):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        url = environ.get("RAW_URI") or (
            quote(environ.get("PATH_INFO", "/"))
            + ("?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else "")
        )
        headers = [
            [k[5:].replace("_", "-").title(), v]
            for k, v in environ.items()
            if k.startswith("HTTP_")
        ]
        if environ.get("CONTENT_TYPE"):
            headers.append(["Content-Type", environ["CONTENT_TYPE"]])
        key = _clients.setdefault(id(self), str(len(_clients)))
        test = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]
        with open(_OUT, "a", encoding="utf-8") as f:
            f.write(json.dumps({
                "method": environ["REQUEST_METHOD"], "url": url, "headers": headers,
                "body": base64.b64encode(body).decode("ascii"),
                "client": test + "#" + key, "source": test or "tests",
            }) + "\n")
        return original(self, environ, buffered)

    Client.run_wsgi_app = run_wsgi_app
'''

_RUNNER = r'''
"""toolshift verify --http runner: import an app, answer requests, write the answers."""
import base64, importlib, json, sys, traceback

mode, module, attr, requests_file, out_file = sys.argv[1:6]
obj = getattr(importlib.import_module(module), attr)
app = obj
if mode in ("flask", "routes") and not hasattr(obj, "url_map"):
    app = obj()
elif mode == "fastapi" and not hasattr(obj, "router"):
    app = obj()

MAX = 65536


def answer(status, headers, data, error=""):
    return {"status": status, "headers": headers,
            "body": data[:MAX].decode("utf-8", "replace"), "error": error}


if mode == "routes":
    routes = [{"rule": r.rule, "methods": sorted(r.methods or ()), "endpoint": r.endpoint}
              for r in app.url_map.iter_rules()]
    out = {"routes": routes, "cors": "flask_cors" in sys.modules}
else:
    with open(requests_file, encoding="utf-8") as f:
        requests = json.load(f)
    clients = {}
    out = []
    for rq in requests:
        body = base64.b64decode(rq["body"])
        headers = [(k, v) for k, v in rq["headers"]]
        try:
            if mode == "flask":
                c = clients.get(rq["client"]) or clients.setdefault(rq["client"], app.test_client())
                r = c.open(rq["url"], method=rq["method"], headers=headers, data=body)
                try:
                    out.append(answer(r.status_code, dict(r.headers), r.get_data()))
                finally:
                    r.close()
            else:
                if rq["client"] not in clients:
                    from fastapi.testclient import TestClient

                    # What werkzeug's test client sends on the Flask side: host "localhost",
                    # its User-Agent, remote address 127.0.0.1, and no other default header
                    # (httpx would add Accept, Accept-Encoding and Connection).
                    kw = {"follow_redirects": False, "raise_server_exceptions": False,
                          "base_url": "http://localhost"}
                    try:
                        client = TestClient(app, client=("127.0.0.1", 50000), **kw)
                    except TypeError:  # an older Starlette
                        client = TestClient(app, **kw)
                    client.headers.clear()
                    try:
                        from importlib.metadata import version

                        client.headers["User-Agent"] = "Werkzeug/" + version("werkzeug")
                    except Exception:
                        pass
                    clients[rq["client"]] = client
                # The body as sent (Flask's side is not decoded either): httpx would undo a
                # Content-Encoding the app set itself (gzip, deflate, br).
                with clients[rq["client"]].stream(
                        rq["method"], rq["url"], headers=headers, content=body) as r:
                    raw = b"".join(r.iter_raw())
                out.append(answer(r.status_code, dict(r.headers), raw))
        except Exception as exc:
            out.append(answer(0, {}, b"", "".join(
                traceback.format_exception_only(type(exc), exc)).strip()))
with open(out_file, "w", encoding="utf-8") as f:
    json.dump(out, f)
'''


def _run(
    python: str, args: Sequence[str | Path], cwd: Path, path: Sequence[Path], what: str
) -> None:
    env = {"PYTHONPATH": ":".join(str(p) for p in path), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = tools.run([python, *map(str, args)], cwd=cwd, extra_env=env, timeout=_TIMEOUT)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise ToolError(
            f"{what} failed (exit {proc.returncode}):\n{tail}",
            path=str(cwd),
            hint="check that the interpreter has the project's requirements, flask and "
            "fastapi installed (--python), or name the app with --app MODULE:ATTR",
        )


def record_test_requests(
    folder: Path, python: str, path: Sequence[Path], work: Path
) -> tuple[list[Request], str]:
    """Run the project's tests in ``folder`` with the recording plugin; the requests made, in
    order, and pytest's summary line (tests may fail: their requests still count)."""

    (work / "_toolshift_http_record.py").write_text(_RECORD_PLUGIN, encoding="utf-8")
    log = work / "recorded.jsonl"
    log.write_text("", encoding="utf-8")
    env = {
        "PYTHONPATH": ":".join(str(p) for p in (work, *path)),
        "PYTHONDONTWRITEBYTECODE": "1",
        "TOOLSHIFT_HTTP_RECORD": str(log),
    }
    argv = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p"]
    proc = tools.run([*argv, "_toolshift_http_record"], cwd=folder, extra_env=env, timeout=_TIMEOUT)
    lines = (proc.stdout or "").strip().splitlines()
    summary = lines[-1].strip("= ") if lines else f"pytest exited {proc.returncode}"
    if proc.returncode not in (0, 1, 5):  # 1: failures, 5: no tests
        summary = f"pytest exited {proc.returncode}: {summary}"
    reqs = [
        Request.from_json(json.loads(line))
        for line in log.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return reqs, summary


def _answers(
    mode: str, folder: Path, spec: str, requests: Sequence[Request], python: str, work: Path
) -> list[Answer]:
    root, module, attr = _split_spec(spec)
    rq_file, out_file = work / f"{mode}-requests.json", work / f"{mode}-answers.json"
    rq_file.write_text(json.dumps([r.to_json() for r in requests]), encoding="utf-8")
    runner = work / "_toolshift_http_runner.py"
    runner.write_text(_RUNNER, encoding="utf-8")
    src = folder / root if root else folder
    _run(python, [runner, mode, module, attr, rq_file, out_file], folder, [src], f"{mode} side")
    data = json.loads(out_file.read_text(encoding="utf-8"))
    return [Answer.from_json(d) for d in data]


def flask_routes(folder: Path, spec: str, python: str, work: Path) -> tuple[list[Route], bool]:
    root, module, attr = _split_spec(spec)
    out_file = work / "routes.json"
    runner = work / "_toolshift_http_runner.py"
    runner.write_text(_RUNNER, encoding="utf-8")
    src = folder / root if root else folder
    _run(python, [runner, "routes", module, attr, "-", out_file], folder, [src], "reading routes")
    data = json.loads(out_file.read_text(encoding="utf-8"))
    routes = [
        Route(str(r["rule"]), frozenset(r["methods"]), str(r.get("endpoint", "")))
        for r in data["routes"]
    ]
    return routes, bool(data["cors"])


def fastapi_entry(root: Path, entry_id: str | None) -> tuple[JournalEntry, list[JournalEntry]]:
    """The applied ``--to fastapi`` journal entry (``entry_id``, else the latest) and the
    applied entries after it, oldest first (laid over too, to get back to the Flask app)."""

    if entry_id:
        entry, why = select_entry(root, entry_id)
    else:
        applied = [e for e in history(root) if e.status is EntryStatus.APPLIED]
        fastapi = [e for e in applied if e.target == "fastapi"]
        entry = fastapi[-1] if fastapi else None
        why = "no `migrate --to fastapi` is applied" if applied else "no migration is applied"
    if entry is None:
        raise UsageError(
            f"nothing to compare: {why}",
            path=str(root),
            hint="run `toolshift migrate --to fastapi` first; --http compares before and after",
        )
    if entry.target != "fastapi":
        raise UsageError(
            f"journal entry {entry.id} is a migration --to {entry.target}: --http compares a "
            "Flask app with its FastAPI conversion",
            path=str(root),
            hint="give the id of a `migrate --to fastapi` entry (see `toolshift history`)",
        )
    later = [
        e for e in history(root) if e.status is EntryStatus.APPLIED and e.created > entry.created
    ]
    return entry, later


def _interpreter(python: str | None) -> str:
    if not python:
        return sys.executable
    if Path(python).is_file():
        return str(Path(python))
    found = shutil.which(python) or shutil.which(f"python{python}")
    if found is None:
        raise UsageError(
            f"--python {python}: no such interpreter",
            hint="with --http give the path of a Python that has the project's requirements, "
            "flask and fastapi installed (e.g. .venv/bin/python)",
        )
    return found


def verify_http(
    root: Path,
    *,
    entry_id: str | None = None,
    app: str | None = None,
    python: str | None = None,
    probes: bool = True,
) -> HttpResult:
    """Replay the project's test requests and route probes against before and after."""

    entry, later = fastapi_entry(root, entry_id)
    exe = _interpreter(python)
    with tempfile.TemporaryDirectory(prefix="toolshift-http-") as tmp:
        base = Path(tmp)
        before = copy_project(root, base / "before")
        for newer in reversed(later):  # newest first, back to the state before ``entry``
            overlay_entry(before, newer)
        overlay_entry(before, entry)
        after = copy_project(root, base / "after")
        spec = app or find_app(before)
        src_root = _split_spec(spec)[0]
        path = [before / src_root if src_root else before]
        recorded, summary = record_test_requests(before, exe, path, base)
        requests = list(recorded)
        n_probes = 0
        cors = False
        if probes:
            routes, cors = flask_routes(before, spec, exe, base)
            made = route_probes(routes, cors=cors)
            n_probes = len(made)
            requests += made
        old = _answers("flask", before, spec, requests, exe, base)
        new = _answers("fastapi", after, spec, requests, exe, base)
    outcomes = tuple(compare(r, a, b) for r, a, b in zip(requests, old, new, strict=True))
    notes = [
        "Set-Cookie is not compared: the session cookie format differs by design",
        "access-control-* headers are compared only on requests with an Origin",
    ]
    if not recorded:
        notes.append("the test suite made no request through Flask's test client")
    crashed = sum(1 for o in outcomes[: len(recorded)] if o.before.status == 500)
    if crashed:
        # The replay builds the app with no arguments: what the tests' fixtures set up around
        # it (a database, a test config) is not there, and such requests prove little.
        notes.append(
            f"{crashed} of the {len(recorded)} requests from the tests answered 500 on the "
            "Flask side too (the replay does not run the tests' fixtures: database, config)"
        )
    return HttpResult(
        app=spec,
        entry_id=entry.id,
        python=exe,
        recorded=len(recorded),
        probes=n_probes,
        tests_summary=summary,
        outcomes=outcomes,
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------- rendering


def render_human(result: HttpResult, console: Console) -> None:
    """A table of the requests that differ (regressions first), then the counts."""

    from rich.markup import escape
    from rich.table import Table

    total = len(result.outcomes)
    equal = result.count(Verdict.EQUAL)
    console.print(
        f"verify --http: {escape(result.app)} (journal {result.entry_id}), "
        f"{result.recorded} requests from the tests ({escape(result.tests_summary)}) "
        f"+ {result.probes} probes"
    )
    regressions = result.regressions
    if regressions:
        table = Table(show_header=True, header_style="bold", expand=False)
        for col in ("request", "from", "status", "what differs"):
            table.add_column(col)
        for o in regressions:
            status = str(o.before.status)
            if o.after.status != o.before.status:
                status += f" -> {o.after.status}"
            table.add_row(
                escape(o.request.label),
                escape(o.request.source),
                status,
                escape("; ".join(o.differences)),
            )
        console.print("[red]regressions[/]")
        console.print(table)
    reasons: dict[str, list[Outcome]] = {}
    for o in result.outcomes:
        if o.verdict is Verdict.ACCEPTED:
            reasons.setdefault("; ".join(o.differences), []).append(o)
    if reasons:
        console.print("accepted differences (known, documented by the codemod):")
        for reason, items in reasons.items():
            example = escape(items[0].request.label)
            console.print(f"  {len(items):>3} x {escape(reason)}  (e.g. {example})")
    share = f"{100 * equal / total:.0f}%" if total else "n/a"
    console.print(
        f"{equal}/{total} equal ({share}), {result.count(Verdict.ACCEPTED)} accepted "
        f"differences, {len(result.regressions)} regressions"
    )
    tests = result.from_tests
    if tests:
        same = sum(1 for o in tests if o.before.status == o.after.status)
        console.print(
            f"  from the tests: {sum(1 for o in tests if o.verdict is Verdict.EQUAL)}/"
            f"{len(tests)} equal, {same}/{len(tests)} with the same status"
        )
    for note in result.notes:
        console.print(f"  note: {escape(note)}")
    if result.ok:
        console.print("[green]no regression[/]")
    else:
        console.print("[red]the converted app answers differently: see the regressions above[/]")
