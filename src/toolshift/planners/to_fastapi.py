"""Plan step for ``migrate --to fastapi``: the Flask -> FastAPI codemod as a Plan.

Pure. Takes the ``.py`` files found in ``detected.contents`` (``detect`` itself reads only
packaging, container and CI files: the CLI adds the sources first with
:func:`toolshift.codemods.flask_fastapi.sources.with_python_sources`), converts them with
:func:`toolshift.codemods.flask_fastapi.convert_project`, and swaps the runtime dependencies
(FF011): ``flask``, ``flask-cors`` and ``gunicorn`` leave the requirements files and
``[project] dependencies`` where they are declared; ``fastapi``, ``uvicorn[standard]`` (and
``python-multipart``, ``jinja2`` when used) are added where ``flask`` was, unpinned: the
project's lock (``uv lock``, ``pip-compile``) pins them.

Server commands (FF025, :mod:`toolshift.planners.fastapi_servers`): ``gunicorn`` and
``flask run`` in Dockerfiles, compose files and the ``Procfile`` become ``uvicorn`` commands.

Ordering: source files first (sorted by path), then the helper module, then the packaging
files, then the files that start the server. Bytes are written back with the file's own BOM;
newlines are kept by libcst itself.
"""

from __future__ import annotations

import tomlkit
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PkgRequirement
from tomlkit.items import Array

from toolshift.codemods.flask_fastapi import CodemodOptions, DependencyChanges, convert_project
from toolshift.errors import InputError
from toolshift.model import (
    Detected,
    Diagnostic,
    FileChange,
    MigrateOptions,
    Origin,
    Plan,
    Severity,
    normalize_name,
)
from toolshift.planners.fastapi_servers import server_command_changes
from toolshift.rules import describe
from toolshift.textio import TextFormat, decode, encode

PYPROJECT = "pyproject.toml"


def plan_to_fastapi(detected: Detected, options: MigrateOptions) -> Plan:
    root = detected.project.root
    diagnostics: list[Diagnostic] = []
    texts: dict[str, str] = {}
    formats: dict[str, TextFormat] = {}
    for path, data in sorted(detected.contents.items()):
        if not path.endswith(".py"):
            continue
        try:
            text, fmt = decode(data, path)
        except InputError as exc:
            diagnostics.append(
                Diagnostic(
                    "FF090", Severity.WARNING, f"{exc.message}; left untouched", Origin(path)
                )
            )
            continue
        texts[path] = text
        # libcst keeps every newline as it was; only the BOM needs restoring.
        formats[path] = TextFormat(bom=fmt.bom, newline="\n")
    if not texts:
        diagnostics.append(
            Diagnostic(
                "FF090",
                Severity.WARNING,
                "no Python sources to convert",
                hint="detect reads no .py files: pass the plan "
                "codemods.flask_fastapi.sources.with_python_sources(detected), "
                "from the service folder that holds the Flask app",
            )
        )
        return Plan(root=root, target="fastapi", diagnostics=tuple(diagnostics))

    result = convert_project(texts, CodemodOptions.from_migrate(options))
    diagnostics.extend(result.diagnostics)
    changes: list[FileChange] = []
    for path, change in sorted(result.files.items(), key=lambda kv: (kv[1].old is None, kv[0])):
        fmt = formats.get(path, TextFormat())
        changes.append(
            FileChange(
                path=path,
                old=detected.contents.get(path) if change.old is not None else None,
                new=encode(change.new, fmt),
                rules=change.rules,
                reasons=tuple(describe(r) for r in change.rules),
            )
        )
    if "FF011" not in options.disabled_rules and not result.dependencies.empty:
        changes.extend(_dependency_changes(detected, result.dependencies, diagnostics))
    if "FF025" not in options.disabled_rules and not result.dependencies.empty:
        changes.extend(server_command_changes(detected, texts, diagnostics))
    return Plan(root=root, target="fastapi", changes=tuple(changes), diagnostics=tuple(diagnostics))


# --------------------------------------------------------------------------- FF011


def _key(text: str) -> str | None:
    try:
        return normalize_name(PkgRequirement(text).name)
    except InvalidRequirement:
        return None


def _dependency_changes(
    detected: Detected, deps: DependencyChanges, diagnostics: list[Diagnostic]
) -> list[FileChange]:
    remove = {normalize_name(n) for n in deps.remove}
    out: list[FileChange] = []
    added = False
    for path, req_file in sorted(detected.requirement_files.items()):
        data = detected.contents.get(path)
        if data is None:
            continue
        lines_to_drop = {
            r.origin.line for r in req_file.requirements if r.key in remove and r.origin
        }
        if not lines_to_drop:
            continue
        has_flask = any(r.key == "flask" for r in req_file.requirements)
        new = _edit_requirements(data, lines_to_drop, deps.add if has_flask else ())
        added = added or has_flask
        if new != data:
            out.append(_change(path, data, new))
    pyproject = detected.contents.get(PYPROJECT)
    if pyproject is not None:
        new_pp = _edit_pyproject(pyproject, remove, deps.add)
        if new_pp is not None and new_pp != pyproject:
            out.append(_change(PYPROJECT, pyproject, new_pp))
            added = True
    if deps.add_dev:
        out = _add_dev(detected, deps.add_dev, out, diagnostics)
    if added:
        diagnostics.append(
            Diagnostic(
                "FF011",
                Severity.INFO,
                "added " + ", ".join(deps.add) + " without a version pin",
                hint="lock again (uv lock / pip-compile) to pin them",
            )
        )
    else:
        diagnostics.append(
            Diagnostic(
                "FF011",
                Severity.WARNING,
                "flask is not declared in a requirements file or pyproject.toml",
                hint="add " + ", ".join(deps.add) + " to the project's dependencies",
            )
        )
    return out


DEV_GROUPS = ("dev", "test", "tests", "testing")


def _add_dev(
    detected: Detected,
    add_dev: tuple[str, ...],
    changes: list[FileChange],
    diagnostics: list[Diagnostic],
) -> list[FileChange]:
    """Add the test requirements (httpx for TestClient) to the project's dev/test group."""

    by_path = {c.path: c for c in changes}
    for name in DEV_GROUPS:
        group = detected.project.group(name)
        for path in group.files if group else ():
            req_file = detected.requirement_files.get(path)
            data = detected.contents.get(path)
            if req_file is None or data is None:
                continue
            present = {r.key for r in req_file.requirements}
            missing = tuple(a for a in add_dev if _key(a) not in present)
            if missing:
                current = by_path.get(path)
                base = current.new if current is not None and current.new else data
                by_path[path] = _change(path, data, _edit_requirements(base, set(), missing))
            return list(by_path.values())
    pyproject = by_path[PYPROJECT].new if PYPROJECT in by_path else None
    pyproject = pyproject or detected.contents.get(PYPROJECT)
    if pyproject is not None:
        new = _add_to_group(pyproject, add_dev)
        if new is not None:
            original = detected.contents.get(PYPROJECT, pyproject)
            if new != original:
                by_path[PYPROJECT] = _change(PYPROJECT, original, new)
            return list(by_path.values())
    diagnostics.append(
        Diagnostic(
            "FF011",
            Severity.INFO,
            "the converted tests use Starlette's TestClient",
            hint="add " + ", ".join(add_dev) + " to your test dependencies",
        )
    )
    return list(by_path.values())


def _add_to_group(data: bytes, add: tuple[str, ...]) -> bytes | None:
    text, fmt = decode(data, PYPROJECT)
    try:
        doc = tomlkit.parse(text)
    except Exception:
        return None
    groups = doc.get("dependency-groups")
    if groups is None:
        return None
    for name in DEV_GROUPS:
        arr = groups.get(name)
        if isinstance(arr, Array):
            present = {_key(str(item)) for item in arr if isinstance(item, str)}
            for req in add:
                if _key(req) not in present:
                    arr.append(req)
            return encode(tomlkit.dumps(doc), TextFormat(bom=fmt.bom, newline="\n"))
    return None


def _change(path: str, old: bytes, new: bytes) -> FileChange:
    return FileChange(path, old, new, ("FF011",), (describe("FF011"),))


def _edit_requirements(data: bytes, drop: set[int], add: tuple[str, ...]) -> bytes:
    """Drop whole requirement lines (with their continuations); append ``add`` at the end."""

    text, fmt = decode(data)
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    dropping = False
    for number, line in enumerate(lines, start=1):
        if number in drop or dropping:
            dropping = line.rstrip("\r\n").endswith("\\")
            continue
        kept.append(line)
    if add:
        if kept and not kept[-1].endswith(("\n", "\r")):
            kept[-1] += fmt.newline
        kept.extend(f"{req}{fmt.newline}" for req in add)
    return encode("".join(kept), TextFormat(bom=fmt.bom, newline="\n"))


def _edit_pyproject(data: bytes, remove: set[str], add: tuple[str, ...]) -> bytes | None:
    text, fmt = decode(data, PYPROJECT)
    try:
        doc = tomlkit.parse(text)
    except Exception:  # tomlkit raises several error types; the packaging planners report it
        return None
    project = doc.get("project")
    deps = project.get("dependencies") if project is not None else None
    if not isinstance(deps, Array):
        return None
    keys = [_key(str(item)) for item in deps]
    if "flask" not in keys:
        return None
    for index in reversed(range(len(keys))):
        if keys[index] in remove:
            del deps[index]
    present = {_key(str(item)) for item in deps}
    for req in add:
        if _key(req) not in present:
            deps.append(req)
    return encode(tomlkit.dumps(doc), TextFormat(bom=fmt.bom, newline="\n"))
