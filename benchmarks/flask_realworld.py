"""Flask -> FastAPI on real-world Flask apps: the issue's target, measured (needs PyPI).

For each app below, pinned by its sdist's version and sha256 on PyPI:

1. download the sdist (PyPI's JSON API gives the file's URL; the sha256 is checked), unpack it;
2. make a service folder of it: ``requirements.txt`` (the app's runtime requirements, with
   flask), its package and its tests, a ``pytest.ini``, a git repository (toolshift's journal
   needs a tree to back up); an app-specific patch only where the sdist cannot run uninstalled
   (httpbin reads its own version from installed metadata);
3. ``toolshift migrate --to fastapi DIR --yes``;
4. check the converted app imports and starts (Starlette's TestClient runs its startup);
   count the ``TODO[toolshift ...]`` markers and any ``flask`` import left without one;
5. ``toolshift verify DIR --http --format json``: the app's own test suite runs once on the
   Flask side recording every request, which is replayed against both apps.

The figure of the issue's target is "same status and body" over the requests of the apps' own
tests (``tests_equal`` / requests from the tests); route probes are reported apart.

Which Python runs the apps: ``--python PATH`` (an interpreter with flask, fastapi, httpx,
pytest and the apps' requirements), else a virtual environment made with uv in the work folder,
with the versions pinned in ``PINNED`` (from PyPI: this is the part that needs the network).

    uv run python benchmarks/flask_realworld.py                 # all apps, a table
    uv run python benchmarks/flask_realworld.py --only js_example --python .venv/bin/python
    uv run python benchmarks/flask_realworld.py --json           # the figures as JSON
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, clean_env, toolshift_cmd, uv_path


@dataclass(frozen=True)
class App:
    name: str
    project: str  # the PyPI project whose sdist holds the app
    version: str
    sha256: str
    folder: str  # inside the sdist
    copy: tuple[str, ...]  # what the service folder takes from it
    requirements: tuple[str, ...]
    spec: str = ""  # --app MODULE:ATTR when verify cannot tell
    patches: tuple[tuple[str, str, str], ...] = ()  # (file, old, new)


APPS = (
    App(
        "js_example",
        "flask",
        "3.1.0",
        "5f873c5184c897c8d9d1b05df1e3d01b14910ce69607a117bd3277098a5836ac",
        "flask-3.1.0/examples/javascript",
        ("js_example", "tests"),
        ("flask",),
    ),
    App(
        "flaskr",
        "flask",
        "3.1.0",
        "5f873c5184c897c8d9d1b05df1e3d01b14910ce69607a117bd3277098a5836ac",
        "flask-3.1.0/examples/tutorial",
        ("flaskr", "tests"),
        ("flask",),
    ),
    App(
        "httpbin",
        "httpbin",
        "0.10.2",
        "632148698261c8684ea2d2b624cdea845b402b1fe91736e89df886408c6317a9",
        "httpbin-0.10.2",
        ("httpbin", "tests"),
        ("brotlicffi", "decorator", "flasgger", "flask>=2.2.4", "six", "werkzeug>=2.2.2"),
        spec="httpbin.core:app",  # httpbin/filters.py makes a second Flask() of its own
        patches=(("httpbin/core.py", 'version = get_version("httpbin")', 'version = "0.10.2"'),),
    ),
)
# The interpreter made when no --python is given: both apps' worlds, pinned.
PINNED = (
    "flask==3.1.3",
    "werkzeug==3.1.9",
    "flask-cors==6.0.5",
    "click==8.5.1",
    "fastapi==0.165.0",
    "starlette==1.10.0",
    "httpx==0.28.1",
    "pytest==9.2.0",
    "python-multipart==0.0.34",
    "jinja2==3.1.6",
    "itsdangerous==2.2.0",
    "uvicorn==0.54.0",
    "flasgger==0.9.7.1",
    "brotlicffi==1.2.1.0",
    "decorator==5.3.1",
    "six==1.17.0",
)

_START = r"""
import importlib, sys
module, _, attr = sys.argv[1].partition(":")
obj = getattr(importlib.import_module(module), attr)
app = obj if hasattr(obj, "router") else obj()
from fastapi.testclient import TestClient
with TestClient(app):
    pass
print(type(app).__name__)
"""


# In context: both test suites run (the Flask one as shipped, the converted one), each with a
# plugin logging every request its test client sends and the answer; requests pair up by test
# and order. This measures answers with the tests' own fixtures (a database, a test config),
# which the replay of ``verify --http`` does not set up.
_FLASK_LOG = r"""
import json, os
from urllib.parse import quote

def pytest_configure(config):
    from werkzeug.test import Client
    original = Client.run_wsgi_app

    def run_wsgi_app(self, environ, buffered=False):
        app_iter, status, headers = original(self, environ, buffered)
        body = b"".join(app_iter)
        if hasattr(app_iter, "close"):
            app_iter.close()
        url = quote(environ.get("PATH_INFO", "/"))
        if environ.get("QUERY_STRING"):
            url += "?" + environ["QUERY_STRING"]
        _log(environ["REQUEST_METHOD"], url, int(status.split()[0]), dict(headers), body)
        return [body], status, headers

    Client.run_wsgi_app = run_wsgi_app
"""
_FASTAPI_LOG = r"""
import json, os

def pytest_configure(config):
    from starlette.testclient import _TestClientTransport
    original = _TestClientTransport.handle_request

    def handle_request(self, request):
        response = original(self, request)
        body = response.read()
        url = request.url.raw_path.decode("latin-1")
        _log(request.method, url, response.status_code, dict(response.headers), body)
        return response

    _TestClientTransport.handle_request = handle_request
"""
_LOG = r"""
def _log(method, url, status, headers, body):
    test = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]
    headers = {k.lower(): v for k, v in headers.items()}
    with open(os.environ["TOOLSHIFT_BENCH_LOG"], "a", encoding="utf-8") as f:
        f.write(json.dumps({"test": test, "method": method, "url": url, "status": status,
                            "headers": headers, "body": body.decode("utf-8", "replace")}) + "\n")
"""


@dataclass
class Figures:
    app: str
    version: str
    lines: int  # Python lines of the app (tests left out)
    todos: int = 0
    flask_imports_left: int = 0  # `import flask` lines left in the app's converted code
    starts: bool = False
    start_error: str = ""
    tests: str = ""  # pytest's summary on the Flask side
    from_tests: int = 0
    tests_equal: int = 0
    tests_same_status: int = 0
    tests_accepted: int = 0
    tests_regressions: int = 0
    tests_server_errors: int = 0  # requests Flask itself answered with a 500
    probes: int = 0
    probes_equal: int = 0
    regressions: int = 0
    differences: list[str] = field(default_factory=list)  # the first few, for the report
    in_context: int = 0  # Flask-side requests of the test suite, in the tests' own context
    in_context_equal: int = 0  # ... answered the same by the converted suite's request
    converted_tests: str = ""  # pytest's summary of the converted test suite

    @property
    def share(self) -> float:
        return 100.0 * self.tests_equal / self.from_tests if self.from_tests else 0.0


def fetch_sdist(project: str, version: str, sha256: str, cache: Path) -> Path:
    """The sdist from PyPI (its simple index, PEP 691 JSON, gives the file's URL), its sha256
    checked; kept in ``cache``."""

    cache.mkdir(parents=True, exist_ok=True)
    request = urllib.request.Request(
        f"https://pypi.org/simple/{project}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
    )
    with urllib.request.urlopen(request, timeout=60) as resp:
        index = json.load(resp)
    names = {f"{project}-{version}.tar.gz".lower(), f"{project}-{version}.tar.gz"}
    sdist = next(f for f in index["files"] if f["filename"].lower() in names)
    if sdist["hashes"].get("sha256") != sha256:
        raise SystemExit(f"{sdist['filename']}: PyPI lists another sha256 than the pinned one")
    target = cache / sdist["filename"]
    if not target.is_file() or hashlib.sha256(target.read_bytes()).hexdigest() != sha256:
        with urllib.request.urlopen(sdist["url"], timeout=120) as resp:
            data = resp.read()
        digest = hashlib.sha256(data).hexdigest()
        if digest != sha256:
            raise SystemExit(f"{sdist['filename']}: sha256 {digest}, expected {sha256}")
        target.write_bytes(data)
    return target


def service_folder(app: App, sdist: Path, work: Path) -> Path:
    unpacked = work / "unpacked" / sdist.name
    if not unpacked.is_dir():
        with tarfile.open(sdist) as tar:
            tar.extractall(unpacked, filter="data")
    src = unpacked / app.folder
    svc = work / "services" / app.name
    shutil.rmtree(svc, ignore_errors=True)
    svc.mkdir(parents=True)
    for name in app.copy:
        shutil.copytree(src / name, svc / name, ignore=shutil.ignore_patterns("__pycache__"))
    for file, old, new in app.patches:
        path = svc / file
        text = path.read_text(encoding="utf-8")
        if old not in text:
            raise SystemExit(f"{app.name}: patch for {file} does not apply")
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    (svc / "requirements.txt").write_text("\n".join(app.requirements) + "\n", encoding="utf-8")
    (svc / "pytest.ini").write_text("[pytest]\ntestpaths = tests\n", encoding="utf-8")
    git = ["git", "-c", "user.email=bench@example.org", "-c", "user.name=bench"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "the app as shipped"]):
        subprocess.run([*git, *args], cwd=svc, check=True, env=clean_env())
    return svc


def app_lines(svc: Path) -> int:
    return sum(
        len(p.read_text(encoding="utf-8", errors="replace").splitlines())
        for p in svc.rglob("*.py")
        if "tests" not in p.relative_to(svc).parts
        and p.name != "_flask_compat.py"
        and not any(part.startswith(".") for part in p.relative_to(svc).parts)
    )


def make_python(work: Path) -> str:
    venv = work / "venv"
    if not (venv / "bin" / "python").exists():
        uv = uv_path()
        env = clean_env()
        subprocess.run([uv, "venv", "-q", str(venv)], check=True, env=env)
        install = [uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python")]
        subprocess.run([*install, *PINNED], check=True, env=env)
    return str(venv / "bin" / "python")


def measure(app: App, svc: Path, python: str) -> Figures:
    fig = Figures(app.name, f"{app.project} {app.version}", app_lines(svc))
    env = clean_env()
    migrate = subprocess.run(
        [*toolshift_cmd(), "migrate", "--to", "fastapi", str(svc), "--yes"],
        capture_output=True,
        text=True,
        env=env,
    )
    if migrate.returncode != 0:
        raise SystemExit(f"{app.name}: migrate failed:\n{migrate.stdout}{migrate.stderr}")
    for path in svc.rglob("*.py"):
        if any(part.startswith(".") for part in path.relative_to(svc).parts):
            continue  # .toolshift/history: the backups
        text = path.read_text(encoding="utf-8")
        fig.todos += text.count("TODO[toolshift")
        if "tests" not in path.relative_to(svc).parts:
            fig.flask_imports_left += len(re.findall(r"^\s*(?:from|import) flask\b", text, re.M))
    spec = app.spec or find_spec(svc)
    start = subprocess.run(
        [python, "-c", _START, spec],
        cwd=svc,
        capture_output=True,
        text=True,
        env=clean_env({"PYTHONPATH": str(svc)}),
    )
    fig.starts = start.returncode == 0 and start.stdout.strip() == "FastAPI"
    if not fig.starts:
        fig.start_error = (start.stderr.strip().splitlines() or ["?"])[-1]
    verify = [*toolshift_cmd(), "verify", str(svc), "--http", "--python", python]
    verify += ["--format", "json", *(["--app", app.spec] if app.spec else [])]
    proc = subprocess.run(verify, capture_output=True, text=True, env=env)
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        raise SystemExit(f"{app.name}: verify failed:\n{proc.stdout}{proc.stderr}") from None
    reqs = doc.get("requests", [])
    tests = [r for r in reqs if not str(r["source"]).startswith("probe")]
    probes = [r for r in reqs if str(r["source"]).startswith("probe")]
    fig.tests = str(doc.get("tests", ""))
    fig.from_tests = len(tests)
    fig.tests_equal = sum(1 for r in tests if r["verdict"] == "equal")
    fig.tests_same_status = sum(1 for r in tests if r["status_before"] == r["status_after"])
    fig.tests_accepted = sum(1 for r in tests if r["verdict"] == "accepted")
    fig.tests_regressions = sum(1 for r in tests if r["verdict"] == "regression")
    fig.tests_server_errors = sum(1 for r in tests if r["status_before"] == 500)
    fig.probes = len(probes)
    fig.probes_equal = sum(1 for r in probes if r["verdict"] == "equal")
    fig.regressions = int(doc.get("regressions", 0))
    fig.differences = [
        f"{r['method']} {r['url']}: {'; '.join(r['differences'])}"[:160]
        for r in reqs
        if r["verdict"] != "equal"
    ][:8]
    in_context(svc, python, fig)
    return fig


def _logged_run(folder: Path, python: str, plugin: str, work: Path, side: str) -> tuple[list, str]:
    (work / f"_bench_log_{side}.py").write_text(_LOG + plugin, encoding="utf-8")
    log = work / f"{side}.jsonl"
    log.write_text("", encoding="utf-8")
    env = clean_env({"PYTHONPATH": f"{work}:{folder}", "TOOLSHIFT_BENCH_LOG": str(log)})
    argv = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", f"_bench_log_{side}"]
    proc = subprocess.run(argv, cwd=folder, capture_output=True, text=True, env=env)
    lines = proc.stdout.strip().splitlines()
    rows = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines() if x.strip()]
    return rows, (lines[-1].strip("= ") if lines else f"pytest exited {proc.returncode}")


def in_context(svc: Path, python: str, fig: Figures) -> None:
    """Run the Flask test suite (git HEAD) and the converted one, pair their requests."""

    sys.path.insert(0, str(REPO / "src"))
    from toolshift.http_equivalence import Answer, Request, Verdict, compare

    with tempfile.TemporaryDirectory() as tmp:
        before = Path(tmp) / "before"
        subprocess.run(
            ["git", "worktree", "add", "-q", "--detach", str(before), "HEAD"],
            cwd=svc,
            check=True,
            env=clean_env(),
        )
        try:
            old, _ = _logged_run(before, python, _FLASK_LOG, Path(tmp), "flask")
            new, fig.converted_tests = _logged_run(svc, python, _FASTAPI_LOG, Path(tmp), "fastapi")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(before)], cwd=svc)

    def by_test(rows: list[dict[str, object]]) -> dict[str, list[dict[str, object]]]:
        out: dict[str, list[dict[str, object]]] = {}
        for row in rows:
            out.setdefault(str(row["test"]), []).append(row)
        return out

    after = by_test(new)
    for test, rows in by_test(old).items():
        for i, row in enumerate(rows):
            fig.in_context += 1
            other = after.get(test, [])
            if i >= len(other) or other[i]["url"] != row["url"]:
                continue  # the converted test stopped earlier, or asked for something else
            # The two test clients name the host differently (localhost, testserver).
            answers = [
                Answer(
                    int(r["status"]),  # type: ignore[call-overload]
                    dict(r["headers"]),  # type: ignore[call-overload]
                    str(r["body"]).replace("http://testserver", "http://localhost"),
                )
                for r in (row, other[i])
            ]
            request = Request(str(row["method"]), str(row["url"]))
            if compare(request, *answers).verdict is Verdict.EQUAL:
                fig.in_context_equal += 1


def find_spec(svc: Path) -> str:
    sys.path.insert(0, str(REPO / "src"))
    from toolshift.http_equivalence import find_app

    # The converted tree names FastAPI objects; the Flask side is the git HEAD.
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["git", "worktree", "add", "-q", "--detach", tmp, "HEAD"],
            cwd=svc,
            check=True,
            env=clean_env(),
        )
        try:
            return find_app(Path(tmp))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", tmp], cwd=svc, env=clean_env())


def table(figures: Sequence[Figures]) -> str:
    head = (
        "| app | lines | TODO | starts | requests from its tests | same status + body | "
        "same status | accepted | regressions | 500 in Flask | probes equal | "
        "in the tests' context |\n"
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    rows = [
        f"| {f.app} ({f.version}) | {f.lines} | {f.todos} | {'yes' if f.starts else 'NO'} | "
        f"{f.from_tests} | {f.tests_equal} ({f.share:.1f}%) | {f.tests_same_status} | "
        f"{f.tests_accepted} | {f.tests_regressions} | {f.tests_server_errors} | "
        f"{f.probes_equal}/{f.probes} | {f.in_context_equal}/{f.in_context} |"
        for f in figures
    ]
    total = sum(f.from_tests for f in figures)
    equal = sum(f.tests_equal for f in figures)
    share = 100.0 * equal / total if total else 0.0
    overall = f"\noverall: {equal}/{total} requests from the apps' own tests answer with the same "
    overall += f"status and body after conversion ({share:.1f}%)"
    ctx = sum(f.in_context for f in figures)
    ctx_equal = sum(f.in_context_equal for f in figures)
    overall += (
        f"\nin the tests' own context (both test suites run, requests paired): {ctx_equal}/{ctx}"
        f" ({100.0 * ctx_equal / ctx if ctx else 0.0:.1f}%)"
    )
    overall += "".join(f"\n  converted test suite of {f.app}: {f.converted_tests}" for f in figures)
    return head + "\n".join(rows) + overall


def run(names: Sequence[str], python: str | None, work: Path) -> list[Figures]:
    out = []
    exe = str(Path(python).absolute()) if python else make_python(work)
    for app in APPS:
        if names and app.name not in names:
            continue
        sdist = fetch_sdist(app.project, app.version, app.sha256, work / "sdists")
        svc = service_folder(app, sdist, work)
        out.append(measure(app, svc, exe))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", default=[], help="an app name (repeatable)")
    parser.add_argument("--python", help="the interpreter to run the apps (default: a venv)")
    parser.add_argument("--work", type=Path, help="keep the work folder here")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
        figures = run(args.only, args.python, args.work)
    else:
        with tempfile.TemporaryDirectory(prefix="toolshift-flask-") as tmp:
            figures = run(args.only, args.python, Path(tmp))
    if args.json:
        print(json.dumps([{**asdict(f), "share": round(f.share, 1)} for f in figures], indent=2))
    else:
        print(table(figures))
        for f in figures:
            if not f.starts:
                print(f"{f.app}: the converted app does not start: {f.start_error}")
            for d in f.differences:
                print(f"  {f.app}: {d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
