"""Read a uv project's ``pyproject.toml`` into facts (pure: text in, data out).

What is read: ``[project]`` (name, version, requires-python, dependencies, optional-dependencies),
PEP 735 ``[dependency-groups]`` (``include-group`` kept as :attr:`DependencyGroup.includes`, a
cycle is an error), ``[tool.uv]`` (constraint-, override- and legacy dev-dependencies, which uv
merges into the ``dev`` group), ``[[tool.uv.index]]``, ``[tool.uv.sources]`` of every kind, and
toolshift's own ``[tool.toolshift.pin]`` policy table (see :mod:`toolshift.planners.to_pip`).

tomllib gives no positions, so lines are found by looking for the written text after the table's
header; a fact whose line cannot be found points at its table.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from toolshift.errors import ParseError
from toolshift.model import (
    DependencyGroup,
    GroupKind,
    Index,
    IndexKind,
    Origin,
    Requirement,
    SourceKind,
    normalize_name,
)
from toolshift.redact import has_literal_credentials, strip_credentials

RUNTIME = "runtime"  # the name given to the [project] dependencies group
PIN_POLICIES = ("exact", "compatible", "minor", "declared")


class UvSourceKind(StrEnum):
    GIT = "git"
    PATH = "path"
    URL = "url"
    INDEX = "index"
    WORKSPACE = "workspace"


@dataclass(frozen=True)
class UvSource:
    """One entry of ``[tool.uv.sources]`` (a package may have several, split by marker)."""

    package: str  # normalised name
    kind: UvSourceKind
    location: str = ""  # git URL, path, URL or index name ("" for workspace)
    rev: str | None = None
    tag: str | None = None
    branch: str | None = None
    subdirectory: str | None = None
    editable: bool | None = None
    marker: str | None = None
    extra: str | None = None
    group: str | None = None
    origin: Origin | None = None


@dataclass(frozen=True)
class PinConfig:
    """``[tool.toolshift.pin]``: per-category and per-package pin policies."""

    categories: Mapping[str, str] = field(default_factory=dict)  # Category value -> policy
    packages: Mapping[str, str] = field(default_factory=dict)  # normalised name -> policy
    origin: Origin | None = None


@dataclass(frozen=True)
class PyprojectData:
    path: str
    name: str | None = None
    version: str | None = None
    requires_python: str | None = None
    has_build_system: bool = False
    is_package: bool = False
    runtime: DependencyGroup = field(
        default_factory=lambda: DependencyGroup(name=RUNTIME, kind=GroupKind.RUNTIME)
    )
    extras: tuple[DependencyGroup, ...] = ()
    groups: tuple[DependencyGroup, ...] = ()  # PEP 735 groups (legacy dev-dependencies in "dev")
    constraints: tuple[Requirement, ...] = ()
    overrides: tuple[Requirement, ...] = ()
    indexes: tuple[Index, ...] = ()
    sources: Mapping[str, tuple[UvSource, ...]] = field(default_factory=dict)
    pin: PinConfig = field(default_factory=PinConfig)
    has_project_table: bool = False
    has_tool_uv: bool = False
    has_dependency_groups: bool = False

    def group(self, name: str) -> DependencyGroup | None:
        key = normalize_name(name)
        for g in self.groups:
            if normalize_name(g.name) == key:
                return g
        return None

    def declared(self) -> dict[str, Requirement]:
        """Every directly declared requirement by normalised name (runtime first)."""

        out: dict[str, Requirement] = {}
        for g in (self.runtime, *self.extras, *self.groups):
            for r in g.requirements:
                out.setdefault(r.key, r)
        return out


# --------------------------------------------------------------------------- helpers

_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")


def load_toml(text: str, path: str) -> dict[str, Any]:
    """``tomllib.loads`` with a :class:`ParseError` at ``path:line`` instead of a traceback."""

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _TOML_POS.search(msg)
        line = int(m.group(1)) if m else text.count("\n") + 1
        raise ParseError(
            f"not valid TOML: {_TOML_POS.sub('', msg).strip()}",
            path=path,
            line=line,
            hint="fix the TOML syntax at that line (a missing quote, comma or bracket?)",
        ) from None


class _Lines:
    """Finds the line of a table header or of a written value, cheaply."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def header(self, dotted: str) -> int:
        pat = re.compile(r"^\s*\[\[?\s*" + re.escape(dotted).replace(r"\.", r"\s*\.\s*") + r"\s*\]")
        for i, line in enumerate(self.lines, 1):
            if pat.match(line):
                return i
        key = dotted.rsplit(".", 1)[-1]
        pat2 = re.compile(r"^\s*\"?" + re.escape(key) + r"\"?\s*=")
        for i, line in enumerate(self.lines, 1):
            if pat2.match(line):
                return i
        return 0

    def find(self, needle: str, after: int = 0) -> int:
        for i in range(max(after, 1), len(self.lines) + 1):
            if needle in self.lines[i - 1]:
                return i
        return after


_OP = r"(?:~=|===|==|!=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+"
_SIMPLE_REQ = re.compile(
    r"\s*(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*"
    r"(?:\[\s*(?P<extras>[A-Za-z0-9._-]+(?:\s*,\s*[A-Za-z0-9._-]+)*)?\s*\])?\s*"
    rf"(?P<spec>{_OP}\s*(?:,\s*{_OP}\s*)*)?"
    r"(?:;\s*(?P<marker>\S.*?))?\s*"
)


_CLAUSE = re.compile(
    r"(?P<op>~=|==|!=|<=|>=|<|>)"
    r"(?P<release>(?:0|[1-9]\d*)(?:\.(?:0|[1-9]\d*))*)"  # no leading zeros: packaging's job
    r"(?P<rest>(?:(?:a|b|rc)\d+)?(?:\.post\d+)?(?:\.dev\d+)?(?:\+[a-z0-9]+(?:\.[a-z0-9]+)*)?"
    r"|\.\*)"
)


def _plain_clause(clause: str) -> bool:
    """A specifier clause in its everyday form; anything unusual goes to packaging."""

    m = _CLAUSE.fullmatch(clause)
    if not m:
        return False
    if m["rest"] == ".*":
        return m["op"] in ("==", "!=")
    if "+" in m["rest"] and m["op"] not in ("==", "!="):
        return False
    return m["op"] != "~=" or "." in m["release"]


def _simple_requirement(text: str, origin: Origin) -> Requirement | None:
    """The common shapes (``name[extras]>=1,<2; marker``) without importing packaging, which
    costs ~40 ms at start-up; ``None`` sends anything else to packaging."""

    m = _SIMPLE_REQ.fullmatch(text)
    if not m:
        return None
    marker = None
    if m["marker"] and "(" in m["marker"]:
        return None  # packaging's way of writing nested groups is its own
    if m["marker"]:
        from toolshift.readers.uv_lock import MarkerError, normalize_marker_text

        try:
            marker = normalize_marker_text(m["marker"])
        except MarkerError:
            return None
    spec = re.sub(r"\s+", "", m["spec"] or "")
    clauses = sorted(set(spec.split(","))) if spec else []
    if not all(_plain_clause(c) for c in clauses):
        return None
    canonical = {re.sub(r"(\.0)+(?=$|[a-z+])", "", c) for c in clauses}
    if len(canonical) != len(clauses):
        return None  # ==1 and ==1.0 are one clause to packaging
    extras = [e.strip() for e in (m["extras"] or "").split(",") if e.strip()]
    return Requirement(
        name=m["name"],
        specifier=",".join(clauses),
        extras=tuple(sorted(extras)),
        marker=marker,
        origin=origin,
    )


def parse_requirement(text: str, origin: Origin) -> Requirement:
    """A PEP 508 string as a :class:`Requirement`; :class:`ParseError` when it is not one."""

    simple = _simple_requirement(text, origin)
    if simple is not None:
        return simple
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as PRequirement

    try:
        req = PRequirement(text)
    except InvalidRequirement as exc:
        raise ParseError(
            f"not a valid requirement {text!r}: {exc}",
            path=origin.path,
            line=origin.line or None,
            hint="write it as PEP 508: name[extras] specifier ; marker",
        ) from None
    url = req.url
    source = SourceKind.REGISTRY
    if url:
        if re.match(r"^(git|hg|svn|bzr)\+", url):
            source = SourceKind.VCS
        elif url.startswith("file:"):
            source = SourceKind.PATH
        else:
            source = SourceKind.URL
    return Requirement(
        name=req.name,
        specifier=str(req.specifier),
        extras=tuple(sorted(req.extras)),
        marker=str(req.marker) if req.marker is not None else None,
        url=url,
        source=source,
        origin=origin,
    )


def _str_list(value: Any, what: str, path: str, line: int) -> list[Any]:
    if not isinstance(value, list):
        raise ParseError(f"{what} must be an array", path=path, line=line or None)
    return value


def _requirements(
    items: list[Any], what: str, path: str, lines: _Lines, after: int
) -> tuple[Requirement, ...]:
    out: list[Requirement] = []
    for item in items:
        if not isinstance(item, str):
            raise ParseError(
                f"{what}: expected a requirement string, got {item!r}", path=path, line=after
            )
        line = lines.find(item, after)
        out.append(parse_requirement(item, Origin(path, line, item)))
    return tuple(out)


# --------------------------------------------------------------------------- sections


def _dependency_groups(
    raw: Any, path: str, lines: _Lines, legacy_dev: tuple[Requirement, ...]
) -> tuple[DependencyGroup, ...]:
    table_line = lines.header("dependency-groups")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ParseError("[dependency-groups] must be a table", path=path, line=table_line)
    names = {normalize_name(k): k for k in raw}
    groups: dict[str, DependencyGroup] = {}
    for name, items in raw.items():
        line = lines.find(f"{name}", table_line) if table_line else 0
        reqs: list[Requirement] = []
        includes: list[str] = []
        for item in _str_list(items, f"dependency group {name!r}", path, line):
            if isinstance(item, dict):
                target = item.get("include-group")
                if not isinstance(target, str) or set(item) != {"include-group"}:
                    raise ParseError(
                        f"dependency group {name!r}: unknown entry {item!r}",
                        path=path,
                        line=line,
                        hint='entries are requirement strings or {include-group = "name"}',
                    )
                if normalize_name(target) not in names:
                    raise ParseError(
                        f"dependency group {name!r} includes {target!r}, which does not exist",
                        path=path,
                        line=lines.find(target, line),
                        hint=f"define [dependency-groups] {target} or remove the include",
                    )
                includes.append(names[normalize_name(target)])
            else:
                reqs.extend(_requirements([item], f"group {name!r}", path, lines, line))
        groups[normalize_name(name)] = DependencyGroup(
            name=name,
            kind=GroupKind.GROUP,
            requirements=tuple(reqs),
            includes=tuple(includes),
            files=(path,),
        )
    if legacy_dev:
        current = groups.get("dev")
        if current is None:
            groups["dev"] = DependencyGroup(
                name="dev", kind=GroupKind.GROUP, requirements=legacy_dev, files=(path,)
            )
        else:
            groups["dev"] = DependencyGroup(
                name=current.name,
                kind=GroupKind.GROUP,
                requirements=current.requirements + legacy_dev,
                includes=current.includes,
                files=current.files,
            )
    _check_cycles(groups, path, lines, table_line)
    return tuple(groups.values())


def _check_cycles(
    groups: Mapping[str, DependencyGroup], path: str, lines: _Lines, table_line: int
) -> None:
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(key: str, stack: list[str]) -> None:
        state[key] = 1
        stack.append(groups[key].name)
        for inc in groups[key].includes:
            ik = normalize_name(inc)
            if state.get(ik) == 1:
                start = [normalize_name(s) for s in stack].index(ik)
                cycle = [*stack[start:], groups[ik].name]
                line = lines.find(f"{groups[key].name}", table_line) if table_line else 0
                if len(cycle) == 2:
                    msg = f"dependency group {cycle[0]!r} includes itself"
                else:
                    msg = "dependency groups include each other in a cycle: " + " -> ".join(cycle)
                raise ParseError(
                    msg,
                    path=path,
                    line=line or None,
                    hint="remove one include-group so the groups form no cycle",
                )
            if state.get(ik) is None:
                visit(ik, stack)
        stack.pop()
        state[key] = 2

    for key in groups:
        if key not in state:
            visit(key, [])


def _indexes(raw: Any, path: str, lines: _Lines) -> tuple[Index, ...]:
    if raw is None:
        return ()
    out: list[Index] = []
    line = lines.header("tool.uv.index")
    for entry in _str_list(raw, "[[tool.uv.index]]", path, line):
        if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
            raise ParseError("[[tool.uv.index]] entry without a url", path=path, line=line or None)
        url: str = entry["url"]
        entry_line = lines.find(url, line) or line
        secret = has_literal_credentials(url)
        if entry.get("format") == "flat":
            kind = IndexKind.FIND_LINKS
        elif entry.get("default") is True:
            kind = IndexKind.DEFAULT
        else:
            kind = IndexKind.NAMED
        out.append(
            Index(
                url=strip_credentials(url) if secret else url,
                kind=kind,
                name=str(entry.get("name", "")),
                has_credentials=secret,
                explicit=entry.get("explicit") is True,
                origin=Origin(path, entry_line),
            )
        )
        line = entry_line + 1
    return tuple(out)


def _legacy_indexes(uv: dict[str, Any], path: str, lines: _Lines) -> tuple[Index, ...]:
    """uv's older settings: ``index-url``, ``extra-index-url`` and ``find-links`` in [tool.uv]."""

    out: list[Index] = []
    uv_line = lines.header("tool.uv")
    for key, kind in (
        ("index-url", IndexKind.DEFAULT),
        ("extra-index-url", IndexKind.EXTRA),
        ("find-links", IndexKind.FIND_LINKS),
    ):
        values = uv.get(key)
        for url in [values] if isinstance(values, str) else values or []:
            if not isinstance(url, str):
                continue
            secret = has_literal_credentials(url)
            out.append(
                Index(
                    url=strip_credentials(url) if secret else url,
                    kind=kind,
                    has_credentials=secret,
                    origin=Origin(path, lines.find(key, uv_line) or uv_line),
                )
            )
    return tuple(out)


def _sources(raw: Any, path: str, lines: _Lines) -> dict[str, tuple[UvSource, ...]]:
    if raw is None:
        return {}
    table_line = lines.header("tool.uv.sources")
    if not isinstance(raw, dict):
        raise ParseError("[tool.uv.sources] must be a table", path=path, line=table_line or None)
    out: dict[str, tuple[UvSource, ...]] = {}
    for name, value in raw.items():
        line = (
            lines.find(name, table_line) if table_line else lines.header(f"tool.uv.sources.{name}")
        )
        entries = value if isinstance(value, list) else [value]
        parsed: list[UvSource] = []
        for entry in entries:
            if not isinstance(entry, dict):
                raise ParseError(
                    f"[tool.uv.sources] {name}: expected a table, got {entry!r}",
                    path=path,
                    line=line or None,
                )
            parsed.append(_source(normalize_name(name), entry, Origin(path, line), path))
        out[normalize_name(name)] = tuple(parsed)
    return out


def _source(package: str, entry: dict[str, Any], origin: Origin, path: str) -> UvSource:
    common: dict[str, Any] = {
        "package": package,
        "marker": entry.get("marker"),
        "extra": entry.get("extra"),
        "group": entry.get("group"),
        "origin": origin,
    }
    if "git" in entry:
        return UvSource(
            kind=UvSourceKind.GIT,
            location=str(entry["git"]),
            rev=entry.get("rev"),
            tag=entry.get("tag"),
            branch=entry.get("branch"),
            subdirectory=entry.get("subdirectory"),
            **common,
        )
    if "path" in entry:
        return UvSource(
            kind=UvSourceKind.PATH,
            location=str(entry["path"]),
            editable=entry.get("editable"),
            **common,
        )
    if "url" in entry:
        return UvSource(
            kind=UvSourceKind.URL,
            location=str(entry["url"]),
            subdirectory=entry.get("subdirectory"),
            **common,
        )
    if "index" in entry:
        return UvSource(kind=UvSourceKind.INDEX, location=str(entry["index"]), **common)
    if entry.get("workspace") is True:
        return UvSource(kind=UvSourceKind.WORKSPACE, editable=entry.get("editable"), **common)
    raise ParseError(
        f"[tool.uv.sources] {package}: unknown source {entry!r}",
        path=path,
        line=origin.line or None,
        hint="a source has one of git, path, url, index or workspace = true",
    )


def _pin(raw: Any, path: str, lines: _Lines) -> PinConfig:
    if raw is None:
        return PinConfig()
    from toolshift.categories import parse_category

    line = lines.header("tool.toolshift.pin")
    origin = Origin(path, line)
    if not isinstance(raw, dict):
        raise ParseError("[tool.toolshift.pin] must be a table", path=path, line=line or None)

    def check(value: Any, what: str) -> str:
        if value not in PIN_POLICIES:
            raise ParseError(
                f"[tool.toolshift.pin] {what} = {value!r} is not a pin policy",
                path=path,
                line=lines.find(str(what), line) or line or None,
                hint="use one of: " + ", ".join(PIN_POLICIES),
            )
        return str(value)

    categories: dict[str, str] = {}
    packages: dict[str, str] = {}
    for key, value in raw.items():
        if key == "packages":
            if not isinstance(value, dict):
                raise ParseError(
                    "[tool.toolshift.pin] packages must be a table of name = policy",
                    path=path,
                    line=line or None,
                )
            for name, policy in value.items():
                packages[normalize_name(name)] = check(policy, name)
            continue
        category = parse_category(key)
        if category is None:
            raise ParseError(
                f"[tool.toolshift.pin] {key!r} is not a category",
                path=path,
                line=lines.find(key, line) or line or None,
                hint='use a category such as ml, "web framework", testing, "code quality", '
                "or packages = {name = policy}",
            )
        categories[category.value] = check(value, key)
    return PinConfig(categories=categories, packages=packages, origin=origin)


# --------------------------------------------------------------------------- entry point


def read_pyproject(text: str, path: str = "pyproject.toml") -> PyprojectData:
    """Parse ``pyproject.toml`` text. Raises :class:`ParseError` (with path:line and a hint)."""

    doc = load_toml(text, path)
    lines = _Lines(text)
    project = doc.get("project")
    if project is not None and not isinstance(project, dict):
        raise ParseError("[project] must be a table", path=path, line=lines.header("project"))
    project = project or {}
    raw_tool = doc.get("tool")
    tool: dict[str, Any] = raw_tool if isinstance(raw_tool, dict) else {}
    raw_uv = tool.get("uv")
    uv: dict[str, Any] | None = raw_uv if isinstance(raw_uv, dict) else None
    uvt: dict[str, Any] = uv or {}

    proj_line = lines.header("project")
    deps_line = lines.find("dependencies", proj_line) if proj_line else 0
    runtime = DependencyGroup(
        name=RUNTIME,
        kind=GroupKind.RUNTIME,
        requirements=_requirements(
            _str_list(project.get("dependencies", []), "[project] dependencies", path, deps_line),
            "[project] dependencies",
            path,
            lines,
            deps_line,
        ),
        files=(path,),
    )
    extras: list[DependencyGroup] = []
    opt = project.get("optional-dependencies", {})
    opt_line = lines.header("project.optional-dependencies")
    if not isinstance(opt, dict):
        raise ParseError("optional-dependencies must be a table", path=path, line=opt_line)
    for extra, items in opt.items():
        line = lines.find(extra, opt_line) if opt_line else 0
        extras.append(
            DependencyGroup(
                name=extra,
                kind=GroupKind.EXTRA,
                requirements=_requirements(
                    _str_list(items, f"extra {extra!r}", path, line),
                    f"extra {extra!r}",
                    path,
                    lines,
                    line,
                ),
                files=(path,),
            )
        )

    uv_line = lines.header("tool.uv")

    def uv_reqs(key: str) -> tuple[Requirement, ...]:
        if key not in uvt:
            return ()
        line = lines.find(key, uv_line) if uv_line else 0
        items = _str_list(uvt[key], f"[tool.uv] {key}", path, line)
        return _requirements(items, f"[tool.uv] {key}", path, lines, line)

    groups = _dependency_groups(
        doc.get("dependency-groups"), path, lines, uv_reqs("dev-dependencies")
    )
    has_build = isinstance(doc.get("build-system"), dict)
    package_flag = uvt.get("package")
    is_package = package_flag is True or (has_build and package_flag is not False)
    rp = project.get("requires-python")
    version = project.get("version")
    name = project.get("name")
    return PyprojectData(
        path=path,
        name=name if isinstance(name, str) else None,
        version=version if isinstance(version, str) else None,
        requires_python=rp if isinstance(rp, str) else None,
        has_build_system=has_build,
        is_package=is_package,
        runtime=runtime,
        extras=tuple(extras),
        groups=groups,
        constraints=uv_reqs("constraint-dependencies"),
        overrides=uv_reqs("override-dependencies"),
        indexes=_indexes(uvt.get("index"), path, lines) + _legacy_indexes(uvt, path, lines),
        sources=_sources(uvt.get("sources"), path, lines),
        pin=_pin(
            (tool.get("toolshift") or {}).get("pin")
            if isinstance(tool.get("toolshift"), dict)
            else None,
            path,
            lines,
        ),
        has_project_table="project" in doc,
        has_tool_uv=uv is not None,
        has_dependency_groups="dependency-groups" in doc,
    )
