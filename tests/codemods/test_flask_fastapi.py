"""Flask -> FastAPI codemod: fixture pairs per rule, untouched inputs, idempotence, diagnostics.

Each ``tests/fixtures/flask_fastapi/<case>/before/`` folder is converted as one project and
compared file by file with ``after/`` (files missing from the result are expected unchanged).
Cases whose name ends in ``_idiomatic`` use ``style="idiomatic"``.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from toolshift.codemods.flask_fastapi import (
    CodemodOptions,
    CodemodResult,
    compat_source,
    convert_project,
)
from toolshift.model import MigrateOptions
from toolshift.rules import RULES

ROOT = Path(__file__).parent.parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "flask_fastapi"
CASES = sorted(
    p.name for p in FIXTURES.iterdir() if (p / "before").is_dir() or (p / "source.txt").is_file()
)


def before_dir(case: str) -> Path:
    """``before/``, or the folder ``source.txt`` names (the bundled example is its own input)."""

    source = FIXTURES / case / "source.txt"
    if source.is_file():
        return ROOT / source.read_text(encoding="utf-8").strip()
    return FIXTURES / case / "before"


def read_tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*.py"))
    }


def options_for(case: str) -> CodemodOptions:
    return CodemodOptions(style="idiomatic" if case.endswith("_idiomatic") else "compatible")


def apply(files: dict[str, str], result: CodemodResult) -> dict[str, str]:
    out = dict(files)
    for path, change in result.files.items():
        out[path] = change.new
    return out


@functools.cache
def converted(case: str) -> tuple[dict[str, str], CodemodResult]:
    """Each case converted once for the tests below (libcst metadata is not cheap)."""

    before = read_tree(before_dir(case))
    return before, convert_project(before, options_for(case))


def convert(files: dict[str, str], **kw: object) -> CodemodResult:
    return convert_project(files, CodemodOptions(**kw))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- fixture pairs


@pytest.mark.parametrize("case", CASES)
def test_fixture_pair(case: str) -> None:
    before, result = converted(case)
    expected = read_tree(FIXTURES / case / "after")
    got = apply(before, result)
    for path, text in expected.items():
        assert got[path] == text, f"{case}/{path}"
    # Only the helper may be created; it is toolshift's module, byte for byte.
    created = {p for p, f in result.files.items() if f.old is None}
    assert all(p.endswith("_flask_compat.py") for p in created)
    for path in created:
        assert result.files[path].new == compat_source()
    assert set(result.rules) <= set(RULES)
    assert not [d for d in result.diagnostics if d.code == "FF090"]


@pytest.mark.parametrize("case", CASES)
def test_idempotent(case: str) -> None:
    once = apply(*converted(case))
    again = convert_project(once, options_for(case))
    assert again.files == {}


@pytest.mark.parametrize("case", CASES)
def test_converted_code_compiles(case: str) -> None:
    for path, text in apply(*converted(case)).items():
        compile(text, path, "exec")


# --------------------------------------------------------------------------- untouched inputs

UNTOUCHED = {
    "no_flask": "import json\n\n\ndef handler(request):\n    return json.dumps(request.args)\n",
    "own_route_decorator": (
        "from myrouter import app\n\n\n@app.route('/x', methods=['GET'])\n"
        "def x():\n    return 'text', 201\n"
    ),
    "own_jsonify": "from mylib import jsonify, abort\n\nabort(404)\nx = jsonify({'a': 1})\n",
    "already_fastapi": (
        "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/items/{i:int}')\n"
        "def item(i: int):\n    return {'i': i}\n"
    ),
    "shadowed_request": (
        "from flask import Flask\n\napp = Flask(__name__)\n\n\ndef helper(request):\n"
        "    return request.args\n"
    ),
}


@pytest.mark.parametrize("name", sorted(UNTOUCHED))
def test_untouched(name: str) -> None:
    text = UNTOUCHED[name]
    files = {"mod.py": text}
    result = convert(files)
    if name == "shadowed_request":
        # Flask() changes, the local parameter named request does not.
        new = result.text("mod.py")
        assert new is not None
        assert "def helper(request):\n    return request.args\n" in new
        assert "FlaskRequest" not in new
        assert result.todos == ()
    else:
        assert result.files == {}
        assert result.todos == ()
        assert result.dependencies.empty


def test_non_python_files_are_ignored() -> None:
    result = convert({"README.md": "from flask import Flask\napp = Flask(__name__)\n"})
    assert result.files == {}


def test_unparsable_file_left_untouched_with_diagnostic() -> None:
    files = {
        "broken.py": "from flask import Flask\napp = Flask(__name__\n",
        "ok.py": "from flask import Flask\napp = Flask(__name__)\n",
    }
    result = convert(files)
    assert "broken.py" not in result.files
    assert result.text("ok.py") == (
        "import _flask_compat\nfrom fastapi import FastAPI\n\n"
        "app = FastAPI(redirect_slashes=False, exception_handlers=_flask_compat.error_pages())\n"
        "app.add_middleware(_flask_compat.FlaskRouting)\n"
    )
    (diag,) = [d for d in result.diagnostics if d.code == "FF090"]
    assert diag.origin is not None and diag.origin.path == "broken.py"
    assert "left untouched" in diag.message


# --------------------------------------------------------------------------- details


def test_crlf_kept() -> None:
    text = (
        "from flask import Flask, jsonify\r\n\r\napp = Flask(__name__)\r\n\r\n\r\n"
        "@app.route('/a')\r\ndef a():\r\n    return jsonify(x=1), 201\r\n"
    )
    new = convert({"app.py": text}).text("app.py")
    assert new is not None
    assert "\n" not in new.replace("\r\n", "")
    assert "@app.get('/a')\r\n" in new


def test_name_resolution_through_aliases() -> None:
    text = (
        "import flask as f\nfrom flask import jsonify as J, request as rq\n\n"
        "application = f.Flask(__name__)\n\n\n@application.route('/')\ndef home():\n"
        "    return J(agent=rq.headers.get('user-agent'))\n"
    )
    new = convert({"app.py": text}).text("app.py")
    assert new is not None
    assert "application = FastAPI(redirect_slashes=False, exception_handlers=" in new
    assert "@application.get('/')" in new
    assert "def home(rq: _flask_compat.FlaskRequest):" in new
    assert "_flask_compat.jsonify(agent=rq.headers.get('user-agent'))" in new
    assert "flask" not in new.replace("_flask_compat", "")


def test_registration_prefix_replaces_blueprint_prefix_only_when_always_given() -> None:
    files = {
        "views.py": (
            "from flask import Blueprint\nbp = Blueprint('b', __name__, url_prefix='/own')\n"
        ),
        "app.py": (
            "from flask import Flask\nfrom views import bp\napp = Flask(__name__)\n"
            "app.register_blueprint(bp, url_prefix='/v1')\napp.register_blueprint(bp)\n"
        ),
    }
    result = convert(files)
    views = result.text("views.py")
    assert views is not None and "bp = APIRouter(prefix='/own')" in views
    assert any(t.rule == "FF002" and t.path == "views.py" for t in result.todos)


def test_disabled_rule_is_not_applied() -> None:
    text = "from flask import Flask, abort\napp = Flask(__name__)\nabort(404)\n"
    result = convert({"app.py": text}, disabled_rules=frozenset({"FF006"}))
    new = result.text("app.py")
    assert new is not None
    assert "abort(404)" in new and "HTTPException" not in new
    assert "from flask import abort" in new  # still used, so still imported


def test_todo_markers_listed_with_lines() -> None:
    before = read_tree(before_dir("todo_markers"))
    result = convert_project(before)
    rules = {t.rule for t in result.todos}
    assert {"FF020", "FF022", "FF023", "FF024"} <= rules
    for todo in result.todos:
        assert todo.line > 0
        line = before[todo.path].splitlines()[todo.line - 1]
        assert line.strip(), todo
    assert all(d.severity.value == "warning" for d in result.diagnostics if d.code == "FF020")


def test_dependency_changes() -> None:
    forms = read_tree(before_dir("ff004_request"))
    deps = convert_project(forms).dependencies
    assert deps.remove == ("flask", "flask-cors", "gunicorn")
    assert deps.add == ("fastapi", "uvicorn[standard]", "python-multipart")
    cors = convert_project(read_tree(before_dir("ff010_cors"))).dependencies
    assert "python-multipart" not in cors.add
    templates = convert_project(read_tree(before_dir("todo_markers"))).dependencies
    assert "jinja2" in templates.add


def test_helper_goes_into_the_top_level_package() -> None:
    files = {
        "src/svc/__init__.py": "",
        "src/svc/api/__init__.py": "",
        "src/svc/api/views.py": (
            "from flask import Flask, jsonify\napp = Flask(__name__)\n\n\n@app.route('/')\n"
            "def v():\n    return jsonify(a=1)\n"
        ),
    }
    result = convert(files)
    assert "src/svc/_flask_compat.py" in result.files
    views = result.text("src/svc/api/views.py")
    assert views is not None and "from .. import _flask_compat" in views


def test_idiomatic_style_writes_no_helper() -> None:
    before = read_tree(before_dir("ff005_returns_idiomatic"))
    result = convert_project(before, CodemodOptions(style="idiomatic"))
    assert not any(p.endswith("_flask_compat.py") for p in result.files)
    assert "_flask_compat" not in (result.text("app.py") or "")


def test_migrate_options_accepted() -> None:
    text = "from flask import Flask, abort\napp = Flask(__name__)\nabort(404)\n"
    opts = MigrateOptions(target="fastapi", disabled_rules=frozenset({"FF001"}))
    new = convert_project({"app.py": text}, opts).text("app.py")
    assert new is not None and "Flask(__name__)" in new and "raise HTTPException" in new


def test_every_rule_the_codemod_uses_is_described() -> None:
    import re

    import toolshift.codemods.flask_fastapi as package
    import toolshift.planners.to_fastapi as planner

    sources = [Path(planner.__file__), *Path(package.__file__).parent.glob("*.py")]
    used = {m for p in sources for m in re.findall(r"FF0\d\d", p.read_text(encoding="utf-8"))}
    assert used >= {f"FF0{n:02d}" for n in range(1, 18)}
    assert used <= set(RULES), sorted(used - set(RULES))


def test_unknown_flask_names_and_app_attributes_are_marked() -> None:
    text = (
        "import flask\nfrom flask import Flask, stream_template\napp = Flask(__name__)\n"
        "app.jinja_env.filters['x'] = str\n"
        "def helper():\n    return stream_template('a.html'), flask.has_request_context()\n"
    )
    result = convert({"app.py": text})
    messages = {t.message.split(" ")[0] for t in result.todos}
    assert {"flask.stream_template", "flask.has_request_context", "app.jinja_env"} <= messages
    new = result.text("app.py")
    assert new is not None and "from flask import stream_template" in new  # still used


def test_idiomatic_abort_statement_raises_without_todo() -> None:
    text = (
        "from flask import Flask, abort\napp = Flask(__name__)\nabort(404)\nx = 1 or abort(410)\n"
    )
    result = convert({"app.py": text}, style="idiomatic")
    new = result.text("app.py")
    assert new is not None and "raise HTTPException(status_code=404)" in new
    assert [t.line for t in result.todos if t.rule == "FF006"] == [4]


def test_existing_helper_is_never_overwritten() -> None:
    app = "from flask import Flask, jsonify\napp = Flask(__name__)\nx = jsonify(a=1)\n"
    same = convert({"app.py": app, "_flask_compat.py": compat_source()})
    assert "_flask_compat.py" not in same.files
    assert not [d for d in same.diagnostics if d.code == "FF012"]
    edited = compat_source() + "\n# mine\n"
    result = convert({"app.py": app, "_flask_compat.py": edited})
    assert "_flask_compat.py" not in result.files
    (diag,) = [d for d in result.diagnostics if d.code == "FF012"]
    assert "differs" in diag.message
    foreign = convert({"app.py": app, "_flask_compat.py": "x = 1\n"})
    assert "_flask_compat.py" not in foreign.files
    assert any("is not toolshift's helper" in d.message for d in foreign.diagnostics)
