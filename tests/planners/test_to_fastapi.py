"""plan_to_fastapi: the codemod as a Plan (sources, helper, dependency swap), and on disk."""

from __future__ import annotations

from pathlib import Path

from toolshift.codemods.flask_fastapi.sources import read_python_sources, with_python_sources
from toolshift.model import (
    ChangeKind,
    Detected,
    MigrateOptions,
    Origin,
    Project,
    Requirement,
    RequirementsFile,
    Tool,
)
from toolshift.planners import get_planner
from toolshift.planners.to_fastapi import plan_to_fastapi

APP = (
    "from flask import Flask, jsonify\r\n\r\napp = Flask(__name__)\r\n\r\n\r\n"
    "@app.route('/items/<int:i>')\r\ndef item(i):\r\n    return jsonify(id=i), 200\r\n"
)
REQS = "flask==3.0.3\nflask-cors==4.0.1  # cors\ngunicorn==22.0.0\nrequests==2.32.3\n"


def detected(
    contents: dict[str, bytes], reqs: dict[str, RequirementsFile] | None = None
) -> Detected:
    project = Project(root="/srv/svc", name="svc", tool=Tool.PIP)
    return Detected(project=project, contents=contents, requirement_files=reqs or {})


def req_file(path: str, text: str) -> RequirementsFile:
    reqs = []
    for number, line in enumerate(text.splitlines(), start=1):
        name = line.split("==")[0]
        reqs.append(Requirement(name=name, origin=Origin(path, number, line)))
    return RequirementsFile(path=path, requirements=tuple(reqs))


def options(**kw: object) -> MigrateOptions:
    return MigrateOptions(target="fastapi", **kw)  # type: ignore[arg-type]


def test_registered_under_fastapi() -> None:
    assert get_planner("fastapi") is plan_to_fastapi


def test_plan_converts_sources_adds_helper_and_swaps_dependencies() -> None:
    contents = {
        "app.py": b"\xef\xbb\xbf" + APP.encode(),
        "requirements.txt": REQS.encode(),
        "README.md": b"# svc\n",
    }
    plan = plan_to_fastapi(
        detected(contents, {"requirements.txt": req_file("requirements.txt", REQS)}), options()
    )
    by_path = {c.path: c for c in plan.changes}
    assert [c.path for c in plan.changes] == ["app.py", "_flask_compat.py", "requirements.txt"]
    app = by_path["app.py"]
    assert app.kind is ChangeKind.MODIFY and app.old == contents["app.py"]
    assert app.new is not None and app.new.startswith(b"\xef\xbb\xbf")  # BOM kept
    new_text = app.new.decode("utf-8-sig")
    assert "\n" not in new_text.replace("\r\n", "")  # CRLF kept
    assert "@app.get('/items/{i:int}')\r\ndef item(i: int):" in new_text
    assert "FF003" in app.rules and app.reasons
    assert by_path["_flask_compat.py"].kind is ChangeKind.CREATE
    reqs = by_path["requirements.txt"].new
    assert reqs == (b"requests==2.32.3\nfastapi\nuvicorn[standard]\n")
    assert any(d.code == "FF011" for d in plan.diagnostics)


def test_pyproject_dependencies_swapped() -> None:
    pyproject = (
        '[project]\nname = "svc"\ndependencies = [\n    "Flask>=3",\n    "gunicorn",\n'
        '    "requests",\n]\n'
    )
    contents = {
        "app.py": b"from flask import Flask\napp = Flask(__name__)\n",
        "pyproject.toml": pyproject.encode(),
    }
    plan = plan_to_fastapi(detected(contents), options())
    (pp,) = [c for c in plan.changes if c.path == "pyproject.toml"]
    assert pp.new is not None
    text = pp.new.decode()
    assert '"Flask>=3"' not in text and '"gunicorn"' not in text
    assert '"requests"' in text and '"fastapi"' in text and '"uvicorn[standard]"' in text
    assert text.startswith('[project]\nname = "svc"\n')


def test_disabled_ff011_keeps_packaging_files() -> None:
    contents = {"app.py": b"from flask import Flask\napp = Flask(__name__)\n"}
    contents["requirements.txt"] = REQS.encode()
    reqs = {"requirements.txt": req_file("requirements.txt", REQS)}
    plan = plan_to_fastapi(detected(contents, reqs), options(disabled_rules=frozenset({"FF011"})))
    assert [c.path for c in plan.changes] == ["app.py", "_flask_compat.py"]


def test_no_sources_gives_an_empty_plan_with_a_diagnostic() -> None:
    plan = plan_to_fastapi(detected({"requirements.txt": b"flask\n"}), options())
    assert plan.empty
    assert [d.code for d in plan.diagnostics] == ["FF090"]


def test_nothing_flask_nothing_planned() -> None:
    plan = plan_to_fastapi(detected({"tool.py": b"print('hi')\n"}), options())
    assert plan.empty and plan.diagnostics == ()


def test_read_python_sources_skips_ignored_and_venvs(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / ".venv" / "lib").mkdir(parents=True)
    (tmp_path / ".venv" / "lib" / "flask.py").write_text("")
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "big.py").write_text("")
    (tmp_path / "env2").mkdir()
    (tmp_path / "env2" / "pyvenv.cfg").write_text("")
    (tmp_path / "env2" / "x.py").write_text("")
    (tmp_path / ".gitignore").write_text("generated/\n")
    assert sorted(read_python_sources(tmp_path)) == ["app.py", "pkg/__init__.py"]


def test_end_to_end_detect_plan_apply_undo(tmp_path: Path) -> None:
    from toolshift.apply import apply_plan, undo
    from toolshift.detect import detect

    (tmp_path / "requirements.txt").write_text(REQS)
    (tmp_path / "app.py").write_bytes(APP.encode())
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    found = with_python_sources(detect(tmp_path))
    plan = plan_to_fastapi(found, options())
    assert {c.path for c in plan.changes} == {"app.py", "_flask_compat.py", "requirements.txt"}
    apply_plan(plan, command="migrate --to fastapi")
    assert b"app = FastAPI(" in (tmp_path / "app.py").read_bytes()
    assert (tmp_path / "_flask_compat.py").exists()
    assert b"fastapi\n" in (tmp_path / "requirements.txt").read_bytes()
    # A second plan over the converted project has nothing left to do.
    again = plan_to_fastapi(with_python_sources(detect(tmp_path)), options())
    assert again.changes == ()
    undo(tmp_path)
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name != ".toolshift"}
    assert after == before


EXAMPLE = Path(__file__).parent.parent.parent / "examples" / "flask-service"


def test_bundled_example_converts_without_todo(tmp_path: Path) -> None:
    import shutil

    from toolshift.detect import detect
    from toolshift.model import Severity

    shutil.copytree(EXAMPLE, tmp_path / "svc", ignore=shutil.ignore_patterns("__pycache__"))
    plan = plan_to_fastapi(with_python_sources(detect(tmp_path / "svc")), options())
    problems = [d.render() for d in plan.diagnostics if d.severity is not Severity.INFO]
    assert problems == []
    by_path = {c.path: c for c in plan.changes}
    assert by_path["requirements.txt"].new == (
        b"fastapi\nuvicorn[standard]\npython-multipart\njinja2\nitsdangerous\n"
    )
    assert by_path["requirements-dev.txt"].new == b"-r requirements.txt\npytest==8.3.5\nhttpx\n"
    assert by_path["shop/_flask_compat.py"].kind is ChangeKind.CREATE
    assert {"shop/__init__.py", "shop/api.py", "shop/pages.py", "tests/test_shop.py"} <= set(
        by_path
    )
