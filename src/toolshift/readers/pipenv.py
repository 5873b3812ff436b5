"""Read a Pipenv project (``Pipfile``, ``Pipfile.lock``) into facts.

Pure: text in, data out. What is read:

* ``[packages]`` -> the runtime group, ``[dev-packages]`` -> the ``dev`` group, any other
  package category (Pipenv 2022.10+) -> a group of its normalised name;
* each entry: ``"*"``, a PEP 440 specifier (a bare ``1.2`` means ``==1.2``, as Pipenv reads
  it), or a table with ``version``, ``extras``, ``markers`` and PEP 508 marker keys
  (``sys_platform = "== 'win32'"``), ``index``, ``git``/``ref``/``subdirectory``, ``path``,
  ``file``, ``editable``;
* ``[[source]]`` -> :class:`~toolshift.model.Index`: the first is the default, the others
  explicit ones (only for the packages naming them with ``index = "name"``, as pipenv does
  since 2022.3.23), or extra indexes with ``[pipenv] install_search_all_sources = true``;
  ``index =`` naming the first source is no source at all; ``verify_ssl = false`` ->
  :attr:`PipfileData.trusted_hosts`;
* ``[requires] python_version``/``python_full_version`` (read by
  :mod:`toolshift.readers.python_version`); ``[pipenv] allow_prereleases``;
* ``Pipfile.lock`` ``default``/``develop`` ``"version": "==x"`` -> :func:`lock_versions`.

Diagnostic codes: PE001 error (an entry that cannot be read), PE002 warning (a key with no
uv equivalent, not carried over), PE003 info (``path = "."``, the project itself, left out),
PE004 error (``index = "x"`` names no ``[[source]]``), PE005 info (a source no package names).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

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
_MARKER_KEYS = (
    "os_name",
    "sys_platform",
    "platform_machine",
    "platform_python_implementation",
    "platform_release",
    "platform_system",
    "platform_version",
    "python_version",
    "python_full_version",
    "implementation_name",
    "implementation_version",
)
_KNOWN_KEYS = frozenset(
    {
        "version",
        "extras",
        "markers",
        "index",
        "git",
        "ref",
        "subdirectory",
        "path",
        "file",
        "editable",
        *_MARKER_KEYS,
    }
)
_SKIP_SECTIONS = frozenset({"source", "requires", "pipenv", "scripts"})


@dataclass(frozen=True)
class PipfileData:
    groups: tuple[DependencyGroup, ...] = ()
    indexes: tuple[Index, ...] = ()
    sources: tuple[UvSource, ...] = ()
    trusted_hosts: tuple[str, ...] = ()
    prereleases: bool = False
    diagnostics: tuple[Diagnostic, ...] = ()


def _split_git(value: str) -> tuple[str, str | None, str | None]:
    """``git+https://host/x.git@v1#egg=x&subdirectory=py`` -> (``https://host/x.git``, ``v1``,
    ``py``): Pipfiles often carry pip's spelling in ``git =``; kept whole, the ``#egg=`` and
    the ``@ref`` ended up inside the uv source URL, and the pip URL read ``...#egg=x@main``."""

    from urllib.parse import parse_qs, urlsplit, urlunsplit

    from toolshift.readers.poetry import git_url

    value = value.removeprefix("git+")
    if "://" not in value:
        head, sep, frag = value.partition("#")
        ref = None
        if "@" in head.rsplit("/", 1)[-1].rsplit(":", 1)[-1]:
            head, ref = head.rsplit("@", 1)
        value = git_url(head) + (f"@{ref}" if ref else "") + sep + frag
    parts = urlsplit(value)
    fragment = parse_qs(parts.fragment)
    path, ref = parts.path, None
    if "@" in path.rsplit("/", 1)[-1]:
        path, ref = path.rsplit("@", 1)
    url = urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
    subdirectory = fragment.get("subdirectory", [None])[0]
    return url, ref or None, subdirectory


def convert_specifier(text: str) -> str:
    """A Pipfile version (``"*"``, ``">=1,<2"``, ``"1.2"``) as a PEP 440 specifier."""

    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    text = text.strip()
    if text in ("", "*"):
        return ""
    if re.match(r"^\d", text):
        text = "==" + text
    text = re.sub(r"\s+", "", text)
    try:
        SpecifierSet(text)
    except InvalidSpecifier:
        raise ValueError(text) from None
    return text


class _Reader:
    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.data = load_toml(text, path)
        self.lines = text.splitlines()
        self.diags: list[Diagnostic] = []
        self.sources: dict[str, UvSource] = {}
        self.index_refs: set[str] = set()

    def line(self, section: str, key: str) -> tuple[int, str]:
        start = next(
            (
                i
                for i, line in enumerate(self.lines)
                if re.match(r"^\s*\[\s*" + re.escape(section) + r"\s*\]", line)
            ),
            None,
        )
        if start is None:
            return 0, ""
        pat = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*=")
        for i in range(start + 1, len(self.lines)):
            if re.match(r"^\s*\[", self.lines[i]):
                break
            if pat.match(self.lines[i]):
                return i + 1, self.lines[i]
        return start + 1, ""

    def requirement(self, section: str, name: str, value: Any) -> Requirement | None:
        line, text = self.line(section, name)
        origin = Origin(self.path, line, text)
        if isinstance(value, str):
            return Requirement(name, self.spec(name, value, origin), origin=origin)
        if not isinstance(value, Mapping):
            self.diags.append(
                Diagnostic(
                    "PE001",
                    Severity.ERROR,
                    f"{name}: expected a version string or a table, got {value!r}",
                    origin,
                    'write it as name = "*" or name = {version = "..."}',
                )
            )
            return None
        markers = [str(value["markers"])] if isinstance(value.get("markers"), str) else []
        for key in _MARKER_KEYS:
            if isinstance(value.get(key), str):
                markers.append(f"{key} {value[key].strip()}")
        marker = " and ".join(f"({m})" if " or " in m else m for m in markers) or None
        extras = tuple(str(e) for e in value.get("extras", []) or [])
        editable = value.get("editable") is True
        key = normalize_name(name)
        for unknown in sorted(set(value) - _KNOWN_KEYS):
            self.diags.append(
                Diagnostic(
                    "PE002",
                    Severity.WARNING,
                    f"{name}: {unknown} = {value[unknown]!r} is not carried over",
                    origin,
                )
            )
        if "git" in value:
            url, url_ref, url_subdir = _split_git(str(value["git"]))
            ref = str(value["ref"]) if "ref" in value else url_ref
            subdirectory = value.get("subdirectory") or url_subdir
            pip_url = "git+" + url + (f"@{ref}" if ref else "")
            if subdirectory:
                pip_url += f"#subdirectory={subdirectory}"
            self.sources.setdefault(
                key,
                UvSource(
                    key,
                    UvSourceKind.GIT,
                    url,
                    rev=ref,
                    subdirectory=subdirectory,
                    origin=origin,
                ),
            )
            return Requirement(
                name,
                extras=extras,
                marker=marker,
                url=pip_url,
                source=SourceKind.VCS,
                editable=editable,
                origin=origin,
            )
        if "path" in value or ("file" in value and "://" not in str(value["file"])):
            path = str(value.get("path") or value.get("file"))
            if path.rstrip("/") in (".", "./", ""):
                self.diags.append(
                    Diagnostic(
                        "PE003",
                        Severity.INFO,
                        f"{name} = {{path = {path!r}}} is the project itself; uv installs a "
                        "package project without naming it",
                        origin,
                    )
                )
                return None
            self.sources.setdefault(
                key,
                UvSource(
                    key, UvSourceKind.PATH, path, editable=True if editable else None, origin=origin
                ),
            )
            return Requirement(
                name,
                extras=extras,
                marker=marker,
                url=path,
                source=SourceKind.PATH,
                editable=editable,
                origin=origin,
            )
        if "file" in value:
            url = str(value["file"])
            self.sources.setdefault(key, UvSource(key, UvSourceKind.URL, url, origin=origin))
            return Requirement(
                name, extras=extras, marker=marker, url=url, source=SourceKind.URL, origin=origin
            )
        if "index" in value:
            index = str(value["index"])
            self.index_refs.add(index)
            self.sources.setdefault(key, UvSource(key, UvSourceKind.INDEX, index, origin=origin))
        spec = self.spec(name, str(value.get("version", "*")), origin)
        return Requirement(name, spec, extras=extras, marker=marker, origin=origin)

    def spec(self, name: str, text: str, origin: Origin) -> str:
        try:
            return convert_specifier(text)
        except ValueError:
            self.diags.append(
                Diagnostic(
                    "PE001",
                    Severity.ERROR,
                    f"{name}: the version {text!r} is not a PEP 440 specifier",
                    origin,
                    "fix the Pipfile entry (pipenv would reject it too) and run again",
                )
            )
            return ""

    def groups(self) -> list[DependencyGroup]:
        out: list[DependencyGroup] = []
        for section, table in self.data.items():
            if section in _SKIP_SECTIONS or not isinstance(table, Mapping):
                continue
            reqs = [self.requirement(section, n, v) for n, v in table.items()]
            kept = tuple(r for r in reqs if r is not None)
            if section == "packages":
                out.insert(0, DependencyGroup(RUNTIME, GroupKind.RUNTIME, kept, files=(self.path,)))
            else:
                name = "dev" if section == "dev-packages" else normalize_name(section)
                out.append(DependencyGroup(name, GroupKind.GROUP, kept, files=(self.path,)))
        return out

    def indexes(self) -> tuple[list[Index], list[str]]:
        raw = self.data.get("source") or []
        out: list[Index] = []
        hosts: list[str] = []
        for i, entry in enumerate(raw if isinstance(raw, list) else []):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("url"), str):
                raise ParseError("[[source]] entry without a url", path=self.path)
            url: str = entry["url"]
            name = str(entry.get("name", ""))
            line = next((n for n, t in enumerate(self.lines, 1) if url in t), 0)
            secret = has_literal_credentials(url)
            if i == 0:
                kind, explicit = IndexKind.DEFAULT, False
            elif name in self.index_refs or not self.search_all_sources():
                # pipenv (2022.3.23 on) takes a package from the first source unless it names
                # another with `index =`: a source no package names serves nothing. As a
                # plain uv index it would be searched before the default one, for everything
                kind, explicit = IndexKind.NAMED, True
                if name not in self.index_refs:
                    self.diags.append(
                        Diagnostic(
                            "PE005",
                            Severity.INFO,
                            f"source {name!r}: no package names it (`index = {name!r}`), so "
                            "pipenv installs nothing from it; it is an explicit uv index, used "
                            "only by packages pinned to it in [tool.uv.sources]",
                            Origin(self.path, line),
                        )
                    )
            else:
                kind, explicit = IndexKind.EXTRA, False
            out.append(
                Index(
                    url=strip_credentials(url) if secret else url,
                    kind=kind,
                    name=name,
                    has_credentials=secret,
                    origin=Origin(self.path, line),
                    explicit=explicit,
                )
            )
            if entry.get("verify_ssl") is False:
                host = urlsplit(url).hostname
                if host and host not in hosts:
                    hosts.append(host)
        return out, hosts

    def search_all_sources(self) -> bool:
        """``[pipenv] install_search_all_sources = true``: every source serves every package."""

        pipenv = self.data.get("pipenv")
        return isinstance(pipenv, Mapping) and pipenv.get("install_search_all_sources") is True

    def read(self) -> PipfileData:
        groups = self.groups()
        indexes, hosts = self.indexes()
        names = {i.name for i in indexes}
        default = next((i.name for i in indexes if i.kind is IndexKind.DEFAULT), None)
        for key, src in list(self.sources.items()):
            # `index = "pypi"` naming the first source says what happens anyway; uv writes no
            # [[tool.uv.index]] for PyPI, so a source naming it broke `uv lock`
            if src.kind is UvSourceKind.INDEX and src.location == default:
                del self.sources[key]
        for src in self.sources.values():
            if src.kind is UvSourceKind.INDEX and src.location not in names:
                self.diags.append(
                    Diagnostic(
                        "PE004",
                        Severity.ERROR,
                        f"{src.package}: index {src.location!r} is not a [[source]] name",
                        src.origin,
                        "add the [[source]], or fix the name (pipenv refuses this too)",
                    )
                )
        pipenv = self.data.get("pipenv")
        pre = isinstance(pipenv, Mapping) and pipenv.get("allow_prereleases") is True
        if isinstance(self.data.get("scripts"), Mapping) and self.data["scripts"]:
            self.diags.append(
                Diagnostic(
                    "PE002",
                    Severity.WARNING,
                    "[scripts] has no uv equivalent and is not carried over: "
                    + ", ".join(f"{k} = {v!r}" for k, v in self.data["scripts"].items())
                    + "; `pipenv run <script>` in the Dockerfiles, compose files, CI, Makefile "
                    "and README becomes `uv run <the script's command>`, but anywhere else "
                    "(a Procfile, scripts, habits) `uv run <script>` runs a program of that name",
                    Origin(self.path, self.line("scripts", "")[0]),
                    "run the command itself under `uv run` there, or keep the scripts in a "
                    "Makefile",
                )
            )
        return PipfileData(
            groups=tuple(groups),
            indexes=tuple(indexes),
            sources=tuple(self.sources.values()),
            trusted_hosts=tuple(hosts),
            prereleases=pre,
            diagnostics=tuple(self.diags),
        )


def read_pipfile(text: str, path: str = "Pipfile") -> PipfileData:
    """The facts of a ``Pipfile``; :class:`ParseError` when it is not TOML."""

    return _Reader(text, path).read()


def lock_versions(text: str, path: str = "Pipfile.lock") -> dict[str, str]:
    """name -> version from ``Pipfile.lock`` ``default``, ``develop`` and other categories
    (``"==x"``)."""

    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"not valid JSON: {exc.msg}", path=path, line=exc.lineno, hint="run pipenv lock"
        ) from None
    out: dict[str, str] = {}
    if not isinstance(doc, Mapping):
        return out
    # default, develop, and the other package categories (`[tests]` in the Pipfile locks as
    # "tests"): their pins were lost
    sections = ["default", "develop", *(k for k in doc if k not in ("_meta", "default", "develop"))]
    for section in sections:
        entries = doc.get(section) or {}
        if not isinstance(entries, Mapping):
            continue
        for name, info in entries.items():
            version = str((info or {}).get("version", "")) if isinstance(info, Mapping) else ""
            # pipenv writes "*" for a package it could not pin (a platform-only one such as
            # pywin32 locked on Linux): no version, and `pywin32==*` made uv lock fail
            m = re.fullmatch(r"\s*===?\s*([^\s*,;]+)\s*", version)
            if m:
                out.setdefault(normalize_name(name), m.group(1))
    return out


__all__ = ["PipfileData", "convert_specifier", "lock_versions", "read_pipfile"]
