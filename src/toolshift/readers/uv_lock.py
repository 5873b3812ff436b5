"""Read ``uv.lock`` (pure: text in, data out) and work out which packages each group installs.

The lock is a universal resolution: one graph for every platform and Python version. A package
can appear in several versions (a *fork*, e.g. ``numpy`` 2.0 below Python 3.10 and 2.2 above);
each version then lists its ``resolution-markers`` and each edge that points at it names the
``version`` (and ``source``) and carries a ``marker``. Platform-specific dependencies are edges
with a marker (``colorama ; sys_platform == 'win32'``).

:meth:`LockData.resolve` walks the graph from the project's own package for one selection
(the runtime dependencies, an extra, or a dependency group) and returns every package reached,
with the marker under which it is reached: the OR over all paths of the AND of the edge
markers along the path, which is what a requirements file needs. Markers are kept in
disjunctive normal form with the Python-version part as intervals (clipped to the lock's
``requires-python``), so ``python_full_version < '3.10' or (python_full_version >= '3.10' and
python_full_version < '3.11')`` comes out as ``python_full_version < '3.11'``, as
``uv export`` writes it.

Only :mod:`tomllib` and :mod:`re` are imported: planning ``--to pip`` for a 300-package lock
must stay well under 300 ms including interpreter start.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from toolshift.errors import InputError, ParseError
from toolshift.model import Diagnostic, Origin, Severity, normalize_name

LOCK_VERSION = 1  # the lock format version toolshift understands
KNOWN_REVISION = 5  # the newest revision seen (revisions are backward compatible)

# --------------------------------------------------------------------------- markers

Version = tuple[int, ...]
Interval = tuple[Version | None, Version | None]  # [lo, hi): None is unbounded
Intervals = tuple[Interval, ...]  # sorted, disjoint, non-adjacent
ALL: Intervals = ((None, None),)


def _lt(a: Version | None, b: Version | None, lo_a: bool, lo_b: bool) -> bool:
    # Compare bounds: None as a lower bound is -inf, as an upper bound +inf.
    if a is None and b is None:
        return lo_a and not lo_b
    if a is None:
        return lo_a
    if b is None:
        return not lo_b
    return a < b


def _norm(items: Iterable[Interval]) -> Intervals:
    ivs = [iv for iv in items if iv[0] is None or iv[1] is None or iv[0] < iv[1]]
    ivs.sort(key=lambda iv: (iv[0] is not None, iv[0] or ()))
    out: list[Interval] = []
    for lo, hi in ivs:
        if out:
            plo, phi = out[-1]
            if phi is None or (lo is not None and lo <= phi):
                new_hi = None if phi is None or hi is None else max(phi, hi)
                out[-1] = (plo, new_hi)
                continue
            if lo is None:  # pragma: no cover - sorted, so only the first can be None
                continue
        out.append((lo, hi))
    return tuple(out)


def _intersect(a: Intervals, b: Intervals) -> Intervals:
    out: list[Interval] = []
    for alo, ahi in a:
        for blo, bhi in b:
            lo = alo if _lt(blo, alo, True, True) else blo
            hi = ahi if _lt(ahi, bhi, False, False) else bhi
            if lo is None or hi is None or lo < hi:
                out.append((lo, hi))
    return _norm(out)


def _complement(a: Intervals) -> Intervals:
    out: list[Interval] = []
    prev: Version | None = None
    first = True
    for lo, hi in a:
        if not (first and lo is None):
            out.append((prev, lo))
        first = False
        prev = hi
        if hi is None:
            return _norm(out)
    out.append((prev, None))
    return _norm(out)


def _subset(a: Intervals, b: Intervals) -> bool:
    return _intersect(a, b) == a


def _ver(text: str) -> Version | None:
    if not re.fullmatch(r"\d+(\.\d+)*", text):
        return None
    return tuple(int(x) for x in text.split("."))


def _pad(v: Version) -> Version:
    return (*v, 0, 0, 0)[:3]


def _bump(v: Version, at: int) -> Version:
    v = _pad(v)
    return (*v[:at], v[at] + 1, *([0] * (2 - at)))


def python_intervals(var: str, op: str, value: str) -> Intervals | None:
    """The Python versions a ``python_version``/``python_full_version`` comparison admits,
    or ``None`` when it is not one we reduce to intervals."""

    wildcard = value.endswith(".*")
    v = _ver(value[:-2] if wildcard else value)
    if v is None or len(v) > 3 or (wildcard and op not in ("==", "!=")):
        return None
    if var == "python_version":
        if len(v) > 2 or wildcard:
            return None
        lo, nxt = _pad(v), _bump(v, len(v) - 1)
    elif var == "python_full_version":
        if wildcard:
            lo, nxt = _pad(v), _bump(v, len(v) - 1)
        else:
            lo, nxt = _pad(v), _bump(v, 2)
    else:
        return None
    table: dict[str, Intervals] = {
        "<": ((None, lo),),
        "<=": ((None, nxt),),
        ">": ((nxt, None),),
        ">=": ((lo, None),),
        "==": ((lo, nxt),),
        "!=": _complement(((lo, nxt),)),
    }
    return table.get(op)


@dataclass(frozen=True)
class Term:
    """A conjunction: Python versions in ``python``, and every other comparison in ``atoms``."""

    python: Intervals
    atoms: frozenset[str]


Dnf = frozenset[Term]  # an OR of terms; the empty set is false
TRUE_TERM = Term(ALL, frozenset())

_TOKEN = re.compile(
    r"\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<str>'[^']*'|\"[^\"]*\")"
    r"|(?P<op>===|==|!=|<=|>=|~=|<|>|not\s+in\b|in\b)|(?P<kw>and\b|or\b)|(?P<var>[A-Za-z_][\w.]*))"
)
_ATOM = re.compile(r"^(?P<var>\w+) (?P<op>\S+(?: in)?) '(?P<val>[^']*)'$")


class MarkerError(ValueError):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise MarkerError(f"cannot read marker {text!r} at {pos}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _atom_dnf(left: tuple[str, str], op: str, right: tuple[str, str]) -> Dnf:
    op = re.sub(r"\s+", " ", op)
    if left[0] == "var" and right[0] == "str":
        var, val = left[1], right[1][1:-1]
        py = python_intervals(var, op, val)
        if py is not None:
            return frozenset({Term(py, frozenset())}) if py else frozenset()
        return frozenset({Term(ALL, frozenset({f"{var} {op} '{val}'"}))})
    if left[0] == "str" and right[0] == "var":
        flipped = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}
        if op in flipped:
            return _atom_dnf(right, flipped[op], left)
        return frozenset({Term(ALL, frozenset({f"'{left[1][1:-1]}' {op} {right[1]}"}))})
    raise MarkerError(f"cannot read marker comparison {left[1]} {op} {right[1]}")


def _closing(toks: list[tuple[str, str]], start: int) -> int:
    depth = 0
    for i in range(start, len(toks)):
        depth += {"lp": 1, "rp": -1}.get(toks[i][0], 0)
        if depth == 0:
            return i
    return -1


def normalize_marker_text(text: str) -> str:
    """A marker as packaging writes it (double quotes, single spaces); :class:`MarkerError`
    when it is not one. The expression itself is kept (no simplification)."""

    toks = _tokens(text)
    parse_marker(text)  # validates the grammar
    while toks and toks[0][0] == "lp" and _closing(toks, 0) == len(toks) - 1:
        toks = toks[1:-1]  # packaging drops parentheses around the whole marker
    out: list[str] = []
    for kind, value in toks:
        if kind == "str":
            value = '"' + value[1:-1] + '"'
        elif kind == "op":
            value = re.sub(r"\s+", " ", value)
        if out and (out[-1] == "(" or kind == "rp"):
            out[-1] += value
        else:
            out.append(value)
    return " ".join(out)


def parse_marker(text: str | None, universe: Intervals = ALL) -> Dnf:
    """A PEP 508 marker as a DNF (``None``/empty is true). Raises :class:`MarkerError`."""

    if not text or not text.strip():
        return frozenset({Term(universe, frozenset())})
    toks = _tokens(text)
    pos = 0

    def peek() -> tuple[str, str] | None:
        return toks[pos] if pos < len(toks) else None

    def take() -> tuple[str, str]:
        nonlocal pos
        if pos >= len(toks):
            raise MarkerError(f"marker {text!r} ends too early")
        pos += 1
        return toks[pos - 1]

    def expr() -> Dnf:
        result = conj()
        while (t := peek()) is not None and t == ("kw", "or"):
            take()
            result = dnf_or(result, conj(), universe)
        return result

    def conj() -> Dnf:
        result = atom()
        while (t := peek()) is not None and t == ("kw", "and"):
            take()
            result = dnf_and(result, atom(), universe)
        return result

    def atom() -> Dnf:
        t = take()
        if t[0] == "lp":
            inner = expr()
            if take()[0] != "rp":
                raise MarkerError(f"unbalanced parentheses in {text!r}")
            return inner
        op = take()
        if op[0] != "op":
            raise MarkerError(f"expected a comparison in {text!r}")
        return dnf_and(_atom_dnf(t, op[1], take()), frozenset({TRUE_TERM}), universe)

    result = expr()
    if pos != len(toks):
        raise MarkerError(f"unexpected text in marker {text!r}")
    return result


def _contradicts(atoms: frozenset[str]) -> bool:
    eq: dict[str, set[str]] = {}
    ne: dict[str, set[str]] = {}
    for a in atoms:
        m = _ATOM.match(a)
        if not m:
            continue
        if m["op"] == "==":
            eq.setdefault(m["var"], set()).add(m["val"])
        elif m["op"] == "!=":
            ne.setdefault(m["var"], set()).add(m["val"])
    return any(len(vals) > 1 or vals & ne.get(var, set()) for var, vals in eq.items())


def _negation(atom: str) -> str | None:
    m = _ATOM.match(atom)
    if not m:
        return None
    neg = {"==": "!=", "!=": "==", "in": "not in", "not in": "in"}.get(m["op"])
    return f"{m['var']} {neg} '{m['val']}'" if neg else None


def simplify(terms: Iterable[Term], universe: Intervals = ALL) -> Dnf:
    """Drop false terms, merge terms that differ only in Python versions or by ``x == v`` /
    ``x != v``, and drop terms implied by others."""

    by_atoms: dict[frozenset[str], Intervals] = {}
    for t in terms:
        py = _intersect(t.python, universe)
        if not py or _contradicts(t.atoms):
            continue
        prev = by_atoms.get(t.atoms)
        by_atoms[t.atoms] = py if prev is None else _norm(prev + py)
    changed = True
    while changed:
        changed = False
        for atoms, py in list(by_atoms.items()):
            if atoms not in by_atoms:
                continue
            for a in atoms:
                neg = _negation(a)
                if neg is None:
                    continue
                twin = (atoms - {a}) | {neg}
                if by_atoms.get(twin) == py:
                    del by_atoms[atoms], by_atoms[twin]
                    rest = atoms - {a}
                    prev = by_atoms.get(rest)
                    by_atoms[rest] = py if prev is None else _norm(prev + py)
                    changed = True
                    break
    # Where a term with fewer atoms already holds, a term with more atoms may hold too:
    # (py < 3.11) or (py >= 3.11 and x) == (py < 3.11) or x.
    for atoms in by_atoms:
        for o_atoms, o_py in by_atoms.items():
            if o_atoms < atoms:
                by_atoms[atoms] = _norm(by_atoms[atoms] + o_py)
    items = list(by_atoms.items())
    kept: list[Term] = []
    for atoms, py in items:
        absorbed = any(
            (o_atoms is not atoms)
            and o_atoms <= atoms
            and _subset(py, o_py)
            and (o_atoms != atoms or o_py != py)
            for o_atoms, o_py in items
        )
        if not absorbed:
            kept.append(Term(py, atoms))
    return frozenset(kept)


def dnf_or(a: Dnf, b: Dnf, universe: Intervals = ALL) -> Dnf:
    return simplify([*a, *b], universe)


def dnf_and(a: Dnf, b: Dnf, universe: Intervals = ALL) -> Dnf:
    return simplify(
        (Term(_intersect(x.python, y.python), x.atoms | y.atoms) for x in a for y in b),
        universe,
    )


def is_true(d: Dnf, universe: Intervals = ALL) -> bool:
    return any(not t.atoms and _subset(universe, t.python) for t in d)


def _vtext(v: Version) -> str:
    parts = list(v)
    while len(parts) > 2 and parts[-1] == 0:
        parts.pop()
    return ".".join(str(p) for p in parts)


def _render_interval(iv: Interval, universe: Intervals) -> list[str]:
    lo, hi = iv
    # The universe piece this interval lies in: bounds equal to it need not be written.
    ulo, uhi = next(
        (u for u in universe if _subset(((lo, hi),), (u,))),
        (None, None),
    )
    whole_minor = lo is not None and hi is not None and lo[2:] == (0,) and hi == _bump(lo, 1)
    if whole_minor and lo != ulo and hi != uhi:
        return [f"python_full_version == '{_vtext(lo)}.*'"]  # type: ignore[arg-type]
    parts = []
    if lo is not None and lo != ulo:
        parts.append(f"python_full_version >= '{_vtext(lo)}'")
    if hi is not None and hi != uhi:
        parts.append(f"python_full_version < '{_vtext(hi)}'")
    return parts


def render_marker(d: Dnf, universe: Intervals = ALL) -> str | None:
    """A DNF as marker text (``None`` when always true, ``"python_full_version < '0'"`` never
    happens: an empty DNF renders as ``None`` too, callers drop unreachable packages first)."""

    if not d or is_true(d, universe):
        return None
    pys = {t.python for t in d}
    if len(d) > 1 and len(pys) == 1 and all(t.atoms for t in d):
        (py,) = pys
        if len(py) == 1 and not _subset(universe, py):
            # Factor the common Python range out, as uv does: py and (a or (b and c)).
            inner = render_marker(frozenset(Term(universe, t.atoms) for t in d), universe)
            return " and ".join([*_render_interval(py[0], universe), f"({inner})"])
    rendered: list[str] = []
    for t in d:
        pieces = [(iv,) for iv in t.python] if not _subset(universe, t.python) else [()]
        for piece in pieces:
            # Python versions first, as uv writes them.
            parts = [p for iv in piece for p in _render_interval(iv, universe)]
            parts += sorted(t.atoms)
            rendered.append(" and ".join(parts) if parts else "")
    if "" in rendered:
        return None
    terms = sorted(set(rendered))
    if len(terms) == 1:
        return terms[0]
    return " or ".join(f"({t})" if " and " in t else t for t in terms)


def requires_python_intervals(spec: str | None) -> Intervals:
    """``>=3.9``, ``>=3.10,<4`` ... as intervals (a specifier we cannot reduce admits all)."""

    if not spec:
        return ALL
    result = ALL
    for part in spec.split(","):
        m = re.fullmatch(r"\s*(===|==|!=|<=|>=|~=|<|>)\s*([\d.]+(?:\.\*)?)\s*", part)
        if not m:
            return ALL
        op, val = m.groups()
        if op == "~=":
            v = _ver(val)
            if v is None or len(v) < 2:
                return ALL
            ivs: Intervals | None = ((_pad(v), _bump(v, len(v) - 2)),)
        else:
            ivs = python_intervals("python_full_version", "==" if op == "===" else op, val)
        if ivs is None:
            return ALL
        result = _intersect(result, ivs)
    return result


# --------------------------------------------------------------------------- lock data


class LockSourceKind(StrEnum):
    REGISTRY = "registry"
    GIT = "git"
    PATH = "path"  # a local archive or directory installed as a regular package
    DIRECTORY = "directory"
    EDITABLE = "editable"
    VIRTUAL = "virtual"  # a project that is not built (package = false, workspace roots)
    URL = "url"


@dataclass(frozen=True)
class LockSource:
    kind: LockSourceKind
    value: str  # the registry URL, git URL (with ?query#commit), path or URL

    def git_parts(self) -> tuple[str, dict[str, str], str]:
        """For a git source: (repository URL, query {rev, tag, branch, subdirectory}, commit)."""

        from urllib.parse import unquote

        url, _, commit = self.value.partition("#")
        base, _, query = url.partition("?")
        # uv percent-encodes the values (subdirectory=plugins%2Fcore); pip reads them as is
        params = {
            k: unquote(v) for k, _, v in (p.partition("=") for p in query.split("&") if "=" in p)
        }
        return base, params, commit


@dataclass(frozen=True)
class LockDependency:
    name: str  # normalised
    version: str | None = None  # given when several versions of ``name`` are locked
    source: LockSource | None = None
    extras: tuple[str, ...] = ()
    marker: str | None = None


@dataclass(frozen=True)
class LockedPackage:
    name: str  # normalised, as uv writes it
    version: str | None
    source: LockSource
    dependencies: tuple[LockDependency, ...] = ()
    optional_dependencies: Mapping[str, tuple[LockDependency, ...]] = field(default_factory=dict)
    dev_dependencies: Mapping[str, tuple[LockDependency, ...]] = field(default_factory=dict)
    resolution_markers: tuple[str, ...] = ()
    hashes: tuple[str, ...] = ()  # sdist first, then wheels, as "sha256:..."
    origin: Origin | None = None
    # [package.metadata]: what pyproject.toml declared when uv locked (local packages only):
    # "" -> names in requires-dist (extras included), group -> names in requires-dev.
    declared: Mapping[str, frozenset[str]] | None = None

    @property
    def key(self) -> tuple[str, str | None, LockSource]:
        return (self.name, self.version, self.source)


@dataclass(frozen=True)
class Selection:
    """What to install: the runtime dependencies, and/or extras, and/or dependency groups."""

    runtime: bool = True
    extras: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResolvedPackage:
    package: LockedPackage
    marker: str | None  # None: always installed
    direct: bool  # named by the selection itself (not only reached through others)
    direct_extras: tuple[str, ...] = ()
    via: tuple[str, ...] = ()  # names of the packages that pull it in


@dataclass(frozen=True)
class LockData:
    path: str
    version: int
    revision: int
    requires_python: str | None
    packages: tuple[LockedPackage, ...]
    resolution_markers: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    constraints: tuple[str, ...] = ()
    overrides: tuple[str, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def universe(self) -> Intervals:
        return requires_python_intervals(self.requires_python)

    def find(self, name: str) -> list[LockedPackage]:
        return list(self._by_name.get(normalize_name(name), ()))

    @functools.cached_property
    def _by_name(self) -> dict[str, list[LockedPackage]]:
        # resolve() looks a name up for every edge: a scan per lookup was most of its time
        out: dict[str, list[LockedPackage]] = {}
        for p in self.packages:
            out.setdefault(p.name, []).append(p)
        return out

    def versions(self) -> dict[str, set[str]]:
        """Every locked name -> its versions (the local project packages included)."""

        out: dict[str, set[str]] = {}
        for p in self.packages:
            out.setdefault(p.name, set()).add(p.version or "")
        return out

    def root(self, project_name: str | None = None) -> LockedPackage | None:
        """The project's own package: the one at ``.`` (virtual or editable)."""

        for p in self.packages:
            if p.source.kind in (
                LockSourceKind.VIRTUAL,
                LockSourceKind.EDITABLE,
                LockSourceKind.DIRECTORY,
            ) and p.source.value in (".", "./", ""):
                return p
        if project_name:
            found = self.find(project_name)
            if len(found) == 1:
                return found[0]
        return None

    def _targets(self, dep: LockDependency) -> list[LockedPackage]:
        found = self.find(dep.name)
        if dep.version is not None:
            found = [p for p in found if p.version == dep.version] or found
        if dep.source is not None and len(found) > 1:
            found = [p for p in found if p.source == dep.source] or found
        return found

    def resolve(
        self, selection: Selection, project_name: str | None = None
    ) -> list[ResolvedPackage]:
        """Every package the selection installs, with its marker, sorted by name and version.

        Raises :class:`InputError` when the lock has no project package or the selection names
        an extra or group the lock does not have.
        """

        root = self.root(project_name)
        if root is None:
            raise InputError(
                "uv.lock has no package for the project itself",
                path=self.path,
                hint="run `uv lock` in the project folder to refresh the lock",
            )
        universe = self.universe
        active_extras = {(root.name, normalize_name(e)) for e in selection.extras}
        active_groups = {(root.name, normalize_name(g)) for g in selection.groups}
        start: list[LockDependency] = []
        if selection.runtime:
            start.extend(root.dependencies)
        for extra in selection.extras:
            deps = _lookup(root.optional_dependencies, extra)
            if deps is None:
                raise InputError(
                    f"uv.lock has no extra {extra!r} for {root.name}",
                    path=self.path,
                    hint="run `uv lock` to refresh the lock, or check the extra's name",
                )
            start.extend(deps)
        for group in selection.groups:
            deps = _lookup(root.dev_dependencies, group)
            if deps is None:
                raise InputError(
                    f"uv.lock has no dependency group {group!r} for {root.name}",
                    path=self.path,
                    hint="run `uv lock` to refresh the lock, or check the group's name",
                )
            start.extend(deps)

        def conflict_truth(atom: str) -> bool | None:
            m = _ATOM.match(atom)
            if not m or m["var"] not in ("extra", "group") or m["op"] not in ("==", "!="):
                return None
            enc = re.fullmatch(r"(extra|group)-(\d+)-(.+)", m["val"])
            if not enc:
                return None
            n = int(enc.group(2))
            pkg, name = enc.group(3)[:n], enc.group(3)[n + 1 :]
            active = active_extras if enc.group(1) == "extra" else active_groups
            hit = (normalize_name(pkg), normalize_name(name)) in active
            return hit if m["op"] == "==" else not hit

        cache: dict[str | None, Dnf] = {}

        def edge(marker: str | None) -> Dnf:
            if marker not in cache:
                try:
                    d = parse_marker(marker, universe)
                except MarkerError as exc:
                    raise ParseError(
                        str(exc), path=self.path, hint="regenerate the lock with `uv lock`"
                    ) from None
                cache[marker] = _assume(d, conflict_truth, universe)
            return cache[marker]

        true: Dnf = frozenset({Term(universe, frozenset())})
        reach: dict[tuple[Any, ...], Dnf] = {}
        via: dict[tuple[Any, ...], set[str]] = {}
        direct: dict[tuple[Any, ...], set[str]] = {}
        by_key = {p.key: p for p in self.packages}
        work: list[tuple[Any, ...]] = []

        def add(node: tuple[Any, ...], m: Dnf, parent: str | None) -> None:
            if not m:
                return
            if parent is not None:
                via.setdefault(node, set()).add(parent)
            old = reach.get(node)
            if old is not None and (m <= old or old == true):
                return  # nothing new: the common case, kept cheap
            new = m if old is None else dnf_or(old, m, universe)
            if new != old:
                reach[node] = new
                work.append(node)

        anded: dict[tuple[Dnf, str], Dnf] = {}  # many edges repeat (parent marker, edge)

        def follow(dep: LockDependency, m: Dnf, parent: str | None) -> None:
            dm = m
            if dep.marker:
                key = (m, dep.marker)
                found = anded.get(key)
                if found is None:
                    found = anded[key] = dnf_and(m, edge(dep.marker), universe)
                dm = found
            for target in self._targets(dep):
                add(target.key, dm, parent)
                for extra in dep.extras:
                    add((*target.key, normalize_name(extra)), dm, None)

        for dep in start:
            for target in self._targets(dep):
                direct.setdefault(target.key, set()).update(dep.extras)
            follow(dep, true, None)
        steps = 0
        while work:
            steps += 1
            if steps > 200_000:  # pragma: no cover - a safety net against marker churn
                break
            node = work.pop()
            m = reach[node]
            pkg = by_key[node[:3]]
            if len(node) == 3:
                for dep in pkg.dependencies:
                    follow(dep, m, pkg.name)
            else:
                for dep in _lookup(pkg.optional_dependencies, node[3]) or ():
                    follow(dep, m, pkg.name)
        out: list[ResolvedPackage] = []
        for node, m in reach.items():
            if len(node) != 3 or node == root.key:
                continue
            pkg = by_key[node]
            out.append(
                ResolvedPackage(
                    package=pkg,
                    marker=render_marker(m, universe),
                    direct=node in direct,
                    direct_extras=tuple(sorted(direct.get(node, ()))),
                    via=tuple(sorted(via.get(node, ()))),
                )
            )
        out.sort(key=lambda r: (r.package.name, _sort_version(r.package.version)))
        return out


def _sort_version(v: str | None) -> tuple[Any, ...]:
    if not v:
        return ()
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.+-]", v))


def _lookup(
    table: Mapping[str, tuple[LockDependency, ...]], name: str
) -> tuple[LockDependency, ...] | None:
    key = normalize_name(name)
    for k, v in table.items():
        if normalize_name(k) == key:
            return v
    return None


def _assume(d: Dnf, truth: Callable[[str], bool | None], universe: Intervals) -> Dnf:
    """Replace atoms ``truth`` knows (uv's conflict markers ``extra == 'extra-3-pkg-cpu'``)."""

    if not any(truth(a) is not None for t in d for a in t.atoms):
        return d
    terms: list[Term] = []
    for t in d:
        keep: set[str] = set()
        ok = True
        for a in t.atoms:
            value = truth(a)
            if value is None:
                keep.add(a)
            elif not value:
                ok = False
                break
        if ok:
            terms.append(Term(t.python, frozenset(keep)))
    return simplify(terms, universe)


# --------------------------------------------------------------------------- reading


def _source(raw: Any, path: str, line: int) -> LockSource:
    if isinstance(raw, dict) and len(raw) >= 1:
        for kind in LockSourceKind:
            if kind.value in raw:
                return LockSource(kind, str(raw[kind.value]))
    raise ParseError(f"unknown package source {raw!r}", path=path, line=line or None)


def _dependency(raw: Any, path: str, line: int) -> LockDependency:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise ParseError(f"malformed dependency {raw!r}", path=path, line=line or None)
    extra = raw.get("extra", ())
    return LockDependency(
        name=normalize_name(raw["name"]),
        version=raw.get("version"),
        source=_source(raw["source"], path, line) if "source" in raw else None,
        extras=tuple(extra) if isinstance(extra, list) else (),
        marker=raw.get("marker"),
    )


def _deps_table(raw: Any, path: str, line: int) -> dict[str, tuple[LockDependency, ...]]:
    if not isinstance(raw, dict):
        return {}
    return {
        str(k): tuple(_dependency(d, path, line) for d in (v if isinstance(v, list) else []))
        for k, v in raw.items()
    }


def _declared(raw: Any) -> dict[str, frozenset[str]] | None:
    if not isinstance(raw, dict) or "requires-dist" not in raw:
        return None

    def names(items: Any) -> frozenset[str]:
        return frozenset(
            normalize_name(i["name"])
            for i in (items if isinstance(items, list) else [])
            if isinstance(i, dict) and isinstance(i.get("name"), str)
        )

    out = {"": names(raw["requires-dist"])}
    dev = raw.get("requires-dev")
    if isinstance(dev, dict):
        out.update({normalize_name(k): names(v) for k, v in dev.items()})
    return out


def _package_lines(text: str) -> list[int]:
    return [i for i, line in enumerate(text.splitlines(), 1) if line.startswith("[[package]]")]


_HASH_KEY = 'hash = "'


def _hashes(line: str) -> list[str]:
    out = []
    start = line.find(_HASH_KEY)
    while start >= 0:
        start += len(_HASH_KEY)
        end = line.find('"', start)
        out.append(line[start:end])
        start = line.find(_HASH_KEY, end)
    return out


def _strip_artifacts(text: str) -> tuple[str, list[list[str]]] | None:
    """The lock without its ``sdist``/``wheels`` lines, and the hashes they held per package.

    Wheel lists are most of a lock's bytes (a 300-package lock is ~2 MB); tomllib takes
    ~200 ms over them, a regex over the lines a tenth of that. uv writes them in one fixed
    shape; anything else returns ``None`` and the lock is parsed whole.
    """

    out: list[str] = []
    hashes: list[list[str]] = []
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("[[package]]"):
            hashes.append([])
        elif line.startswith("sdist = {") and hashes:
            hashes[-1].extend(_hashes(line))
            i += 1
            continue
        elif line.startswith("wheels = [") and hashes:
            if line.rstrip().endswith("]"):
                hashes[-1].extend(_hashes(line))
                i += 1
                continue
            j = i + 1
            while j < len(lines) and lines[j].rstrip() != "]":
                if not lines[j].startswith("    {"):
                    return None
                hashes[-1].extend(_hashes(lines[j]))
                j += 1
            if j == len(lines):
                return None
            i = j + 1
            continue
        out.append(line)
        i += 1
    return "".join(out), hashes


def load_lock(text: str, path: str = "uv.lock") -> tuple[dict[str, Any], list[list[str]] | None]:
    """The lock as TOML data without the ``sdist``/``wheels`` entries (several times faster
    on a real lock), and the hashes they held per ``[[package]]`` (``None``: the lock had an
    unusual shape and was parsed whole, artifacts included). :class:`ParseError` at path:line
    for invalid TOML. Use this wherever only names, versions and dependencies are needed.

    The last lock loaded is remembered (one entry, compared by text): ``migrate`` loads the
    same lock in detect and again in the planner. The data is shared: read it, never change it.
    """

    global _LAST_LOADED
    last = _LAST_LOADED
    if last is not None and last[0] == path and last[1] == text:
        return last[2]
    result = _load_lock(text, path)
    _LAST_LOADED = (path, text, result)
    return result


_LAST_LOADED: tuple[str, str, tuple[dict[str, Any], list[list[str]] | None]] | None = None


def _load_lock(text: str, path: str) -> tuple[dict[str, Any], list[list[str]] | None]:
    from toolshift.readers.pyproject import load_toml

    stripped = _strip_artifacts(text)
    if stripped is None:
        return load_toml(text, path), None
    try:
        return load_toml(stripped[0], path), stripped[1]
    except ParseError:
        return load_toml(text, path), None  # raises again, with the line in the real file


def read_uv_lock(text: str, path: str = "uv.lock") -> LockData:
    """Parse ``uv.lock``. Raises :class:`ParseError` for malformed content and
    :class:`InputError` for a lock format newer than toolshift knows."""

    doc, artifacts = load_lock(text, path)
    version = doc.get("version")
    if not isinstance(version, int):
        raise ParseError(
            "uv.lock has no lock format `version`",
            path=path,
            line=1,
            hint="regenerate it with `uv lock`",
        )
    if version > LOCK_VERSION:
        raise InputError(
            f"uv.lock uses lock format version {version}; this toolshift reads version "
            f"{LOCK_VERSION}",
            path=path,
            line=1,
            hint="upgrade toolshift (`pip install -U toolshift`), which follows uv's lock format",
        )
    revision = doc.get("revision", 0)
    diagnostics: list[Diagnostic] = []
    if isinstance(revision, int) and revision > KNOWN_REVISION:
        diagnostics.append(
            Diagnostic(
                code="lock-revision",
                severity=Severity.INFO,
                message=f"uv.lock revision {revision} is newer than toolshift knows "
                f"({KNOWN_REVISION}); reading it anyway (revisions are backward compatible)",
                origin=Origin(path, 2),
            )
        )
    lines = _package_lines(text)
    packages: list[LockedPackage] = []
    raw_packages = doc.get("package", [])
    if not isinstance(raw_packages, list):
        raise ParseError("`package` must be an array of tables", path=path)
    for i, raw in enumerate(raw_packages):
        line = lines[i] if i < len(lines) else 0
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise ParseError("a [[package]] without a name", path=path, line=line or None)
        hashes: list[str] = list(artifacts[i]) if artifacts and i < len(artifacts) else []
        sdist = raw.get("sdist")
        if isinstance(sdist, dict) and isinstance(sdist.get("hash"), str):
            hashes.append(sdist["hash"])
        for wheel in raw.get("wheels", []) or []:
            if isinstance(wheel, dict) and isinstance(wheel.get("hash"), str):
                hashes.append(wheel["hash"])
        name = normalize_name(raw["name"])
        packages.append(
            LockedPackage(
                name=name,
                version=raw.get("version"),
                source=_source(raw.get("source"), path, line),
                dependencies=tuple(
                    _dependency(d, path, line) for d in raw.get("dependencies", []) or []
                ),
                optional_dependencies=_deps_table(raw.get("optional-dependencies"), path, line),
                dev_dependencies=_deps_table(raw.get("dev-dependencies"), path, line),
                resolution_markers=tuple(raw.get("resolution-markers", []) or []),
                hashes=tuple(dict.fromkeys(hashes)),
                origin=Origin(path, line, name),
                declared=_declared(raw.get("metadata")),
            )
        )
    manifest = doc.get("manifest") if isinstance(doc.get("manifest"), dict) else {}
    assert isinstance(manifest, dict)

    def names(key: str) -> tuple[str, ...]:
        items = manifest.get(key, []) or []
        out: list[str] = []
        for item in items:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, dict) and isinstance(item.get("name"), str):
                spec = item.get("specifier", "")
                out.append(f"{item['name']}{spec}")
        return tuple(out)

    rp = doc.get("requires-python")
    return LockData(
        path=path,
        version=version,
        revision=revision if isinstance(revision, int) else 0,
        requires_python=rp if isinstance(rp, str) else None,
        packages=tuple(packages),
        resolution_markers=tuple(doc.get("resolution-markers", []) or []),
        members=names("members"),
        constraints=names("constraints"),
        overrides=names("overrides"),
        diagnostics=tuple(diagnostics),
    )
