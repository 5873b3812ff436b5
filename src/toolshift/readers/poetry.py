"""Read a Poetry project (``[tool.poetry]`` in ``pyproject.toml``, ``poetry.lock``) into facts.

Pure: text in, data out. What is read:

* ``[tool.poetry.dependencies]`` -> the runtime group (``python`` becomes requires-python);
  ``optional = true`` dependencies go to the extras ``[tool.poetry.extras]`` names;
* ``[tool.poetry.group.<g>.dependencies]`` and the legacy ``[tool.poetry.dev-dependencies]``
  (merged into ``dev``) -> dependency groups; ``optional = true`` groups are named in
  :attr:`PoetryData.optional_groups`;
* ``[[tool.poetry.source]]`` -> :class:`~toolshift.model.Index` in Poetry's search order
  (default, primary, the implicit PyPI, secondary/supplemental): the last one Poetry searches
  is uv's ``DEFAULT`` (uv searches it last), the others ``EXTRA`` in that order (PyPI written
  out as ``pypi`` when a supplemental source follows it); ``explicit`` -> ``NAMED`` with
  ``explicit``;
* git/path/url dependencies and ``source = "name"`` -> :class:`UvSource` facts, and a
  :class:`~toolshift.model.Requirement` with the URL so pip-side consumers see it too;
* the metadata that has a PEP 621 home (name, version, description, authors, license, readme,
  keywords, classifiers, urls, scripts, plugins) in :attr:`PoetryData.metadata`, already in
  ``[project]`` shape;
* ``poetry.lock`` ``[[package]]`` name/version -> :func:`lock_versions`.

Poetry's constraint syntax is translated by :func:`convert_constraint` (``^``, ``~``, ``*``,
wildcards, bare versions, space- or comma-separated ranges). ``||`` has no single PEP 440
form: it is widened to the smallest range holding every alternative, with a warning (``PO002``);
a constraint that cannot be read at all is an error (``PO001``).

Diagnostic codes: PO001 error (constraint not understood), PO002 warning (``||`` widened),
PO003 warning (a setting with no uv/PEP 621 equivalent, not carried over), PO004 warning (an
optional dependency no extra names), PO005 info (allow-prereleases), PO006 error
(``source = "x"`` names no source), PO007 info (a secondary/supplemental source, searched after
the others as in Poetry).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from toolshift.errors import ParseError
from toolshift.model import (
    DependencyGroup,
    Diagnostic,
    GroupKind,
    Index,
    IndexKind,
    Origin,
    Requirement,
    Severity,
    SourceKind,
    normalize_name,
)
from toolshift.readers.pyproject import UvSource, UvSourceKind, load_toml
from toolshift.redact import has_literal_credentials, strip_credentials

RUNTIME = "runtime"
PYPI_URL = "https://pypi.org/simple"

# --------------------------------------------------------------------------- constraints


@dataclass(frozen=True)
class Converted:
    """A Poetry constraint as a PEP 440 specifier; ``widened`` when ``||`` had to be merged."""

    specifier: str
    widened: bool = False


_VERSION = (
    r"\d+(?:\.\d+)*(?:[._-]?(?:a|b|c|rc|alpha|beta|pre|preview|post|dev)\.?\d*)*(?:\+[\w.]+)?"
)
_OP_CLAUSE = re.compile(rf"^(===|==|!=|<=|>=|<|>|~=|\^|~|=)?\s*({_VERSION}(?:\.\*)?)$")
_RELEASE = re.compile(r"^(\d+(?:\.\d+)*)(.*)$")


def _release(version: str) -> tuple[list[int], str]:
    m = _RELEASE.match(version)
    if not m:
        raise ValueError(version)
    return [int(x) for x in m.group(1).split(".")], m.group(2)


def _bump(parts: list[int], index: int) -> str:
    """``parts`` with ``parts[index]`` + 1 and every later part 0, keeping the length."""

    out = list(parts)
    out[index] += 1
    for i in range(index + 1, len(out)):
        out[i] = 0
    return ".".join(str(x) for x in out)


def _clause(token: str) -> list[str]:
    """One Poetry clause (``^1.2``, ``~1.2.3``, ``1.2.*``, ``>=1``) as PEP 440 clauses."""

    m = _OP_CLAUSE.match(token)
    if not m:
        raise ValueError(token)
    op, version = m.group(1) or "", m.group(2)
    if version.endswith(".*"):
        if op in ("", "=", "=="):
            return [f"=={version}"]
        if op == "!=":
            return [f"!={version}"]
        raise ValueError(token)
    if op == "^":
        parts, _rest = _release(version)
        # the first non-zero part moves; ^0.0 -> <0.1 and ^0 -> <1 (the last given part)
        first = next((i for i, p in enumerate(parts) if p != 0), len(parts) - 1)
        return [f">={version}", f"<{_bump(parts, first)}"]
    if op == "~":
        parts, _rest = _release(version)
        index = 0 if len(parts) == 1 else 1
        return [f">={version}", f"<{_bump(parts, index)}"]
    if op in ("", "="):
        return [f"=={version}"]
    return [f"{op}{version}"]


def _alternative(text: str) -> list[str]:
    text = re.sub(r"(===|==|!=|<=|>=|~=|<|>|\^|~|=)\s+", r"\1", text.strip())
    tokens = [t for t in re.split(r"[,\s]+", text) if t]
    if not tokens or tokens == ["*"]:
        return []
    out: list[str] = []
    for token in tokens:
        if token == "*":
            continue
        out += _clause(token)
    return out


def _hull(alternatives: list[list[str]]) -> str:
    """The smallest ``>=low,<high`` range holding every alternative (``!=`` parts dropped)."""

    from packaging.version import Version

    lows: list[tuple[Version, str]] = []
    highs: list[tuple[Version, str]] = []
    no_low = no_high = False
    for alt in alternatives:
        low: tuple[Version, str] | None = None
        high: tuple[Version, str] | None = None
        for c in alt:
            m = re.match(r"(===|==|!=|<=|>=|<|>|~=)(.*)", c)
            assert m
            op, v = m.groups()
            if op == "!=":
                continue
            if op in ("==", "===") and v.endswith(".*"):
                base = v[:-2]
                parts, _ = _release(base)
                low = (Version(base), f">={base}")
                high = (Version(_bump(parts, len(parts) - 1)), f"<{_bump(parts, len(parts) - 1)}")
            elif op in ("==", "==="):
                low, high = (Version(v), f">={v}"), (Version(v), f"<={v}")
            elif op in (">=", ">"):
                low = (Version(v), f"{op}{v}")
            elif op in ("<", "<="):
                high = (Version(v), f"{op}{v}")
            elif op == "~=":
                parts, _ = _release(v)
                low = (Version(v), f">={v}")
                bumped = _bump(parts[:-1], len(parts) - 2) if len(parts) > 1 else str(parts[0] + 1)
                high = (Version(bumped), f"<{bumped}")
        if low is None:
            no_low = True
        else:
            lows.append(low)
        if high is None:
            no_high = True
        else:
            highs.append(high)
    out: list[str] = []
    if not no_low and lows:
        out.append(min(lows, key=lambda x: (x[0], not x[1].startswith(">=")))[1])
    if not no_high and highs:
        out.append(max(highs, key=lambda x: (x[0], x[1].startswith("<=")))[1])
    return ",".join(out)


def convert_constraint(text: str) -> Converted:
    """A Poetry version constraint as a PEP 440 specifier (``""`` for any version).

    Raises :class:`ValueError` when the text is not a constraint Poetry would accept.
    """

    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    text = text.strip()
    if text in ("", "*"):
        return Converted("")
    alternatives = [_alternative(a) for a in text.split("||")]
    if len(alternatives) == 1:
        spec = ",".join(alternatives[0])
        widened = False
    elif any(not a for a in alternatives):
        spec, widened = "", True  # one alternative is "any version"
    else:
        spec, widened = _hull(alternatives), True
    try:
        SpecifierSet(spec)
    except InvalidSpecifier:
        raise ValueError(text) from None
    return Converted(spec, widened)


def python_marker(text: str) -> str:
    """A Poetry ``python = "..."`` constraint as a PEP 508 marker (``""`` for any version).

    ``||`` is exact here: markers have ``or``.
    """

    text = text.strip()
    if text in ("", "*"):
        return ""
    ors: list[str] = []
    for alt in text.split("||"):
        clauses = _alternative(alt)
        if not clauses:
            return ""
        ands: list[str] = []
        for c in clauses:
            m = re.match(r"(===|==|!=|<=|>=|<|>|~=)(.*)", c)
            assert m
            op, v = m.groups()
            if v.endswith(".*"):
                v = v[:-2]
                var = "python_version" if v.count(".") <= 1 else "python_full_version"
                if v.count(".") == 0 and op in ("==", "!="):
                    # ==3.* : any 3.x
                    ands.append(
                        f'python_version {">=" if op == "==" else "<"} "{v}"'
                        + (f' and python_version < "{int(v) + 1}"' if op == "==" else "")
                    )
                    continue
            else:
                var = "python_version" if v.count(".") <= 1 else "python_full_version"
            ands.append(f'{var} {op} "{v}"')
        ors.append(" and ".join(ands))
    if len(ors) == 1:
        return ors[0]
    return " or ".join(f"({o})" if " and " in o else o for o in ors)


def platform_marker(text: str) -> str:
    """A Poetry ``platform = "linux"`` (``"win32 || cygwin"``) as a ``sys_platform`` marker."""

    names = [p.strip() for p in text.split("||") if p.strip()]
    return " or ".join(f'sys_platform == "{n}"' for n in names)


_SCP_LIKE = re.compile(r"^(?P<user>[\w.-]+)@(?P<host>[\w.-]+):(?!//)(?P<path>.+)$")


def git_url(value: str) -> str:
    """A git location as a URL uv and pip accept: Poetry (and Pipenv) take git's scp-like
    ``git@github.com:org/repo.git``, which uv refuses ("Failed to parse" pyproject.toml):
    ``ssh://git@github.com/org/repo.git``."""

    m = _SCP_LIKE.match(value.strip())
    if not m:
        return value
    return f"ssh://{m.group('user')}@{m.group('host')}/{m.group('path').lstrip('/')}"


def requires_python(text: str) -> Converted:
    """``python = "^3.11"`` as requires-python (``>=3.11,<4.0``)."""

    return convert_constraint(text)


def and_markers(*markers: str | None) -> str | None:
    parts = [m.strip() for m in markers if m and m.strip()]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return " and ".join(f"({p})" if " or " in p else p for p in parts)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class PoetryData:
    """Everything a migration needs from ``[tool.poetry]``."""

    name: str = ""
    version: str = ""
    python: str = ""  # as written
    requires_python: str | None = None  # converted
    metadata: tuple[tuple[str, Any], ...] = ()  # [project] keys in PEP 621 shape, in order
    groups: tuple[DependencyGroup, ...] = ()
    optional_groups: tuple[str, ...] = ()
    indexes: tuple[Index, ...] = ()
    sources: tuple[UvSource, ...] = ()
    prereleases: tuple[str, ...] = ()  # packages with allow-prereleases = true
    package_mode: bool = True
    packages: tuple[tuple[str, str], ...] = ()  # (include, from) of [tool.poetry] packages
    diagnostics: tuple[Diagnostic, ...] = ()


class _Lines:
    """Lines of a table's keys, found by text (tomllib gives no positions)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers = [
            (i, re.sub(r"\s+", "", line.strip().strip("[]")))
            for i, line in enumerate(self.lines, 1)
            if re.match(r"^\s*\[", line) and not re.match(r"^\s*\[\s*[\"'\d{]", line)
        ]

    def header(self, dotted: str) -> int:
        for i, name in self.headers:
            if name.replace('"', "").replace("'", "") == dotted:
                return i
        return 0

    def key(self, table: str, key: str) -> tuple[int, str]:
        start = self.header(table)
        if not start:
            sub = self.header(f"{table}.{key}")
            return (sub, self.lines[sub - 1]) if sub else (0, "")
        pat = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*=")
        for i in range(start, len(self.lines)):
            line = self.lines[i]
            if re.match(r"^\s*\[", line) and any(h == i + 1 for h, _ in self.headers):
                break
            if pat.match(line):
                return i + 1, line
        sub = self.header(f"{table}.{key}")
        return (sub, self.lines[sub - 1]) if sub else (start, "")


def _sub(data: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    cur: Any = data
    for k in keys:
        cur = cur.get(k) if isinstance(cur, Mapping) else None
    return dict(cur) if isinstance(cur, Mapping) else {}


_AUTHOR = re.compile(r"^\s*(?P<name>[^<]*?)\s*(?:<(?P<email>[^>]+)>)?\s*$")


def _person(text: str) -> dict[str, str]:
    m = _AUTHOR.match(text)
    out: dict[str, str] = {}
    if m and m.group("name"):
        out["name"] = m.group("name")
    if m and m.group("email"):
        out["email"] = m.group("email")
    return out or {"name": text}


class _Reader:
    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.data = load_toml(text, path)
        self.poetry = _sub(self.data, "tool", "poetry")
        self.lines = _Lines(text)
        self.diags: list[Diagnostic] = []
        self.sources: dict[str, UvSource] = {}
        self.prereleases: list[str] = []

    def diag(
        self, code: str, sev: Severity, msg: str, origin: Origin | None = None, hint: str = ""
    ) -> None:
        d = Diagnostic(code, sev, msg, origin or Origin(self.path), hint)
        if d not in self.diags:
            self.diags.append(d)

    # ---------------------------------------------------------------- dependencies

    def spec(self, name: str, text: str, origin: Origin) -> str:
        try:
            c = convert_constraint(text)
        except ValueError:
            self.diag(
                "PO001",
                Severity.ERROR,
                f"{name}: the version constraint {text!r} is not one toolshift can read",
                origin,
                "write it as a PEP 440 specifier (>=1.2,<2) and run again",
            )
            return ""
        if c.widened:
            self.diag(
                "PO002",
                Severity.WARNING,
                f"{name}: {text!r} has no single PEP 440 form; widened to "
                f"{c.specifier or 'any version'!r}",
                origin,
                "uv.lock keeps the version locked today; narrow the range by hand if the gap "
                "matters",
            )
        return c.specifier

    def requirements(self, table: str, deps: Mapping[str, Any]) -> list[tuple[Requirement, bool]]:
        """(requirement, optional) for each entry of a Poetry dependency table."""

        out: list[tuple[Requirement, bool]] = []
        for name, value in deps.items():
            if name.lower() == "python":
                continue
            line, text = self.lines.key(table, name)
            origin = Origin(self.path, line, text)
            entries = value if isinstance(value, list) else [value]
            for entry in entries:
                req, optional = self.requirement(name, entry, origin, multiple=len(entries) > 1)
                if req is not None:
                    out.append((req, optional))
        return out

    def requirement(
        self, name: str, value: Any, origin: Origin, *, multiple: bool
    ) -> tuple[Requirement | None, bool]:
        if isinstance(value, str):
            return Requirement(name, self.spec(name, value, origin), origin=origin), False
        if not isinstance(value, Mapping):
            raise ParseError(
                f"dependency {name}: expected a string or a table, got {value!r}",
                path=self.path,
                line=origin.line or None,
            )
        marker = and_markers(
            value.get("markers") if isinstance(value.get("markers"), str) else None,
            python_marker(str(value["python"])) if "python" in value else None,
            platform_marker(str(value["platform"])) if "platform" in value else None,
        )
        extras = tuple(str(e) for e in value.get("extras", []) or [])
        optional = value.get("optional") is True
        pre = value.get("allow-prereleases") is True or value.get("allows-prereleases") is True
        if pre and name not in self.prereleases:
            self.prereleases.append(name)
        key = normalize_name(name)
        if "git" in value:
            url = git_url(str(value["git"]))
            ref_kind = next((k for k in ("tag", "branch", "rev") if k in value), None)
            pip_url = "git+" + url + (f"@{value[ref_kind]}" if ref_kind else "")
            if "subdirectory" in value:
                pip_url += f"#subdirectory={value['subdirectory']}"
            self.source(
                multiple,
                UvSource(
                    key,
                    UvSourceKind.GIT,
                    url,
                    rev=str(value["rev"]) if ref_kind == "rev" else None,
                    tag=str(value["tag"]) if ref_kind == "tag" else None,
                    branch=str(value["branch"]) if ref_kind == "branch" else None,
                    subdirectory=value.get("subdirectory"),
                    origin=origin,
                ),
            )
            req = Requirement(
                name,
                extras=extras,
                marker=marker,
                url=pip_url,
                source=SourceKind.VCS,
                editable=value.get("develop") is True,
                origin=origin,
            )
            return req, optional
        if "path" in value:
            path = str(value["path"])
            develop = value.get("develop") is True
            self.source(
                multiple,
                UvSource(
                    key,
                    UvSourceKind.PATH,
                    path,
                    editable=True if develop else None,
                    origin=origin,
                ),
            )
            req = Requirement(
                name,
                extras=extras,
                marker=marker,
                url=path,
                source=SourceKind.PATH,
                editable=develop,
                origin=origin,
            )
            return req, optional
        if "url" in value:
            url = str(value["url"])
            self.source(multiple, UvSource(key, UvSourceKind.URL, url, origin=origin))
            return (
                Requirement(
                    name,
                    extras=extras,
                    marker=marker,
                    url=url,
                    source=SourceKind.URL,
                    origin=origin,
                ),
                optional,
            )
        if "source" in value:
            self.source(
                multiple, UvSource(key, UvSourceKind.INDEX, str(value["source"]), origin=origin)
            )
        spec = self.spec(name, str(value.get("version", "*")), origin)
        return (
            Requirement(name, spec, extras=extras, marker=marker, origin=origin),
            optional,
        )

    def source(self, multiple: bool, src: UvSource) -> None:
        have = self.sources.get(src.package)
        if have is None:
            self.sources[src.package] = src
        elif have != src:
            self.diag(
                "PO003",
                Severity.WARNING,
                f"{src.package}: different sources per marker are not carried over; kept the "
                "first one",
                src.origin,
                "split them with `marker = ...` entries in [tool.uv.sources] by hand",
            )

    # ---------------------------------------------------------------- groups

    def groups(self) -> tuple[list[DependencyGroup], list[str]]:
        out: list[DependencyGroup] = []
        deps = _sub(self.poetry, "dependencies")
        table = "tool.poetry.dependencies"
        runtime = self.requirements(table, deps)
        required = tuple(r for r, opt in runtime if not opt)
        optional = {r.key: r for r, opt in runtime if opt}
        if deps or runtime:
            out.append(DependencyGroup(RUNTIME, GroupKind.RUNTIME, required, files=(self.path,)))
        named: set[str] = set()
        for extra, names in _sub(self.poetry, "extras").items():
            reqs: list[Requirement] = []
            for n in names or []:
                key = normalize_name(str(n))
                named.add(key)
                if key in optional:
                    reqs.append(optional[key])
                else:
                    line, text = self.lines.key("tool.poetry.extras", extra)
                    self.diag(
                        "PO004",
                        Severity.WARNING,
                        f"extra {extra!r} names {n!r}, which is not an optional dependency",
                        Origin(self.path, line, text),
                    )
            out.append(DependencyGroup(extra, GroupKind.EXTRA, tuple(reqs), files=(self.path,)))
        for key, req in optional.items():
            if key not in named:
                self.diag(
                    "PO004",
                    Severity.WARNING,
                    f"{req.name} is optional but no extra in [tool.poetry.extras] names it; "
                    "it was left out",
                    req.origin,
                    "add it to an extra, or make it a regular dependency",
                )

        groups: dict[str, list[Requirement]] = {}
        optional_groups: list[str] = []
        legacy = _sub(self.poetry, "dev-dependencies")
        if legacy:
            table = "tool.poetry.dev-dependencies"
            groups["dev"] = [r for r, _ in self.requirements(table, legacy)]
        for gname, gtable in _sub(self.poetry, "group").items():
            if not isinstance(gtable, Mapping):
                continue
            reqs = [
                r
                for r, _ in self.requirements(
                    f"tool.poetry.group.{gname}.dependencies", _sub(gtable, "dependencies")
                )
            ]
            have = groups.setdefault(gname, [])
            seen = {(r.key, r.marker) for r in have}
            have += [r for r in reqs if (r.key, r.marker) not in seen]
            if gtable.get("optional") is True:
                optional_groups.append(gname)
            if gtable.get("include-groups"):
                self.diag(
                    "PO003",
                    Severity.WARNING,
                    f"group {gname!r}: include-groups is not carried over",
                    Origin(self.path, self.lines.header(f"tool.poetry.group.{gname}")),
                    "add {include-group = ...} entries to [dependency-groups] by hand",
                )
        for gname, reqs in groups.items():
            out.append(DependencyGroup(gname, GroupKind.GROUP, tuple(reqs), files=(self.path,)))
        return out, optional_groups

    # ---------------------------------------------------------------- indexes

    def indexes(self) -> list[Index]:
        raw = self.poetry.get("source") or []
        if not isinstance(raw, list):
            return []
        line = self.lines.header("tool.poetry.source")
        entries: list[tuple[dict[str, Any], str, int]] = []
        for entry in raw:
            if not isinstance(entry, Mapping):
                continue
            name = str(entry.get("name", ""))
            url = str(entry.get("url") or (PYPI_URL if name.lower() == "pypi" else ""))
            if not url:
                raise ParseError(
                    f"[[tool.poetry.source]] {name!r} has no url",
                    path=self.path,
                    line=line or None,
                )
            priority = str(entry.get("priority", "")).lower()
            if not priority:
                if entry.get("default") is True:
                    priority = "default"
                elif entry.get("secondary") is True:
                    priority = "secondary"
                else:
                    priority = "primary"
            found = next(
                (
                    i + 1
                    for i in range(max(line, 1) - 1, len(self.lines.lines))
                    if url in self.lines.lines[i]
                ),
                line,
            )
            entries.append((dict(entry, name=name, url=url), priority, found))
            line = found + 1 if found else line
        # Poetry searches default, then primary sources, then PyPI (only when no primary or
        # default source is declared, nor PyPI itself), then secondary/supplemental ones. uv
        # searches its indexes in order and the default one last: the last source Poetry
        # searches becomes uv's default, the others plain indexes in Poetry's order, and an
        # implicit PyPI searched before a supplemental source is written out as "pypi".
        rank = {"default": 0, "primary": 1, "secondary": 3, "supplemental": 3}
        searched = sorted((e for e in entries if e[1] in rank), key=lambda e: rank[e[1]])
        implicit_pypi = (
            bool(searched)
            and rank[searched[0][1]] == 3
            and not any(e[0]["name"].lower() == "pypi" for e in entries)
        )
        if implicit_pypi:
            pypi = ({"name": "pypi", "url": PYPI_URL}, "primary", 0)
            entries.insert(0, pypi)
            searched.insert(0, pypi)
        last_default = searched[-1] if searched else None
        out: list[Index] = []
        for entry, priority, found in entries:
            url = entry["url"]
            secret = has_literal_credentials(url)
            if priority == "explicit":
                kind, explicit = IndexKind.NAMED, True
            elif entry is (last_default[0] if last_default else None):
                kind, explicit = IndexKind.DEFAULT, False
            else:
                kind, explicit = IndexKind.EXTRA, False
            if priority in ("supplemental", "secondary"):
                self.diag(
                    "PO007",
                    Severity.INFO,
                    f"source {entry['name']!r} is {priority}: uv has no such priority; it is "
                    "searched after "
                    + ("PyPI" if implicit_pypi else "the primary sources")
                    + ", for the packages they do not have (uv takes a package from the first "
                    "index that has it)",
                    Origin(self.path, found) if found else None,
                )
            out.append(
                Index(
                    url=strip_credentials(url) if secret else url,
                    kind=kind,
                    name=entry["name"],
                    has_credentials=secret,
                    origin=Origin(self.path, found),
                    explicit=explicit,
                )
            )
        return out

    # ---------------------------------------------------------------- metadata

    def metadata(self) -> list[tuple[str, Any]]:
        p = self.poetry
        out: list[tuple[str, Any]] = []
        for key in ("name", "version", "description"):
            if isinstance(p.get(key), str):
                out.append((key, p[key]))
        for key in ("authors", "maintainers"):
            people = [_person(str(a)) for a in p.get(key, []) or []]
            if people:
                out.append((key, people))
        if isinstance(p.get("license"), str):
            out.append(("license", {"text": p["license"]}))
        readme = p.get("readme")
        if isinstance(readme, list) and readme:
            if len(readme) > 1:
                self.diag(
                    "PO003",
                    Severity.WARNING,
                    f"readme names {len(readme)} files; PEP 621 takes one, kept {readme[0]!r}",
                    Origin(self.path, self.lines.key("tool.poetry", "readme")[0]),
                )
            readme = readme[0]
        if isinstance(readme, str):
            out.append(("readme", readme))
        for key in ("keywords", "classifiers"):
            if p.get(key):
                out.append((key, [str(x) for x in p[key]]))
        urls: dict[str, str] = {}
        for key, label in (
            ("homepage", "Homepage"),
            ("repository", "Repository"),
            ("documentation", "Documentation"),
        ):
            if isinstance(p.get(key), str):
                urls[label] = p[key]
        urls.update({str(k): str(v) for k, v in _sub(p, "urls").items()})
        if urls:
            out.append(("urls", urls))
        scripts: dict[str, str] = {}
        for name, value in _sub(p, "scripts").items():
            if isinstance(value, str):
                scripts[name] = value
            elif isinstance(value, Mapping) and (value.get("reference") or value.get("callable")):
                if value.get("type", "console") == "console":
                    scripts[name] = str(value.get("reference") or value.get("callable"))
                    if value.get("extras"):
                        scripts[name] += " [" + ",".join(value["extras"]) + "]"
                    continue
                self.diag(
                    "PO003",
                    Severity.WARNING,
                    f"script {name!r} of type {value.get('type')!r} has no [project.scripts] "
                    "form; not carried over",
                    Origin(self.path, self.lines.key("tool.poetry.scripts", name)[0]),
                )
        if scripts:
            out.append(("scripts", scripts))
        plugins = {
            str(g): {str(k): str(v) for k, v in entries.items()}
            for g, entries in _sub(p, "plugins").items()
            if isinstance(entries, Mapping)
        }
        if plugins:
            out.append(("entry-points", plugins))
        for key in ("include", "exclude", "build"):
            if key in p:
                self.diag(
                    "PO003",
                    Severity.WARNING,
                    f"[tool.poetry] {key} is not carried over to the hatchling build",
                    Origin(self.path, self.lines.key("tool.poetry", key)[0]),
                    "configure [tool.hatch.build] by hand if the wheel needs it",
                )
        return out

    def packages(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for entry in self.poetry.get("packages", []) or []:
            if not isinstance(entry, Mapping) or "include" not in entry:
                continue
            include = str(entry["include"])
            if any(ch in include for ch in "*?[") or include.endswith(".py"):
                self.diag(
                    "PO003",
                    Severity.WARNING,
                    f"packages entry {include!r} is not a package folder; not carried over",
                    Origin(self.path, self.lines.key("tool.poetry", "packages")[0]),
                    "configure [tool.hatch.build.targets.wheel] by hand",
                )
                continue
            out.append((include, str(entry.get("from", ""))))
        return out

    def read(self) -> PoetryData:
        groups, optional_groups = self.groups()
        indexes = self.indexes()
        names = {i.name.lower() for i in indexes}
        for src in self.sources.values():
            if src.kind is not UvSourceKind.INDEX or src.location.lower() in names:
                continue
            if src.location.lower() == "pypi":  # Poetry knows PyPI without a [[source]]
                indexes.append(Index(PYPI_URL, IndexKind.NAMED, "pypi", explicit=True))
                names.add("pypi")
                continue
            self.diag(
                "PO006",
                Severity.ERROR,
                f"{src.package}: source {src.location!r} is not a [[tool.poetry.source]]",
                src.origin,
                "declare the source, or fix the name (Poetry refuses this too)",
            )
        python = str(_sub(self.poetry, "dependencies").get("python", "") or "")
        requires: str | None = None
        if python:
            line, text = self.lines.key("tool.poetry.dependencies", "python")
            requires = self.spec("python", python, Origin(self.path, line, text)) or None
        for name in self.prereleases:
            self.diag(
                "PO005",
                Severity.INFO,
                f"{name} allows pre-releases; uv's prerelease setting covers every package",
                Origin(self.path, self.lines.key("tool.poetry.dependencies", name)[0]),
            )
        return PoetryData(
            name=str(self.poetry.get("name", "")),
            version=str(self.poetry.get("version", "")),
            python=python,
            requires_python=requires,
            metadata=tuple(self.metadata()),
            groups=tuple(groups),
            optional_groups=tuple(optional_groups),
            indexes=tuple(indexes),
            sources=tuple(self.sources.values()),
            prereleases=tuple(self.prereleases),
            package_mode=self.poetry.get("package-mode", True) is not False,
            packages=tuple(self.packages()),
            diagnostics=tuple(self.diags),
        )


def read_poetry(text: str, path: str = "pyproject.toml") -> PoetryData:
    """The facts of a Poetry ``pyproject.toml``; :class:`ParseError` on broken TOML or a
    dependency of an impossible shape. Unreadable constraints are ``PO001`` errors."""

    return _Reader(text, path).read()


def lock_versions(text: str, path: str = "poetry.lock") -> dict[str, str]:
    """name -> version of every package in ``poetry.lock`` from an index. Local folders and
    files are the project's own code, not a version to keep; a git or URL package's version is
    whatever its source holds (a branch that moved on since the lock has another one), so a
    ``==`` pin on it can only make ``uv lock`` fail."""

    data = load_toml(text, path)
    out: dict[str, str] = {}
    for pkg in data.get("package", []) or []:
        if not isinstance(pkg, Mapping) or "name" not in pkg or "version" not in pkg:
            continue
        source = pkg.get("source")
        if isinstance(source, Mapping) and source.get("type") in (
            "directory",
            "file",
            "git",
            "url",
        ):
            continue
        out.setdefault(normalize_name(str(pkg["name"])), str(pkg["version"]))
    return out


__all__ = [
    "Converted",
    "PoetryData",
    "and_markers",
    "convert_constraint",
    "git_url",
    "lock_versions",
    "platform_marker",
    "python_marker",
    "read_poetry",
    "requires_python",
]
