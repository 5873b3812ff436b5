"""Render step for ``pyproject.toml``: apply a set of additions to the user's file with tomlkit.

Pure: text in, text out. The existing document is edited in place, never re-serialised from
scratch, so comments, key order and formatting survive; new tables go at the end. Everything is
*merged*: a dependency whose (normalised) name is already listed keeps the user's text, and a
different specifier for it is reported as a conflict instead of being written twice. Rendering
the same edits onto its own output changes nothing (idempotence).

Newlines: tomlkit writes ``\\n`` for new lines; :func:`toolshift.textio.encode` turns them into
the file's own newline style, so CRLF files stay CRLF.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

import tomlkit
from tomlkit.container import OutOfOrderTableProxy
from tomlkit.items import AoT, Array, String, Table
from tomlkit.toml_document import TOMLDocument

from toolshift.errors import ParseError
from toolshift.model import Diagnostic, Origin, Severity, normalize_name

# --------------------------------------------------------------------------- what to add


@dataclass(frozen=True)
class Dep:
    """One PEP 508 string for a dependency list, with the comments that travel with it."""

    text: str
    comment: str = ""  # inline comment, without "#"
    above: tuple[str, ...] = ()  # comment lines to put above it, without "#"
    origin: Origin | None = None


@dataclass(frozen=True)
class GroupInclude:
    """``{include-group = "name"}`` inside a PEP 735 dependency group."""

    group: str


GroupItem = Dep | GroupInclude
SettingValue = bool | str | tuple[str, ...]


@dataclass(frozen=True)
class UvIndex:
    name: str
    url: str
    default: bool = False
    format: str = ""  # "flat" for find-links
    explicit: bool = False


@dataclass(frozen=True)
class UvSource:
    """One ``[tool.uv.sources]`` entry: ``package = { git = ..., rev = ... }``."""

    package: str
    fields: tuple[tuple[str, str | bool], ...]


@dataclass(frozen=True)
class PyprojectEdits:
    """Everything a planner wants in ``pyproject.toml``. Empty fields add nothing."""

    name: str
    version: str = "0.1.0"
    requires_python: str | None = None
    dependencies: tuple[Dep, ...] = ()
    extras: tuple[tuple[str, tuple[Dep, ...]], ...] = ()
    groups: tuple[tuple[str, tuple[GroupItem, ...]], ...] = ()
    constraints: tuple[Dep, ...] = ()
    indexes: tuple[UvIndex, ...] = ()
    sources: tuple[UvSource, ...] = ()
    uv_settings: tuple[tuple[str, SettingValue], ...] = ()  # [tool.uv] key = value
    dynamic: tuple[str, ...] = ()  # [project] fields a build backend computes ("version")


# Sections reported in RenderResult.added, so the planner can name the rule behind each change.
PROJECT = "project"
DEPENDENCIES = "project.dependencies"
EXTRAS = "project.optional-dependencies"
GROUPS = "dependency-groups"
CONSTRAINTS = "tool.uv.constraint-dependencies"
INDEXES = "tool.uv.index"
SOURCES = "tool.uv.sources"
SETTINGS = "tool.uv"


@dataclass(frozen=True)
class RenderResult:
    text: str
    added: tuple[str, ...] = ()  # section names above where something was added
    diagnostics: tuple[Diagnostic, ...] = ()


# --------------------------------------------------------------------------- helpers


def _requirement_key(text: str) -> tuple[str, str] | None:
    """(normalised name, specifier) of a PEP 508 string, or None when it is not one."""

    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(text)
    except InvalidRequirement:
        return None
    return normalize_name(req.name), str(req.specifier)


def _same_specifier(a: str, b: str) -> bool:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return SpecifierSet(a) == SpecifierSet(b)
    except InvalidSpecifier:
        return a.replace(" ", "") == b.replace(" ", "")


def _toml_string(text: str) -> String:
    # A marker full of double quotes reads better as a literal string than escaped.
    literal = '"' in text and "'" not in text and "\n" not in text
    return tomlkit.string(text, literal=literal)


def _is_multiline(arr: Array) -> bool:
    return "\n" in arr.as_string()


def _clean_comment(text: str) -> str:
    return " ".join(text.replace("\r", " ").replace("\n", " ").split())


def _new_array(items: Iterable[Dep | GroupInclude]) -> Array:
    arr = tomlkit.array()
    for item in items:
        _add_item(arr, item)
    arr.add_line(indent="")
    return arr


def _add_item(arr: Array, item: Dep | GroupInclude) -> None:
    if isinstance(item, GroupInclude):
        table = tomlkit.inline_table()
        table["include-group"] = item.group
        arr.add_line(table)
        return
    for line in item.above:
        arr.add_line(comment=_clean_comment(line) or None)
    comment = _clean_comment(item.comment)
    arr.add_line(_toml_string(item.text), comment=comment or None)


def _table(doc: TOMLDocument | Table, key: str, *, super_table: bool = False) -> Table:
    if key not in doc:
        doc[key] = tomlkit.table(is_super_table=super_table)
    value = doc[key]
    if isinstance(value, OutOfOrderTableProxy):
        # [tool.x] tables split by another table ([build-system]): the proxy edits them in place
        return cast(Table, value)
    if not isinstance(value, Table):
        raise ParseError(
            f"`{key}` is not a table",
            path="pyproject.toml",
            hint=f"make `{key}` a [table], or remove it, and run again",
        )
    return value


def _existing_items(arr: Array) -> tuple[dict[str, str], set[str]]:
    """Existing requirement strings by normalised name, and included group names."""

    reqs: dict[str, str] = {}
    includes: set[str] = set()
    for item in arr:
        if isinstance(item, str):
            key = _requirement_key(str(item))
            reqs[key[0] if key else str(item)] = str(item)
        elif isinstance(item, dict) and "include-group" in item:
            includes.add(str(item["include-group"]))
    return reqs, includes


class _Renderer:
    def __init__(self, doc: TOMLDocument, path: str) -> None:
        self.doc = doc
        self.path = path
        self.added: list[str] = []
        self.diagnostics: list[Diagnostic] = []

    def mark(self, section: str) -> None:
        if section not in self.added:
            self.added.append(section)

    def conflict(self, where: str, existing: str, wanted: Dep) -> None:
        self.diagnostics.append(
            Diagnostic(
                code="TS101",
                severity=Severity.WARNING,
                message=f"{where} already has {existing!r}; kept it instead of {wanted.text!r}",
                origin=wanted.origin,
                hint="the two specifiers differ: check which one the service needs",
            )
        )

    def merge_list(self, parent: Table, key: str, items: Iterable[GroupItem], section: str) -> None:
        wanted = list(items)
        if not wanted:
            return
        where = f"{section}.{key}" if section in (EXTRAS, GROUPS) else section
        if key not in parent:
            parent[key] = _new_array(wanted)
            self.mark(section)
            return
        arr = parent[key]
        if not isinstance(arr, Array):
            raise ParseError(f"`{where}` is not an array", path=self.path)
        reqs, includes = _existing_items(arr)
        constraint_texts: dict[str, list[str]] = {}
        if section == CONSTRAINTS:
            for item in arr:
                if isinstance(item, str) and (rk := _requirement_key(str(item))):
                    constraint_texts.setdefault(rk[0], []).append(str(item))
        todo: list[GroupItem] = []
        for item in wanted:
            if isinstance(item, GroupInclude):
                if item.group not in includes:
                    includes.add(item.group)
                    todo.append(item)
                continue
            parsed = _requirement_key(item.text)
            k = parsed[0] if parsed else item.text
            if k in reqs:
                old = _requirement_key(reqs[k])
                if parsed and old and not _same_specifier(parsed[1], old[1]):
                    if section == CONSTRAINTS:
                        # constraints intersect: a second one on the same name adds to the
                        # first (a pin beside a floor), unless the same specifier is there
                        same = [
                            t
                            for t in constraint_texts.get(k, [reqs[k]])
                            if (o := _requirement_key(t)) and _same_specifier(parsed[1], o[1])
                        ]
                        if not same:
                            constraint_texts.setdefault(k, [reqs[k]]).append(item.text)
                            todo.append(item)
                        continue
                    self.conflict(where, reqs[k], item)
                continue
            reqs[k] = item.text
            todo.append(item)
        if not todo:
            return
        self.mark(section)
        if _is_multiline(arr) or not len(arr):
            was_empty = not len(arr)
            for item in todo:
                _add_item(arr, item)
            if was_empty:
                arr.add_line(indent="")
            return
        # A one-line array becomes a multi-line one: its items are plain strings, no comments.
        merged: list[GroupItem] = []
        for old_item in arr:
            if isinstance(old_item, str):
                merged.append(Dep(str(old_item)))
            elif isinstance(old_item, dict) and "include-group" in old_item:
                merged.append(GroupInclude(str(old_item["include-group"])))
        parent[key] = _new_array([*merged, *todo])

    def project(self, edits: PyprojectEdits) -> None:
        creating = "project" not in self.doc
        project = _table(self.doc, "project")
        dynamic = [str(x) for x in project.get("dynamic", [])]
        if "name" not in project:
            project["name"] = edits.name
            self.mark(PROJECT)
        if "version" not in project and "version" not in dynamic:
            if "version" in edits.dynamic:
                if "dynamic" in project:
                    arr = project["dynamic"]
                    assert isinstance(arr, Array)
                    arr.append("version")
                else:
                    project["dynamic"] = ["version"]
            else:
                project["version"] = edits.version
            self.mark(PROJECT)
        if edits.requires_python and "requires-python" not in project:
            project["requires-python"] = edits.requires_python
            self.mark(PROJECT)
        if creating:
            self.mark(PROJECT)
        if edits.dependencies and "dependencies" in dynamic:
            self.undynamic(project)
        for field_name in ("dependencies", "optional-dependencies"):
            if field_name in edits.dynamic and field_name not in project:
                arr = project.get("dynamic")
                if isinstance(arr, Array):
                    if field_name not in [str(x) for x in arr]:
                        arr.append(field_name)
                else:
                    project["dynamic"] = [field_name]
                self.mark(PROJECT)
        if edits.dependencies:
            self.merge_list(project, "dependencies", edits.dependencies, DEPENDENCIES)
        elif creating and "dependencies" not in edits.dynamic:
            project["dependencies"] = tomlkit.array()
        if edits.extras:
            extras = _table(project, "optional-dependencies")
            for name, deps in edits.extras:
                self.merge_list(extras, name, deps, EXTRAS)

    def undynamic(self, project: Table) -> None:
        """``dynamic = ["dependencies"]`` read from a requirements file: now they are static."""

        arr = project["dynamic"]
        assert isinstance(arr, Array)
        for i, item in enumerate(list(arr)):
            if str(item) == "dependencies":
                del arr[i]
                break
        if not len(arr):
            del project["dynamic"]
        tool = self.doc.get("tool")
        setuptools = tool.get("setuptools") if isinstance(tool, Table) else None
        dyn = setuptools.get("dynamic") if isinstance(setuptools, Table) else None
        if isinstance(dyn, Table) and "dependencies" in dyn:
            del dyn["dependencies"]
        self.mark(DEPENDENCIES)
        self.diagnostics.append(
            Diagnostic(
                code="TS101",
                severity=Severity.INFO,
                message="`dependencies` was dynamic (read from a requirements file); it is now "
                "listed in [project] and no longer dynamic",
                origin=Origin(self.path),
            )
        )

    def groups(self, edits: PyprojectEdits) -> None:
        if not edits.groups:
            return
        table = _table(self.doc, "dependency-groups")
        for name, items in edits.groups:
            self.merge_list(table, name, items, GROUPS)

    def tool_uv(self, edits: PyprojectEdits) -> None:
        if not (edits.uv_settings or edits.constraints or edits.indexes or edits.sources):
            return
        tool = _table(self.doc, "tool", super_table=True)
        uv = _table(tool, "uv")
        for key, value in edits.uv_settings:
            self.setting(uv, key, value)
        if edits.constraints:
            self.merge_list(uv, "constraint-dependencies", edits.constraints, CONSTRAINTS)
        if edits.sources:
            sources = _table(uv, "sources")
            for src in edits.sources:
                if any(normalize_name(str(k)) == normalize_name(src.package) for k in sources):
                    continue
                entry = tomlkit.inline_table()
                for k, v in src.fields:
                    entry[k] = v
                sources[src.package] = entry
                self.mark(SOURCES)
        if edits.indexes:
            self.indexes(uv, edits.indexes)

    def setting(self, uv: Table, key: str, value: SettingValue) -> None:
        if isinstance(value, tuple):
            current = uv.get(key)
            if current is None:
                arr = tomlkit.array()
                arr.extend(value)
                uv[key] = arr
                self.mark(SETTINGS)
            elif isinstance(current, Array):
                have = {normalize_name(str(x)) for x in current}
                for v in value:
                    if normalize_name(v) not in have:
                        current.append(v)
                        self.mark(SETTINGS)
            return
        if key not in uv:
            uv[key] = value
            self.mark(SETTINGS)
        elif uv[key] != value:
            self.diagnostics.append(
                Diagnostic(
                    code="TS101",
                    severity=Severity.WARNING,
                    message=f"[tool.uv] {key} is already {uv[key]!r}; kept it instead of {value!r}",
                    origin=Origin(self.path),
                )
            )

    def indexes(self, uv: Table, indexes: Iterable[UvIndex]) -> None:
        current = uv.get("index")
        first: Table | None = None
        created = current is None
        if current is None:
            current = tomlkit.aot()
            uv["index"] = current
        if not isinstance(current, AoT):
            raise ParseError("`tool.uv.index` is not an array of tables", path=self.path)
        last: Table | None = None
        urls = {str(t.get("url", "")).rstrip("/") for t in current}
        names = {str(t.get("name", "")) for t in current}
        for index in indexes:
            if index.url.rstrip("/") in urls:
                continue
            name = index.name
            n = 2
            while name in names:
                name, n = f"{index.name}-{n}", n + 1
            names.add(name)
            urls.add(index.url.rstrip("/"))
            t = tomlkit.table()
            t["name"] = name
            t["url"] = index.url
            if index.format:
                t["format"] = index.format
            if index.default:
                t["default"] = True
            if index.explicit:
                t["explicit"] = True
            first = first or t
            current.append(t)
            last = t
            self.mark(INDEXES)
        # tomlkit does not always separate a new array of tables from its neighbours.
        header = "[[tool.uv.index]]"
        text = self.doc.as_string()
        if first is not None and created:
            at = text.find(header)
            if at > 0 and not text[:at].endswith("\n\n"):
                first.trivia.indent = "\n"
        if last is not None:
            text = self.doc.as_string()
            end = text.rfind(header)
            body = last.as_string()
            at = text.find(body, end)
            if end >= 0 and at >= 0 and text[at + len(body) :].strip():
                last.add(tomlkit.nl())


def render_pyproject(
    old: str | None, edits: PyprojectEdits, path: str = "pyproject.toml"
) -> RenderResult:
    """The new text of ``pyproject.toml`` (``old`` is None when there is none yet)."""

    try:
        doc = tomlkit.parse(old or "")
    except Exception as exc:  # tomlkit raises several unrelated types for bad input
        line = getattr(exc, "line", None)
        raise ParseError(
            f"cannot parse pyproject.toml: {exc}",
            path=path,
            line=line if isinstance(line, int) else None,
            hint="fix the TOML syntax, then run again",
        ) from None
    r = _Renderer(doc, path)
    r.project(edits)
    r.groups(edits)
    r.tool_uv(edits)
    text = doc.as_string()
    if old is not None and not r.added:
        text = old  # nothing added: not even whitespace may move
    return RenderResult(text=text, added=tuple(r.added), diagnostics=tuple(r.diagnostics))


def read_table(text: str) -> dict[str, Any]:
    """The plain data of a pyproject text (for callers that only look)."""

    import tomllib

    return tomllib.loads(text)


__all__ = [
    "CONSTRAINTS",
    "DEPENDENCIES",
    "EXTRAS",
    "GROUPS",
    "INDEXES",
    "PROJECT",
    "SETTINGS",
    "SOURCES",
    "Dep",
    "GroupInclude",
    "GroupItem",
    "PyprojectEdits",
    "RenderResult",
    "UvIndex",
    "UvSource",
    "read_table",
    "render_pyproject",
]
