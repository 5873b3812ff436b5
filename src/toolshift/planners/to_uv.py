"""Plan step for ``migrate --to uv``: from the model of a pip/pip-tools project to uv's files.

Pure: takes the :class:`~toolshift.model.Detected` model (and the bytes detect read) and returns
a :class:`~toolshift.model.Plan`. Nothing here touches the disk.

What moves where (rule ids in :mod:`toolshift.rules`):

* runtime requirements -> ``[project] dependencies`` (TS101), each as the user wrote it;
* dev/test/docs groups -> PEP 735 ``[dependency-groups]`` (TS102); a ``-r`` of the runtime file
  is dropped (``uv sync`` installs the project's dependencies anyway), other ``-r`` includes
  become ``{include-group = ...}``;
* ``-c`` constraints -> ``[tool.uv] constraint-dependencies`` (TS103);
* ``--index-url``/``--extra-index-url``/``--find-links``/``--no-index``/``--trusted-host``
  -> ``[[tool.uv.index]]`` and ``[tool.uv]`` settings (TS104), never with credentials;
* VCS, path, URL and editable requirements -> ``[tool.uv.sources]`` (TS105);
* a service that is not a package -> ``[tool.uv] package = false`` (TS106);
* the requirements files are deleted (TS107) unless ``keep_requirements``;
* ``uv lock`` runs after the files are written (TS108), keeping today's pinned versions
  (see :mod:`toolshift.locking`).

Poetry and Pipenv projects (TS109) take the same road from their own declarations
(:mod:`toolshift.readers.poetry`, :mod:`toolshift.readers.pipenv`): ``[tool.poetry]`` metadata
becomes PEP 621 ``[project]`` where the Poetry tables were, Poetry groups and ``[dev-packages]``
become ``[dependency-groups]`` (non-optional Poetry groups other than ``dev`` are listed in
``[tool.uv] default-groups`` so ``uv sync`` installs what ``poetry install`` did), sources become
``[[tool.uv.index]]`` and ``[tool.uv.sources]``; the ``[tool.poetry]`` tables, ``poetry.lock``,
``Pipfile`` and ``Pipfile.lock`` are removed (their locked versions are kept by ``uv lock``). A
Poetry package gets a hatchling ``[build-system]``; a Poetry service that is not a package
loses poetry-core's and gets ``[tool.uv] package = false``.

Ordering: the pyproject change is assembled first (it decides what the deleted files are
replaced by), then ``.python-version``, then the deletions; the lock runs after all writes.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from toolshift.errors import ParseError
from toolshift.model import (
    DependencyGroup,
    Detected,
    Diagnostic,
    FileChange,
    FileRole,
    GroupKind,
    IncludeKind,
    Index,
    IndexKind,
    MigrateOptions,
    Origin,
    Plan,
    PostAction,
    PostActionKind,
    Project,
    PythonSource,
    PythonSourceKind,
    PythonSpec,
    Requirement,
    Severity,
    SourceKind,
    Tool,
    normalize_name,
)
from toolshift.readers.pyproject import UvSource, UvSourceKind
from toolshift.redact import has_credentials, redact_url, strip_credentials
from toolshift.renderers import pyproject as pp
from toolshift.textio import TextFormat, decode, encode

if TYPE_CHECKING:
    from toolshift.readers.pipenv import PipfileData
    from toolshift.readers.poetry import PoetryData
    from toolshift.rewriters import AdhocPackage

# The Poetry and Pipenv readers and the surroundings planner (rewriters, their regexes and
# dataclasses) are imported where used: lock_preview, which `migrate` runs before starting
# uv lock, needs none of them for a pip project, and every ms before that start is on the
# critical path of the whole migration.

PYPROJECT = "pyproject.toml"
PYTHON_VERSION = ".python-version"
# Where a file name starts when another file names it: not inside a longer name, or glued to
# pip's -r/-c as tox writes it (`deps = -rrequirements.txt`).
_NAMED_BEFORE = r"(?:(?<![\w.-])|(?<=-r)|(?<=-c))"
UV_LOCK = "uv.lock"
PYPI_SIMPLE = {"https://pypi.org/simple", "https://pypi.python.org/simple"}

_ENV_REF = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")
_INLINE_COMMENT = re.compile(r"(?:^|\s)#\s?(.*)$")
_SHA = re.compile(r"[0-9a-f]{7,40}")
_VERSION_TAG = re.compile(r"v?\d+(\.\d+)*([._-]?(a|b|rc|post|dev)\d*)?")
_BRANCHES = frozenset({"main", "master", "develop", "dev", "trunk", "stable"})

# [tool.uv] settings and the rule each belongs to.
_SETTING_RULES = {
    "package": "TS106",
    "no-index": "TS104",
    "find-links": "TS104",
    "allow-insecure-host": "TS104",
    "prerelease": "TS101",
    "no-build": "TS101",
    "no-binary": "TS101",
    "no-build-package": "TS101",
    "no-binary-package": "TS101",
    "default-groups": "TS102",
}
PIPFILE = "Pipfile"
_TOOL_FILES = ("poetry.lock", PIPFILE, "Pipfile.lock")
_POETRY_HEADER = re.compile(r"^[ \t]*\[\[?[ \t]*([^\]]+?)[ \t]*\]\]?[ \t]*(?:#.*)?$")


@dataclass
class _State:
    """What the planner gathers before rendering (mutable while planning only)."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, pp.UvSource] = field(default_factory=dict)
    rules: set[str] = field(default_factory=set)
    reasons: list[str] = field(default_factory=list)
    hash_files: set[str] = field(default_factory=set)

    def diag(
        self,
        code: str,
        severity: Severity,
        message: str,
        origin: Origin | None = None,
        hint: str = "",
    ) -> None:
        d = Diagnostic(code=code, severity=severity, message=message, origin=origin, hint=hint)
        if d not in self.diagnostics:
            self.diagnostics.append(d)


# --------------------------------------------------------------------------- small helpers


def _env_name(index_name: str) -> str:
    return re.sub(r"[^A-Z0-9]", "_", index_name.upper())


def index_name(url: str) -> str:
    """A stable ``[[tool.uv.index]]`` name from a URL's host (or a folder's last part)."""

    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.hostname:
        host = parts.hostname.lower()
        if host in ("pypi.org", "pypi.python.org"):
            return "pypi"
        host = re.sub(r"^(www|pypi|pip|pkgs|packages|repo|repository)\.", "", host)
        labels = host.split(".")
        if len(labels) > 1 and labels[-1] in ("com", "org", "net", "io", "dev", "local"):
            labels = labels[:-1]
        name = "-".join(labels)
    else:
        path = parts.path if parts.scheme == "file" else url
        name = PurePosixPath(path.rstrip("/")).name or "local"
    return re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-") or "index"


def _strip_env_and_credentials(url: str) -> tuple[str, bool, bool]:
    """(url without user:password@, had a literal credential, had a ${VAR} reference)."""

    if not has_credentials(url):
        return url, False, False
    cred = url.split("://", 1)[1].split("@", 1)[0] if "://" in url else ""
    if "ssh://" in url and ":" not in cred and not _ENV_REF.fullmatch(cred):
        return url, False, False  # ssh://git@host: a user name, the key does the rest
    env_only = bool(cred) and all(_ENV_REF.fullmatch(p) for p in cred.split(":", 1))
    return strip_credentials(url), not env_only, env_only


def _inline_comment(req: Requirement) -> str:
    if not req.origin or not req.origin.text:
        return ""
    last = req.origin.text.rstrip("\r\n").splitlines()[-1] if req.origin.text.strip() else ""
    m = _INLINE_COMMENT.search(last)
    return m.group(1).strip() if m else ""


def _as_written(req: Requirement) -> str | None:
    """The requirement exactly as the user spelled it (spaces, quotes), when the original line
    holds nothing else and says the same thing as the model; None otherwise."""

    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as PRequirement
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    if not req.origin or not req.origin.text or req.url or req.editable:
        return None
    text = re.sub(r"\\\r?\n", " ", req.origin.text)
    text = re.sub(r"(^|\s)#.*$", "", text, flags=re.S)
    text = re.split(r"\s--?[a-z]", text, maxsplit=1)[0].strip()
    if not text or "$" in text:
        return None
    try:
        parsed = PRequirement(text)
        same_spec = SpecifierSet(req.specifier) == parsed.specifier
    except (InvalidRequirement, InvalidSpecifier):
        return None
    same = (
        normalize_name(parsed.name) == req.key
        and same_spec
        and {normalize_name(e) for e in parsed.extras} == {normalize_name(e) for e in req.extras}
        and str(parsed.marker or "") == str(_marker(req.marker))
        and parsed.url is None
    )
    return text if same else None


def _marker(text: str | None) -> object:
    from packaging.markers import InvalidMarker, Marker

    if not text:
        return ""
    try:
        return Marker(text)
    except InvalidMarker:
        return text


def _comments_above(req: Requirement, contents: dict[str, list[str]]) -> tuple[str, ...]:
    """The comment block right above a requirement (no blank line in between)."""

    if not req.origin or req.origin.line < 2:
        return ()
    lines = contents.get(req.origin.path)
    if not lines:
        return ()
    out: list[str] = []
    i = req.origin.line - 2
    while i >= 0 and lines[i].lstrip().startswith("#"):
        out.append(lines[i].strip()[1:].strip())
        i -= 1
    out.reverse()
    blob = " ".join(out).lower()
    if any(w in blob for w in ("autogenerated", "pip-compile", "uv pip compile", "via ")):
        return ()  # a tool's header or annotation, not the user's words
    return tuple(out)


def _vcs_source(req: Requirement, url: str, state: _State) -> pp.UvSource | None:
    """``git+https://host/repo@ref#subdirectory=x`` -> ``{ git = ..., tag/branch/rev = ... }``."""

    if not url.startswith("git+"):
        state.diag(
            "TS105",
            Severity.WARNING,
            f"uv supports only git among version control systems; {req.name} stays a direct "
            "URL requirement",
            req.origin,
            hint="publish the package to an index, or move it to git",
        )
        return None
    rest = url[len("git+") :]
    fragment = ""
    if "#" in rest:
        rest, fragment = rest.split("#", 1)
    ref = ""
    scheme_sep = rest.find("://")
    at = rest.rfind("@")
    if at > max(scheme_sep + 3, rest.find("/", scheme_sep + 3 if scheme_sep >= 0 else 0)):
        rest, ref = rest[:at], rest[at + 1 :]
    fields: list[tuple[str, str | bool]] = [("git", rest)]
    if ref:
        if _SHA.fullmatch(ref):
            fields.append(("rev", ref))
        elif ref in _BRANCHES:
            fields.append(("branch", ref))
        elif _VERSION_TAG.fullmatch(ref):
            fields.append(("tag", ref))
        else:
            fields.append(("rev", ref))
    for part in fragment.split("&"):
        if part.startswith("subdirectory="):
            fields.append(("subdirectory", part.split("=", 1)[1]))
    if req.editable:
        state.diag(
            "TS105",
            Severity.INFO,
            f"{req.name}: uv installs git sources as regular (not editable) packages",
            req.origin,
            hint="clone it next to the service and use a path source with editable = true",
        )
    return pp.UvSource(req.name, tuple(fields))


def _path_source(req: Requirement, url: str, state: _State) -> pp.UvSource:
    path = url[len("file://") :] if url.startswith("file://") else url
    # uv reads path sources relative to the project: ${PROJECT_ROOT} is implied.
    for ref in ("${PROJECT_ROOT}/", "$PROJECT_ROOT/"):
        if path.startswith(ref):
            path = "./" + path[len(ref) :]
    path = path.rstrip("/") or "."
    if _ENV_REF.search(path):
        state.diag(
            "TS105",
            Severity.WARNING,
            f"{req.name}: uv does not expand environment variables in [tool.uv.sources] paths",
            req.origin,
            hint="use a path relative to the project folder",
        )
    fields: list[tuple[str, str | bool]] = [("path", path)]
    if req.editable:
        fields.append(("editable", True))
    return pp.UvSource(req.name, tuple(fields))


_SETUP_PY_FIELD = re.compile(r"""\b(name|version)\s*=\s*(?:(['"])([^'"\n]+)\2|(\S))""")
SETUPTOOLS_BUILD = ("setuptools>=61", "setuptools.build_meta")


def setuptools_metadata(contents: Mapping[str, bytes]) -> tuple[str, str, bool]:
    """(name, version, version computed) a setuptools package states in ``setup.cfg``
    ``[metadata]`` or as literal ``setup(name=..., version=...)`` arguments; empty when it
    does not say. ``version = attr: pkg.__version__`` or ``version=__version__`` is computed."""

    import configparser

    name = version = ""
    computed = False
    if "setup.cfg" in contents:
        cfg = configparser.ConfigParser(interpolation=None)
        try:
            cfg.read_string(decode(contents["setup.cfg"], "setup.cfg")[0])
        except (configparser.Error, ValueError):
            pass
        else:
            if cfg.has_section("metadata"):
                name = cfg.get("metadata", "name", fallback="").strip()
                version = cfg.get("metadata", "version", fallback="").strip()
                if version.startswith(("attr:", "file:")):
                    version, computed = "", True
    if "setup.py" in contents and (not name or not (version or computed)):
        try:
            text = decode(contents["setup.py"], "setup.py")[0]
        except ValueError:
            text = ""
        for m in _SETUP_PY_FIELD.finditer(text):
            key, literal = m.group(1), m.group(3)
            if key == "name" and not name and literal:
                name = literal.strip()
            elif key == "version" and not (version or computed):
                if literal:
                    version = literal.strip()
                else:
                    computed = True
    return name, version, computed


def src_names(sources: Iterable[PythonSource], version: str) -> str:
    """Where ``version`` is stated, for a message: ``Dockerfile:1, runtime.txt:1``."""

    return ", ".join(
        f"{s.origin.path}:{s.origin.line}" if s.origin.line else s.origin.path
        for s in sources
        if version in PythonSpec(sources=(s,)).versions()
        and s.kind in (PythonSourceKind.DOCKERFILE, PythonSourceKind.RUNTIME_TXT)
    )


def _name_from_url(url: str) -> str:
    """A best guess at a distribution name from a path, archive or repository URL."""

    path = urlsplit(url).path if "://" in url else url
    path = path.split("#", 1)[0].split("@", 1)[0] if "://" not in url else path.split("@", 1)[0]
    last = PurePosixPath(path.rstrip("/")).name
    for suffix in (".git", ".whl", ".tar.gz", ".zip", ".tgz", ".tar.bz2"):
        if last.endswith(suffix):
            last = last[: -len(suffix)]
            if suffix != ".git":
                last = last.split("-", 1)[0]
            break
    return last


def _relative_to_project(url: str, origin: Origin | None) -> str:
    """pip reads a relative ``--find-links`` path in a requirements file from that file's
    folder; uv reads ``pyproject.toml`` paths from the project root."""

    if "://" in url or url.startswith(("/", "~", "$")) or re.match(r"[A-Za-z]:[\\/]", url):
        return url
    folder = PurePosixPath(origin.path).parent if origin else PurePosixPath(".")
    if str(folder) == ".":
        return url
    joined = posixpath.normpath(str(folder / url))
    return joined if joined.startswith("..") else f"./{joined}"


def _dep_text(req: Requirement) -> str:
    """PEP 508 text without the URL (the URL moved to [tool.uv.sources])."""

    out = req.name
    if req.extras:
        out += "[" + ",".join(req.extras) + "]"
    if req.marker:
        out += f"; {req.marker}"
    return out


def _name_part(text: str) -> str:
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", text)
    return m.group(1) if m else text


def _blank_before_headers(before: str, after: str) -> str:
    """Put back the blank line above a table header that had one before the edit (tomlkit drops
    it when it inserts a table among ``[tool.*]`` tables split by another table)."""

    had = set()
    lines = before.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("[") and i > 0 and not lines[i - 1].strip():
            had.add(line.strip())
    out = after.splitlines(keepends=True)
    for i in range(len(out) - 1, 0, -1):
        line = out[i]
        if line.startswith("[") and line.strip() in had and out[i - 1].strip():
            out.insert(i, "\n")
    return "".join(out)


# --------------------------------------------------------------------------- planner


class _Planner:
    def __init__(self, detected: Detected, options: MigrateOptions) -> None:
        self.detected = detected
        self.project: Project = detected.project
        self.options = options
        self.disabled = options.disabled_rules
        self.state = _State()
        self.lines: dict[str, list[str]] = {}
        for path, data in detected.contents.items():
            if path.endswith((".txt", ".in")) or path in detected.requirement_files:
                try:
                    self.lines[path] = decode(data, path)[0].splitlines()
                except Exception:
                    continue
        self.poetry: PoetryData | None = None
        self.pipfile: PipfileData | None = None
        self.adhoc: tuple[AdhocPackage, ...] = ()  # found by the rewriters (Dockerfile, CI)
        self.adhoc_placed: list[AdhocPackage] = []
        tool = self.project.tool
        if tool is Tool.POETRY and PYPROJECT in detected.contents:
            import tomllib

            text = decode(detected.contents[PYPROJECT], PYPROJECT)[0]
            try:
                tool_table = tomllib.loads(text).get("tool")
            except tomllib.TOMLDecodeError:
                tool_table = None  # detect already reported it
            if isinstance(tool_table, dict) and "poetry" in tool_table:
                from toolshift.readers.poetry import read_poetry

                self.poetry = read_poetry(text, PYPROJECT)
                self.lines[PYPROJECT] = text.splitlines()
        elif tool is Tool.PIPENV and PIPFILE in detected.contents:
            from toolshift.readers.pipenv import read_pipfile

            text = decode(detected.contents[PIPFILE], PIPFILE)[0]
            self.pipfile = read_pipfile(text, PIPFILE)
            self.lines[PIPFILE] = text.splitlines()

    def enabled(self, rule: str) -> bool:
        return rule not in self.disabled

    # ---------------------------------------------------------------- inputs

    def requirement_files(self) -> list[str]:
        p = self.project
        files: set[str] = set(self.detected.requirement_files)
        files.update(p.files_with(FileRole.REQUIREMENTS))
        files.update(p.files_with(FileRole.CONSTRAINTS))
        for g in p.groups:
            files.update(f for f in g.files if f != PYPROJECT and not f.endswith(".toml"))
        if p.tool in (Tool.POETRY, Tool.PIPENV):
            files.update(f for f in _TOOL_FILES if f in self.detected.contents)
        return sorted(f for f in files if "://" not in f)

    def check_errors(self) -> None:
        if not self.options.keep_requirements:
            for path, rf in sorted(self.detected.requirement_files.items()):
                for inc in rf.includes:
                    if re.match(r"(https?|file):", inc.resolved, re.IGNORECASE):
                        # its requirements would be in no file after the migration
                        raise ParseError(
                            f"-{'r' if inc.kind is IncludeKind.REQUIREMENT else 'c'} "
                            f"{redact_url(inc.target)}: a remote include cannot be migrated "
                            "(pyproject.toml has no equivalent), and what it lists would no "
                            "longer be installed",
                            path=inc.origin.path or path,
                            line=inc.origin.line or None,
                            hint="download it into the project (requirements-common.txt) and "
                            "include that file instead, then run toolshift again",
                        )
        for g in self.project.groups:
            for req in (*g.requirements, *g.constraints):
                if "$" in (req.specifier or "") or "$" in (req.marker or ""):
                    # pip expands ${VAR} in a requirements file; pyproject.toml and uv do not
                    raise ParseError(
                        f"{req.name}{req.specifier}: an environment variable in a version or "
                        "marker cannot be written to pyproject.toml (uv does not expand it)",
                        path=req.origin.path if req.origin else None,
                        line=req.origin.line if req.origin and req.origin.line else None,
                        hint="write the version itself in the requirements file, then run "
                        "toolshift again",
                    )
        diags: list[Diagnostic] = []
        for rf in self.detected.requirement_files.values():
            diags.extend(rf.diagnostics)
        diags.extend(self.project.diagnostics)
        for d in diags:
            if d.severity is Severity.ERROR:
                raise ParseError(
                    d.message,
                    path=d.origin.path if d.origin else None,
                    line=d.origin.line if d.origin and d.origin.line else None,
                    hint=d.hint
                    or "fix or remove this line, then run again: toolshift never "
                    "drops a line it does not understand",
                )
        for data in (self.poetry, self.pipfile):
            if data is not None:
                for d in data.diagnostics:
                    self.state.diag(d.code, d.severity, d.message, d.origin, d.hint)
        # what detect decided about pip-tools files that the plan's reader should see
        self.state.diagnostics.extend(
            d for d in self.project.diagnostics if d.code in ("DET008", "DET009")
        )
        seen: set[Diagnostic] = set()
        for rf in self.detected.requirement_files.values():
            for d in rf.diagnostics:
                if d not in seen:
                    seen.add(d)
                    self.state.diagnostics.append(d)

    # ---------------------------------------------------------------- requirements

    def dep(self, req: Requirement) -> pp.Dep:
        st = self.state
        if req.hashes and req.origin:
            st.hash_files.add(req.origin.path)
        if req.config_settings:
            st.diag(
                "TS101",
                Severity.WARNING,
                f"{req.name}: per-requirement --config-settings are not carried over",
                req.origin,
                hint="set them in [tool.uv] config-settings-package if the build needs them",
            )
        if not req.name and req.url:
            req = self.named(req)
        text = _as_written(req) or req.pep508()
        if req.url and req.source is not SourceKind.REGISTRY and self.enabled("TS105"):
            url, literal, env = _strip_env_and_credentials(req.url)
            if literal or env:
                self.credential_diag(req.name, literal=literal, env=env, origin=req.origin)
            source: pp.UvSource | None
            if req.source is SourceKind.VCS:
                source = _vcs_source(req, url, st)
            elif req.source is SourceKind.PATH:
                source = _path_source(req, url, st)
            else:
                source = pp.UvSource(req.name, (("url", url),))
            if source is not None:
                st.sources.setdefault(req.key, source)
                text = _dep_text(req)
            else:
                text = Requirement(
                    name=req.name, extras=req.extras, marker=req.marker, url=url
                ).pep508()
        elif req.url:
            url, literal, env = _strip_env_and_credentials(req.url)
            if literal or env:
                self.credential_diag(req.name, literal=literal, env=env, origin=req.origin)
            text = Requirement(
                name=req.name, extras=req.extras, marker=req.marker, url=url
            ).pep508()
        return pp.Dep(
            text=text,
            comment=_inline_comment(req),
            above=_comments_above(req, self.lines),
            origin=req.origin,
        )

    def not_self(self, reqs: Iterable[Requirement], self_name: str = "") -> list[Requirement]:
        """The requirements without ``-e .`` (the project itself): ``uv sync`` installs the
        project, editable, and a pyproject cannot list the project among its own
        dependencies. In a dependency group (``self_name``: the package's name) ``-e .[test]``
        is ``name[test]``: syncing the group installs the project's extra, as the file did."""

        out: list[Requirement] = []
        for req in reqs:
            if not req.is_project_root:
                out.append(req)
                continue
            if req.extras and self_name:
                out.append(
                    Requirement(self_name, extras=req.extras, marker=req.marker, origin=req.origin)
                )
                self.state.diag(
                    "TS105",
                    Severity.INFO,
                    f"{req.url}[{','.join(req.extras)}] installed the project with its extras: "
                    f"the group lists {self_name}[{','.join(req.extras)}], which uv installs "
                    "from the project itself",
                    req.origin,
                )
                continue
            if req.extras:
                flags = " ".join(f"--extra {e}" for e in req.extras)
                self.state.diag(
                    "TS105",
                    Severity.WARNING,
                    f"{req.url}[{','.join(req.extras)}] installed the project itself with its "
                    f"extras; uv sync installs the project, the extras only with {flags}",
                    req.origin,
                    hint=f"run `uv sync {flags}` where this file was installed, or move those "
                    "extras' requirements into a dependency group",
                )
            else:
                self.state.diag(
                    "TS105",
                    Severity.INFO,
                    f"{req.url} installed the project itself: uv sync does that (editable), so "
                    "it is not listed as a dependency",
                    req.origin,
                )
        return out

    def named(self, req: Requirement) -> Requirement:
        """An unnamed ``-e ./path`` or URL requirement needs a name in pyproject.toml."""

        from dataclasses import replace

        assert req.url is not None
        name = ""
        if req.source is SourceKind.PATH:
            base = req.url.removeprefix("file://").strip("/").removeprefix("./")
            meta = self.detected.contents.get(f"{base}/pyproject.toml" if base else PYPROJECT)
            if meta is not None:
                m = re.search(rb'(?m)^name\s*=\s*["\']([^"\']+)["\']', meta)
                name = m.group(1).decode() if m else ""
        if not name:
            name = _name_from_url(req.url)
            self.state.diag(
                "TS105",
                Severity.WARNING,
                f"{req.url} has no package name; used {name!r}, taken from its "
                f"{'path' if req.source is SourceKind.PATH else 'URL'}",
                req.origin,
                hint="uv needs the package's real name: check it, and fix the name in "
                "[project] dependencies and [tool.uv.sources] if it differs",
            )
        return replace(req, name=name)

    def credential_diag(
        self, what: str, *, literal: bool, env: bool, origin: Origin | None
    ) -> None:
        if env:
            self.state.diag(
                "TS104",
                Severity.WARNING,
                f"{what}: the ${{VAR}} credential reference was removed: uv does not expand "
                "environment variables in pyproject.toml",
                origin,
                hint="give git/uv the credentials another way (a git credential helper, "
                "~/.netrc, or UV_INDEX_<NAME>_USERNAME/PASSWORD for an index)",
            )
        if literal:
            self.state.diag(
                "TS104",
                Severity.WARNING,
                f"{what}: a literal credential in the URL was removed and is not written anywhere",
                origin,
                hint="rotate it if it was committed; provide it through the environment or "
                "~/.netrc instead",
            )

    # ---------------------------------------------------------------- indexes and options

    def all_indexes(self) -> list[Index]:
        out: list[Index] = []
        seen: set[tuple[str, IndexKind]] = set()
        for ix in [
            *self.project.indexes,
            *(i for rf in self.detected.requirement_files.values() for i in rf.indexes),
        ]:
            key = (ix.url.rstrip("/"), ix.kind)
            if key not in seen:
                seen.add(key)
                out.append(ix)
        return out

    def indexes(self) -> tuple[list[pp.UvIndex], list[tuple[str, pp.SettingValue]]]:
        st = self.state
        opts = self.project.options
        no_index = opts.no_index or any(
            rf.options.no_index for rf in self.detected.requirement_files.values()
        )
        out: list[pp.UvIndex] = []
        settings: list[tuple[str, pp.SettingValue]] = []
        find_links: list[str] = []
        extras: list[str] = []
        for ix in self.all_indexes():
            if ix.kind is IndexKind.NAMED and self.project.tool not in (Tool.POETRY, Tool.PIPENV):
                continue  # already a [[tool.uv.index]]
            for ref in ("${PROJECT_ROOT}", "$PROJECT_ROOT"):
                # pip's one documented variable for paths: the project folder, which is where
                # uv reads relative paths from
                if ix.url.startswith(ref):
                    ix = replace(ix, url="." + ix.url[len(ref) :])
            whole = re.fullmatch(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/?", ix.url.strip())
            partial = re.search(
                r"\$\{?[A-Za-z_]", _strip_env_and_credentials(ix.url)[0]
            )  # `https://${HOST}/simple`: a variable left outside the credentials
            if whole or partial:
                # the whole URL comes from the environment: uv does not expand variables in
                # pyproject.toml, and a "${VAR}" url would only make uv lock fail
                uv_var = {
                    IndexKind.DEFAULT: "UV_DEFAULT_INDEX",
                    IndexKind.FIND_LINKS: "UV_FIND_LINKS",
                }.get(ix.kind, "UV_INDEX")
                st.diag(
                    "TS104",
                    Severity.WARNING,
                    f"{ix.url}: the index URL comes from the environment, which pyproject.toml "
                    "cannot say; it was not written there, and uv locks from PyPI unless told",
                    ix.origin,
                    hint=f"set {uv_var}={'$' + whole.group(1) if whole else 'the URL'} where uv "
                    "runs (CI, Docker build), or "
                    "name the index in [[tool.uv.index]] and give its credentials as "
                    "UV_INDEX_<NAME>_USERNAME/_PASSWORD",
                )
                continue
            url, literal, env = _strip_env_and_credentials(ix.url)
            name = ix.name or index_name(url)
            if ix.has_credentials or literal or env:
                var = _env_name(name)
                st.diag(
                    "TS104",
                    Severity.WARNING,
                    f"index {name!r} ({url}) needs credentials; they were not written to "
                    "pyproject.toml"
                    + (" (uv does not expand ${VAR} references there)" if env else ""),
                    ix.origin,
                    hint=f"set UV_INDEX_{var}_USERNAME and UV_INDEX_{var}_PASSWORD in the "
                    "environment (toolshift passes those to uv)",
                )
            if ix.kind is IndexKind.FIND_LINKS:
                url = _relative_to_project(url, ix.origin)
                if no_index:
                    # uv ignores [[tool.uv.index]] entries under no-index, but not find-links.
                    find_links.append(url)
                else:
                    out.append(pp.UvIndex(name=name, url=url, format="flat"))
                continue
            if ix.kind is IndexKind.NAMED:  # a Poetry/Pipenv source used only when named
                out.append(pp.UvIndex(name=name, url=url, explicit=ix.explicit))
            elif ix.kind is IndexKind.DEFAULT:
                if url.rstrip("/") in PYPI_SIMPLE:
                    continue  # uv's default already
                out.append(pp.UvIndex(name=name, url=url, default=True))
            else:
                extras.append(name)
                out.append(pp.UvIndex(name=name, url=url))
        if extras and self.project.tool is not Tool.POETRY:
            # (Poetry, like uv, takes a package from the first source that has it: the sources
            # keep its search order, readers.poetry)
            st.diag(
                "TS104",
                Severity.WARNING,
                f"extra index {', '.join(extras)}: uv searches indexes in order and takes a "
                "package from the first one that has it (first-index), where pip merged every "
                "index and picked the highest version",
                None,
                hint="this protects private packages from dependency confusion; if a package "
                "must come from PyPI instead, pin it to an index in [tool.uv.sources] "
                '(name = { index = "pypi" }), or set index-strategy = "unsafe-best-match"',
            )
        if find_links:
            settings.append(("find-links", tuple(find_links)))
        if no_index:
            settings.append(("no-index", True))
        hosts: list[str] = list(opts.trusted_hosts)
        for rf in self.detected.requirement_files.values():
            hosts += [h for h in rf.options.trusted_hosts if h not in hosts]
        if hosts:
            settings.append(("allow-insecure-host", tuple(dict.fromkeys(hosts))))
            st.diag(
                "TS104",
                Severity.WARNING,
                f"--trusted-host {', '.join(hosts)} became [tool.uv] allow-insecure-host: TLS "
                "is not verified for these hosts",
                None,
                hint="serve the index over verified HTTPS and remove the setting",
            )
        return out, settings

    def install_settings(self) -> list[tuple[str, pp.SettingValue]]:
        opts = [
            self.project.options,
            *(rf.options for rf in self.detected.requirement_files.values()),
        ]
        out: list[tuple[str, pp.SettingValue]] = []
        if any(o.pre for o in opts):
            out.append(("prerelease", "allow"))
        only_binary = [n for o in opts for n in o.only_binary]
        no_binary = [n for o in opts for n in o.no_binary]
        # pip's --only-binary X means "never build X": uv's no-build(-package).
        if ":all:" in only_binary:
            out.append(("no-build", True))
        elif names := [n for n in dict.fromkeys(only_binary) if n != ":none:"]:
            out.append(("no-build-package", tuple(names)))
        if ":all:" in no_binary:
            out.append(("no-binary", True))
        elif names := [n for n in dict.fromkeys(no_binary) if n != ":none:"]:
            out.append(("no-binary-package", tuple(names)))
        if any(o.prefer_binary for o in opts):
            self.state.diag(
                "TS101",
                Severity.INFO,
                "--prefer-binary has no uv equivalent and was dropped (uv prefers wheels "
                "already when it has to build otherwise)",
            )
        return out

    # ---------------------------------------------------------------- python

    def requires_python(self) -> str | None:
        if self.options.python:
            return f">={self.options.python}"
        if self.poetry is not None and self.poetry.requires_python:
            return self.poetry.requires_python
        preferred = self.project.python.preferred()
        if preferred:
            return f">={self.lowest_python(preferred)}"
        return None

    def lowest_python(self, preferred: str) -> str:
        """requires-python is a floor: the Python the service is deployed on today (a Docker
        image, runtime.txt) must stay inside it, or ``uv sync --locked`` fails in the image
        build; ``.python-version`` still picks the version for development. (A CI matrix
        version outside it is a TS212 warning with its own hint.)"""

        def key(v: str) -> tuple[int, ...]:
            return tuple(int(x) for x in v.split("."))

        low = preferred
        if not re.fullmatch(r"\d+\.\d+", preferred):
            return preferred
        for src in self.project.python.sources:
            if src.kind not in (PythonSourceKind.DOCKERFILE, PythonSourceKind.RUNTIME_TXT):
                continue
            for v in PythonSpec(sources=(src,)).versions():
                if key(v) < key(low):
                    low = v
        if low != preferred:
            self.state.diag(
                "TS101",
                Severity.INFO,
                f"requires-python = '>={low}', not '>={preferred}': the service is deployed "
                f"on Python {low} today ({src_names(self.project.python.sources, low)}), and "
                "uv sync refuses an interpreter requires-python excludes",
                hint=f"pass --python {preferred} to require {preferred} everywhere "
                "(the Dockerfile is then aligned to it)",
            )
        return low

    # ---------------------------------------------------------------- the plan

    def edits(self) -> tuple[pp.PyprojectEdits, set[str]]:
        """The pyproject edits, and the requirement files whose content they replace."""

        st = self.state
        p = self.project
        self.tool_sources()
        runtime = [g for g in p.groups if g.kind is GroupKind.RUNTIME]
        runtime_names = {g.name for g in runtime}
        group_names = {g.name for g in p.groups if g.kind is GroupKind.GROUP}
        replaced: set[str] = set()

        deps: list[pp.Dep] = []
        for g in runtime:
            deps += [self.dep(r) for r in self.not_self(g.requirements)]
            replaced.update(g.files)
            if g.files:
                st.reasons.append(
                    f"{self.where(g)}: runtime requirements -> [project] dependencies"
                )

        extras: list[tuple[str, tuple[pp.Dep, ...]]] = []
        for g in p.groups:
            if g.kind is GroupKind.EXTRA:
                extras.append((g.name, tuple(self.dep(r) for r in self.not_self(g.requirements))))
                replaced.update(g.files)

        setup_name, setup_version, setup_computed = (
            setuptools_metadata(self.detected.contents) if self.poetry is None else ("", "", False)
        )
        name = (
            setup_name
            # a folder named `svc_` gives `svc-`: PEP 508 names end with a letter or digit
            or re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", p.name or PurePosixPath(p.root).name)
            or "service"
        )
        # `-e .[test]` in a group file: the group holds `name[test]` (a package only: uv
        # installs a non-package project's extras from nowhere)
        self_name = name if self.is_package() else ""
        groups: list[tuple[str, tuple[pp.GroupItem, ...]]] = []
        if self.enabled("TS102"):
            for g in p.groups:
                if g.kind is not GroupKind.GROUP:
                    continue
                items: list[pp.GroupItem] = []
                for inc in g.includes:
                    if inc in runtime_names:
                        continue  # uv sync installs the project's dependencies anyway
                    if inc in group_names:
                        items.append(pp.GroupInclude(inc))
                    else:
                        st.diag(
                            "TS102",
                            Severity.WARNING,
                            f"group {g.name!r} includes {inc!r}, which is not a dependency "
                            "group; the include was not carried over",
                            Origin(g.files[0]) if g.files else None,
                        )
                items += [self.dep(r) for r in self.not_self(g.requirements, self_name)]
                groups.append((g.name, tuple(items)))
                replaced.update(g.files)
                if g.files:
                    st.reasons.append(f"{self.where(g)}: -> [dependency-groups] {g.name}")

        self.place_adhoc(deps, groups)

        constraints: list[pp.Dep] = []
        if self.enabled("TS103"):
            seen: set[str] = set()
            for g in p.groups:
                for c in g.constraints:
                    d = self.dep(c)
                    if d.text not in seen:
                        seen.add(d.text)
                        constraints.append(d)
            if constraints:
                replaced.update(p.files_with(FileRole.CONSTRAINTS))
                st.reasons.append("-c constraints -> [tool.uv] constraint-dependencies")

        indexes: list[pp.UvIndex] = []
        settings: list[tuple[str, pp.SettingValue]] = []
        if self.enabled("TS106") and not self.is_package():
            settings.append(("package", False))
            st.reasons.append(
                (
                    "not a package (package-mode = false, or no package folder)"
                    if self.poetry is not None
                    else "not a package (no [build-system], no src/ layout)"
                )
                + ": [tool.uv] package = false"
            )
        if self.enabled("TS104"):
            indexes, index_settings = self.indexes()
            settings += index_settings
            if indexes or index_settings:
                st.reasons.append("index options -> [[tool.uv.index]] / [tool.uv]")
        settings += self.install_settings()
        settings += self.tool_settings(groups)
        if st.sources:
            st.reasons.append("VCS/path/URL requirements -> [tool.uv.sources]")
        if st.hash_files:
            st.diag(
                "TS101",
                Severity.INFO,
                f"--hash values in {', '.join(sorted(st.hash_files))} were dropped: uv.lock "
                "records a hash for every file it locks",
            )
        edits = pp.PyprojectEdits(
            name=name,
            version=setup_version or "0.1.0",
            dynamic=(("version",) if setup_computed else ()) + self.setup_dynamic(deps, extras),
            requires_python=self.requires_python(),
            dependencies=tuple(deps),
            extras=tuple(extras),
            groups=tuple(groups),
            constraints=tuple(constraints),
            indexes=tuple(indexes),
            sources=tuple(st.sources.values()),
            uv_settings=tuple(settings),
        )
        return edits, replaced

    def place_adhoc(
        self, deps: list[pp.Dep], groups: list[tuple[str, tuple[pp.GroupItem, ...]]]
    ) -> None:
        """Packages a Dockerfile or CI step installed by hand (the rewriters dropped those
        lines): into ``[project] dependencies``, or the ``dev`` group when CI installed them,
        unless the project declares them already."""

        if not self.adhoc:
            return
        from toolshift.planners.surroundings import adhoc_requirements, placed_diagnostic

        runtime = {normalize_name(_name_part(d.text)) for d in deps}
        anywhere = set(runtime)
        for _, items in groups:
            anywhere |= {normalize_name(_name_part(i.text)) for i in items if isinstance(i, pp.Dep)}
        found, diags = adhoc_requirements(self.adhoc)
        self.state.diagnostics.extend(diags)
        for pkg, req in found:
            # an image installs the runtime set only (--no-dev); CI installs the groups too
            if req.key in (anywhere if pkg.dev else runtime):
                continue
            runtime.add(req.key)
            anywhere.add(req.key)
            dep = replace(self.dep(req), comment=f"installed ad hoc in {pkg.origin or 'a script'}")
            if pkg.dev and self.enabled("TS102"):
                at = next((n for n, (name, _) in enumerate(groups) if name == "dev"), None)
                if at is None:
                    groups.append(("dev", (dep,)))
                else:
                    groups[at] = ("dev", (*groups[at][1], dep))
                where = "[dependency-groups] dev"
            else:
                deps.append(dep)
                where = "[project] dependencies"
            self.adhoc_placed.append(pkg)
            self.state.diagnostics.append(placed_diagnostic(pkg, where))
            self.state.reasons.append(f"{pkg.requirement} (installed ad hoc) -> {where}")

    # ---------------------------------------------------------------- Poetry and Pipenv

    def where(self, group: DependencyGroup) -> str:
        """Where a group was declared, for the reasons of a change."""

        if self.poetry is not None and group.files == (PYPROJECT,):
            if group.kind is GroupKind.RUNTIME:
                return "[tool.poetry.dependencies]"
            return f"[tool.poetry.group.{group.name}]"
        if self.pipfile is not None and group.files == (PIPFILE,):
            if group.kind is GroupKind.RUNTIME:
                return "Pipfile [packages]"
            return "Pipfile [dev-packages]" if group.name == "dev" else f"Pipfile [{group.name}]"
        return ", ".join(group.files)

    def tool_sources(self) -> None:
        """Exact ``[tool.uv.sources]`` from Poetry (git ref kinds, ``source = "name"``) and
        Pipenv (``index = "name"``); :meth:`dep` keeps these over what it would guess."""

        if not self.enabled("TS105"):
            return
        found: tuple[UvSource, ...] = ()
        if self.poetry is not None:
            found = self.poetry.sources
        elif self.pipfile is not None:
            found = tuple(s for s in self.pipfile.sources if s.kind is UvSourceKind.INDEX)
        spelled = {r.key: r.name for g in self.project.groups for r in g.requirements}
        for src in found:
            fields: list[tuple[str, str | bool]] = []
            if src.kind is UvSourceKind.GIT:
                url, literal, env = _strip_env_and_credentials(src.location)
                if literal or env:
                    self.credential_diag(src.package, literal=literal, env=env, origin=src.origin)
                fields.append(("git", url))
                for key, value in (("tag", src.tag), ("branch", src.branch), ("rev", src.rev)):
                    if value:
                        fields.append((key, value))
                if src.subdirectory:
                    fields.append(("subdirectory", src.subdirectory))
            elif src.kind is UvSourceKind.PATH:
                fields.append(("path", src.location))
                if src.editable:
                    fields.append(("editable", True))
            elif src.kind is UvSourceKind.URL:
                fields.append(("url", _strip_env_and_credentials(src.location)[0]))
            elif src.kind is UvSourceKind.INDEX:
                fields.append(("index", src.location))
            else:
                continue
            name = spelled.get(src.package, src.package)
            self.state.sources.setdefault(src.package, pp.UvSource(name, tuple(fields)))

    def tool_settings(
        self, groups: list[tuple[str, tuple[pp.GroupItem, ...]]]
    ) -> list[tuple[str, pp.SettingValue]]:
        out: list[tuple[str, pp.SettingValue]] = []
        if self.poetry is None:
            return out
        self.state.reasons.append(
            "[tool.poetry] -> [project] (PEP 621), [dependency-groups] and [tool.uv]"
        )
        if self.poetry.prereleases and not self.project.options.pre:
            out.append(("prerelease", "allow"))
            self.state.diag(
                "TS109",
                Severity.WARNING,
                f"{', '.join(self.poetry.prereleases)} allowed pre-releases; uv's "
                '`prerelease = "allow"` lets every package resolve to a pre-release',
                Origin(PYPROJECT),
                hint="or drop the setting and write a pre-release in that package's specifier "
                "(>=2.0.0b1): uv then allows pre-releases for it alone",
            )
        names = [n for n, _items in groups]
        optional = set(self.poetry.optional_groups)
        installs = [n for n in names if n not in optional]
        if set(installs) != {"dev"} & set(names):
            # poetry install installs every non-optional group, uv sync only `dev`
            out.append(("default-groups", tuple(installs)))
        return out

    def project_block(self, edits: pp.PyprojectEdits) -> str:
        """``[project]`` (and the empty tables the renderer fills) from ``[tool.poetry]``."""

        import tomlkit

        assert self.poetry is not None
        meta = dict(self.poetry.metadata)
        proj = tomlkit.table()
        proj["name"] = meta.get("name") or edits.name
        proj["version"] = meta.get("version") or edits.version
        for key in ("description", "readme"):
            if key in meta:
                proj[key] = meta[key]
        if edits.requires_python:
            proj["requires-python"] = edits.requires_python
        if "license" in meta:
            lic = tomlkit.inline_table()
            lic.update(meta["license"])
            proj["license"] = lic
        for key in ("authors", "maintainers"):
            if key in meta:
                people = tomlkit.array()
                for person in meta[key]:
                    entry = tomlkit.inline_table()
                    entry.update(person)
                    people.append(entry)
                proj[key] = people
        for key in ("keywords", "classifiers"):
            if key in meta:
                arr = tomlkit.array()
                arr.extend(meta[key])
                if key == "classifiers" or len(meta[key]) > 4:
                    arr.multiline(True)
                proj[key] = arr
        doc = tomlkit.document()
        doc["project"] = proj
        if any(deps for _name, deps in edits.extras):
            proj["optional-dependencies"] = tomlkit.table()
        for key in ("urls", "scripts"):
            if key in meta:
                table = tomlkit.table()
                table.update(meta[key])
                proj[key] = table
        if "entry-points" in meta:
            eps = tomlkit.table(is_super_table=True)
            for group, entries in meta["entry-points"].items():
                table = tomlkit.table()
                table.update(entries)
                eps[group] = table
            proj["entry-points"] = eps
        if any(items for _name, items in edits.groups):
            doc["dependency-groups"] = tomlkit.table()
        return doc.as_string()

    def poetry_pyproject(self, text: str, edits: pp.PyprojectEdits) -> tuple[str, tuple[str, ...]]:
        """The user's pyproject without ``[tool.poetry]``, with ``[project]`` (dependencies,
        extras, groups) where it was and the build backend switched (hatchling for a package,
        none for a service); and the sections written, when ``[project]`` was written here."""

        import tomllib

        original = tomllib.loads(text)
        block = ""
        added: tuple[str, ...] = ()
        if "project" not in original:
            # rendered on its own, so nothing lands after a comment that belongs further down
            lists = replace(edits, constraints=(), indexes=(), sources=(), uv_settings=())
            rendered = pp.render_pyproject(self.project_block(edits), lists, PYPROJECT)
            self.state.diagnostics.extend(rendered.diagnostics)
            block, added = rendered.text, (pp.PROJECT, *rendered.added)
        lines = text.splitlines(keepends=True)
        out: list[str] = []
        at: int | None = None
        removing = False
        removed: list[str] = []
        for line in lines:
            m = _POETRY_HEADER.match(line)
            if m:
                name = re.sub(r"[\s\"']", "", m.group(1))
                was_removing = removing
                removing = name == "tool.poetry" or name.startswith("tool.poetry.")
                if removing and at is None:
                    at = len(out)
                if was_removing and not removing:
                    # a comment right above the next table belongs to that table
                    tail: list[str] = []
                    while removed and removed[-1].lstrip().startswith("#"):
                        tail.insert(0, removed.pop())
                    if tail and out and out[-1].strip():
                        out.append("\n")
                    out += tail
                removed = []
            if removing:
                removed.append(line)
            else:
                out.append(line)
        stripped = "".join(out)
        expected = dict(original)
        tool = dict(expected.get("tool", {}))
        tool.pop("poetry", None)
        if tool:
            expected["tool"] = tool
        else:
            expected.pop("tool", None)
        try:
            same = tomllib.loads(stripped) == expected
        except tomllib.TOMLDecodeError:
            same = False
        if not same:  # an unusual layout: let tomlkit remove the tables, [project] goes first
            import tomlkit

            doc = tomlkit.parse(text)
            tool_table = doc.get("tool")
            if tool_table is not None and "poetry" in tool_table:
                del tool_table["poetry"]
                if not len(tool_table):
                    del doc["tool"]
            out = doc.as_string().splitlines(keepends=True)
            at = 0
        if block:
            at = at or 0
            if at > 0 and not out[at - 1].endswith("\n"):
                out[at - 1] += "\n"
            while at < len(out) and not out[at].strip():
                del out[at]
            out.insert(at, block.rstrip("\n") + "\n" + ("\n" if at < len(out) else ""))
        new = "".join(out)
        return self.build_system(new), added

    def build_system(self, text: str) -> str:
        import tomlkit
        from tomlkit.items import Table

        assert self.poetry is not None
        doc = tomlkit.parse(text)
        bs = doc.get("build-system")
        requires = [str(r) for r in bs.get("requires", [])] if isinstance(bs, Table) else []
        backend = str(bs.get("build-backend", "")) if isinstance(bs, Table) else ""
        poetry_backend = backend.startswith("poetry") or any("poetry" in r for r in requires)
        if bs is not None and not poetry_backend:
            return text  # the user's own backend stays
        if not self.is_package():
            if bs is None:
                return text
            del doc["build-system"]
            self.state.reasons.append("not a package: poetry-core's [build-system] removed")
            return re.sub(r"\n{3,}", "\n\n", doc.as_string())
        if not isinstance(bs, Table):
            bs = tomlkit.table()
            doc["build-system"] = bs
        pdv = doc.get("tool", {}).get("poetry-dynamic-versioning")
        dynamic_version = "dynamic_versioning" in backend or (
            isinstance(pdv, Table) and pdv.get("enable") is True
        )
        bs["requires"] = ["hatchling", "hatch-vcs"] if dynamic_version else ["hatchling"]
        bs["build-backend"] = "hatchling.build"
        self.state.reasons.append("[build-system] poetry-core -> hatchling")
        if dynamic_version:
            # poetry-dynamic-versioning (the version from git tags, `version = "0.0.0"` a
            # placeholder) -> hatch-vcs; kept as written, every wheel hatchling built said 0.0.0
            project = doc.get("project")
            if isinstance(project, Table):
                if "version" in project:
                    del project["version"]
                dynamic = [str(x) for x in project.get("dynamic", [])]
                if "version" not in dynamic:
                    project["dynamic"] = [*dynamic, "version"]
            tool = doc.get("tool")
            if isinstance(tool, Table) and "poetry-dynamic-versioning" in tool:
                del tool["poetry-dynamic-versioning"]
                if not tool:
                    del doc["tool"]
            self.state.reasons.append(
                "poetry-dynamic-versioning -> hatch-vcs: the version still comes from git tags"
            )
        text = doc.as_string()
        if dynamic_version:
            text = re.sub(r"\n{3,}", "\n\n", text).rstrip("\n")
            text += '\n\n[tool.hatch.version]\nsource = "vcs"\n'
        module = re.sub(r"[-.]+", "_", normalize_name(self.poetry.name or self.project.name))
        paths = [f"{frm}/{inc}" if frm else inc for inc, frm in self.poetry.packages]
        if paths and paths not in ([module], [f"src/{module}"]):
            text = text.rstrip("\n") + "\n\n[tool.hatch.build.targets.wheel]\n"
            text += "packages = [" + ", ".join(f'"{p}"' for p in paths) + "]\n"
        return text

    def is_package(self) -> bool:
        if self.project.is_package:
            return True
        if self.poetry is not None:
            return False  # poetry-core's [build-system] goes; detect looked for the package
        data = self.detected.contents.get(PYPROJECT)
        return data is not None and re.search(rb"(?m)^\s*\[build-system\]", data) is not None

    def rules_for(self, added: Iterable[str], edits: pp.PyprojectEdits) -> tuple[str, ...]:
        rules: set[str] = set()
        section_rules = {
            pp.PROJECT: "TS101",
            pp.DEPENDENCIES: "TS101",
            pp.EXTRAS: "TS101",
            pp.GROUPS: "TS102",
            pp.CONSTRAINTS: "TS103",
            pp.INDEXES: "TS104",
            pp.SOURCES: "TS105",
        }
        for section in added:
            if section == pp.SETTINGS:
                rules.update(_SETTING_RULES.get(k, "TS101") for k, _ in edits.uv_settings)
            else:
                rules.add(section_rules[section])
        return tuple(sorted(rules))

    def pyproject_change(self, edits: pp.PyprojectEdits, req_files: list[str]) -> FileChange | None:
        old = self.detected.contents.get(PYPROJECT)
        if old is not None:
            text, fmt = decode(old, PYPROJECT)
        else:
            text, fmt = None, TextFormat()
            for f in req_files:  # a new file follows the newline style of the ones it replaces
                if f in self.detected.contents:
                    fmt = TextFormat(newline=decode(self.detected.contents[f], f)[1].newline)
                    break
        converted = False
        added: tuple[str, ...] = ()
        final = edits
        if text is not None and self.poetry is not None and self.enabled("TS109"):
            text, added = self.poetry_pyproject(text, edits)
            converted = True
            if added:  # [project] and its lists are written already
                final = replace(edits, dependencies=(), extras=(), groups=())
        result = pp.render_pyproject(text, final, PYPROJECT)
        self.state.diagnostics.extend(result.diagnostics)
        self.python_left_behind(result.text)
        rendered = self.setuptools_build_system(result.text)
        new = encode(_blank_before_headers(text or "", rendered), fmt)
        if old is not None and new == old:
            return None
        rules = self.rules_for((*added, *result.added), edits)
        if converted or self.pipfile is not None:
            rules = tuple(sorted({*rules, "TS109"}))
        return FileChange(
            path=PYPROJECT,
            old=old,
            new=new,
            rules=rules,
            reasons=tuple(self.state.reasons) or ("pyproject.toml for uv",),
        )

    def setup_dynamic(
        self, deps: list[pp.Dep], extras: list[tuple[str, tuple[pp.Dep, ...]]]
    ) -> tuple[str, ...]:
        """setup.py/setup.cfg that declare ``install_requires``/``extras_require`` and no
        requirements file that says them too: ``[project]`` leaves those fields dynamic, or
        setuptools would take the empty static list over them and the package would lose its
        dependencies."""

        if self.poetry is not None:
            return ()
        text = ""
        for f in ("setup.py", "setup.cfg"):
            if f in self.detected.contents:
                try:
                    text += decode(self.detected.contents[f], f)[0]
                except Exception:
                    continue
        out: list[str] = []
        if not deps and re.search(r"\binstall_requires\b", text):
            out.append("dependencies")
            self.state.diag(
                "TS101",
                Severity.WARNING,
                "setup.py/setup.cfg declare install_requires, which toolshift does not read: "
                "[project] leaves `dependencies` dynamic, so setuptools still takes them "
                "from there",
                hint="move them into [project] dependencies when you can (uv reads static "
                "metadata without building the package)",
            )
        elif deps and self.pipfile is not None and re.search(r"\binstall_requires\b", text):
            # Pipfile [packages] next to the package (`myapp = {path = "."}`): what setup.py
            # installs and what the Pipfile adds are both runtime dependencies now
            self.state.diag(
                "TS101",
                Severity.WARNING,
                "setup.py/setup.cfg declare install_requires, which toolshift does not read; "
                "[project] dependencies now hold the Pipfile's [packages], and setuptools "
                "takes those instead of install_requires",
                hint="copy install_requires into [project] dependencies, or the package loses "
                "those dependencies",
            )
        if not extras and re.search(r"\bextras_require\b", text):
            out.append("optional-dependencies")
        return tuple(out)

    def setuptools_build_system(self, text: str) -> str:
        """A setup.py/setup.cfg package without ``[build-system]``: pip built it with
        setuptools' legacy backend; uv installs a project only when a backend is named, and
        setuptools now reads the name and version from ``[project]``, so both are said."""

        if self.poetry is not None:
            return text
        if not any(f in self.detected.contents for f in ("setup.py", "setup.cfg")):
            return text
        if re.search(r"(?m)^\s*\[build-system\]", text):
            return text
        requires, backend = SETUPTOOLS_BUILD
        self.state.reasons.append(
            "setup.py/setup.cfg package: [build-system] setuptools (what pip used implicitly), "
            "name and version from its metadata"
        )
        block = f'[build-system]\nrequires = ["{requires}"]\nbuild-backend = "{backend}"\n'
        return text.rstrip("\n") + "\n\n" + block

    def python_left_behind(self, pyproject: str) -> None:
        """``--python X.Y`` against a ``requires-python`` the user wrote (kept as written)."""

        import tomllib

        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        want = self.options.python
        if not want:
            return
        try:
            have = tomllib.loads(pyproject).get("project", {}).get("requires-python")
        except tomllib.TOMLDecodeError:
            return
        if not isinstance(have, str) or have.replace(" ", "") == f">={want}":
            return
        try:
            allows = SpecifierSet(have).contains(f"{want}.0", prereleases=True)
        except InvalidSpecifier:
            return
        self.state.diag(
            "TS101",
            Severity.WARNING if not allows else Severity.INFO,
            f"requires-python = {have!r} is kept as written; "
            + (
                f"it excludes Python {want} (--python)"
                if not allows
                else f"--python {want} is within it, and uv locks for every version it allows"
            ),
            Origin(PYPROJECT),
            hint=f'set requires-python = ">={want}" to match --python {want}',
        )

    def python_version_change(self) -> FileChange | None:
        want = self.options.python
        if not want:
            return None
        old = self.detected.contents.get(PYTHON_VERSION)
        if old is None:
            return FileChange(
                PYTHON_VERSION,
                None,
                f"{want}\n".encode(),
                rules=("TS101",),
                reasons=(f"--python {want}: uv reads the interpreter version from here",),
            )
        text, fmt = decode(old, PYTHON_VERSION)
        current = text.strip()
        if current == want or current.startswith(f"{want}."):
            return None
        return FileChange(
            PYTHON_VERSION,
            old,
            encode(f"{want}\n", fmt),
            rules=("TS101",),
            reasons=(f"--python {want} replaces {current!r}",),
        )

    def deletions(self, files: list[str], replaced: set[str]) -> list[FileChange]:
        out: list[FileChange] = []
        if self.project.tool in (Tool.POETRY, Tool.PIPENV) and self.enabled("TS109"):
            for f in _TOOL_FILES:
                old = self.detected.contents.get(f)
                if old is None or f not in files:
                    continue
                why = (
                    "replaced by pyproject.toml"
                    if f == PIPFILE
                    else "replaced by uv.lock (the versions it locks are kept as lock preferences)"
                )
                out.append(FileChange(f, old, None, rules=("TS109",), reasons=(why,)))
        files = [f for f in files if f not in _TOOL_FILES]
        if self.options.keep_requirements or not self.enabled("TS107"):
            return out
        skipped_groups = {
            f
            for g in self.project.groups
            if g.kind is GroupKind.GROUP and not self.enabled("TS102")
            for f in g.files
        }
        if not self.enabled("TS103"):
            skipped_groups.update(self.project.files_with(FileRole.CONSTRAINTS))
        for f in files:
            if f in skipped_groups:
                continue
            old = self.detected.contents.get(f)
            if old is None:
                self.state.diag(
                    "TS107",
                    Severity.INFO,
                    f"{f} was not read, so it is left in place",
                    Origin(f),
                )
                continue
            why = (
                "replaced by pyproject.toml"
                if f in replaced
                else "replaced by uv.lock (the versions it pins are kept as lock preferences)"
            )
            out.append(FileChange(f, old, None, rules=("TS107",), reasons=(why,)))
        return out

    def keep_still_needed(self, changes: list[FileChange]) -> list[FileChange]:
        """A requirements file a Dockerfile, CI file or Makefile still installs after the
        rewrite (a step left alone, such as ``pip install --prefix``) is not deleted: the
        build would fail on it. It is kept, with the files it includes, and said."""

        # a .in file is compiled, never installed from: a pip-compile left alone is said by
        # dangling_references
        deleting = {
            c.path: c
            for c in changes
            if c.new is None and "TS107" in c.rules and not c.path.endswith(".in")
        }
        if not deleting:
            return changes
        needed_by = (
            FileRole.DOCKERFILE,
            FileRole.COMPOSE,
            FileRole.GITHUB_WORKFLOW,
            FileRole.GITLAB_CI,
            FileRole.MAKEFILE,
            # `install_requires=open("requirements.txt").read()...`: building the package
            # (uv sync installs it) would fail on a deleted file
            FileRole.SETUP_PY,
            FileRole.SETUP_CFG,
            # tox's `deps = -rrequirements.txt`, nox's `session.install("-r", ...)`, ...
            FileRole.TOOL_CONFIG,
        )
        after = {c.path: c.new for c in changes}
        keep: dict[str, Origin] = {}
        for path in sorted(f for role in needed_by for f in self.project.files_with(role)):
            data = after[path] if path in after else self.detected.contents.get(path)
            if data is None:
                continue
            try:
                text = decode(data, path)[0]
            except Exception:
                continue
            # a comment that names the file does not need it
            text = re.sub(r"(?m)^[ \t]*#.*$", "", text)
            for name in deleting:
                m = re.search(_NAMED_BEFORE + re.escape(name) + r"(?![\w.-])", text)
                if m and name not in keep:
                    keep[name] = Origin(path, text.count("\n", 0, m.start()) + 1)
        if not keep:
            return changes
        todo = list(keep)
        while todo:  # what a kept file includes (-r/-c) must stay beside it
            rf = self.detected.requirement_files.get(todo.pop())
            for inc in rf.includes if rf else ():
                if inc.resolved in deleting and inc.resolved not in keep:
                    keep[inc.resolved] = inc.origin
                    todo.append(inc.resolved)
        group_of = {f: g for g in self.project.groups for f in g.files}
        for name, origin in keep.items():
            if origin.path == name or origin.path in keep:
                continue  # kept because a kept file includes it: said with that one
            g = group_of.get(name)
            which = "--no-dev" if g is None or g.kind is GroupKind.RUNTIME else f"--group {g.name}"
            self.state.diag(
                "TS107",
                Severity.WARNING,
                f"kept {name}: {origin.path} still uses it after the rewrite (a step "
                "toolshift left alone), so deleting it would break that step; it pins today's "
                "versions but will not follow uv.lock",
                origin,
                hint=f"regenerate it after each `uv lock` with `uv export {which} "
                f"--no-emit-project -o {name}`, or move that step to `uv sync --locked` by "
                "hand and delete the file",
            )
        return [c for c in changes if c.path not in keep or c.path not in deleting]

    def dangling_references(self, changes: list[FileChange]) -> None:
        """Warn about files this plan leaves alone that still name a file it deletes (a
        Dockerfile's ``COPY requirements.txt``, a workflow's ``pip install -r``, ...)."""

        deleted = [c.path for c in changes if c.new is None]
        if not deleted:
            return
        touched = {c.path: c.new for c in changes}
        patterns = {d: re.compile(_NAMED_BEFORE + re.escape(d) + r"(?![\w.-])") for d in deleted}
        for path, data in sorted(self.detected.contents.items()):
            if path in self.detected.requirement_files or path == PYPROJECT:
                continue
            if path in touched:
                # rewritten: what the rewrite left (a README's prose, a step it could not
                # translate) still names the file
                new = touched[path]
                if new is None:
                    continue
                data = new
            try:
                text = decode(data, path)[0]
            except Exception:
                continue
            hash_comments = _hash_comments(path)
            for name, pattern in patterns.items():
                found = [m.start() for m in pattern.finditer(text)]
                used = [at for at in found if not (hash_comments and _in_comment(text, at))]
                if used:
                    line = text.count("\n", 0, used[0]) + 1
                    self.state.diag(
                        "TS107",
                        Severity.WARNING,
                        f"{path} still refers to {name}, which this migration deletes",
                        Origin(path, line),
                        hint="install with `uv sync --locked` there, or keep the file with "
                        "--keep-requirements",
                    )
                elif found:
                    # Only a comment names it ("cached until requirements.txt changes"):
                    # nothing breaks, but the comment is now stale.
                    line = text.count("\n", 0, found[0]) + 1
                    self.state.diag(
                        "TS107",
                        Severity.INFO,
                        f"a comment in {path} still names {name}, which this migration deletes",
                        Origin(path, line),
                        hint="update the comment (dependencies now come from pyproject.toml "
                        "and uv.lock)",
                    )

    def surroundings_left(self) -> None:
        """Already on uv: the files around it are not rewritten (a Dockerfile installing an
        export with pip may be on purpose), but the ones the rewriters would change are named."""

        from toolshift.planners.surroundings import plan_surroundings

        around = plan_surroundings(self.detected, self.options, "uv")
        if around.changes:
            self.state.diag(
                "TS205",
                Severity.INFO,
                "the project already uses uv, so toolshift leaves "
                + ", ".join(c.path for c in around.changes)
                + " as they are; they still install or run things the pip way",
                hint="review them by hand (their uv form is what `migrate --to uv` writes "
                "for a pip project)",
            )

    def has_lock(self) -> bool:
        return bool(self.project.files_with(FileRole.UV_LOCK)) or UV_LOCK in self.detected.contents

    def already_on_uv(self, req_files: list[str]) -> bool:
        """Already on uv: requirement files next to it are exports (or kept on purpose)."""

        return self.project.tool is Tool.UV or (self.has_lock() and not req_files)

    def nothing_to_read(self, req_files: list[str]) -> bool:
        return not req_files and PYPROJECT not in self.detected.contents

    def lock_action(self) -> PostAction:
        return PostAction(PostActionKind.UV_LOCK, "uv lock", produces=(UV_LOCK,))

    def plan(self) -> Plan:
        p = self.project
        root = p.root
        self.check_errors()
        req_files = self.requirement_files()
        has_lock = self.has_lock()
        lock_wanted = self.options.lock and self.enabled("TS108")
        if self.already_on_uv(req_files):
            if req_files:
                self.state.diag(
                    "TS107",
                    Severity.INFO,
                    f"the project already uses uv; {', '.join(req_files)} left as they are "
                    "(exports or kept on purpose)",
                    hint="regenerate an export with `uv export --format requirements-txt`",
                )
            self.surroundings_left()
            return Plan(
                root=root,
                target="uv",
                post_actions=() if has_lock or not lock_wanted else (self.lock_action(),),
                diagnostics=tuple(self.state.diagnostics),
            )
        if self.nothing_to_read(req_files):
            setup = [f for f in ("setup.py", "setup.cfg") if f in self.detected.contents]
            if setup:
                self.state.diag(
                    "TS101",
                    Severity.WARNING,
                    f"not migrated: {' and '.join(setup)} declare the dependencies "
                    "(install_requires), which toolshift does not read; a pyproject.toml "
                    "[project] written without them would make setuptools drop them",
                    Origin(setup[0]),
                    hint="move install_requires/extras_require to pyproject.toml [project] "
                    "(dependencies, optional-dependencies) or to a requirements.txt, then run "
                    "toolshift again",
                )
            else:
                self.state.diag(
                    "TS101",
                    Severity.WARNING,
                    "nothing to migrate: no requirements files and no pyproject.toml here",
                    hint="point toolshift at the service folder, or name the files with "
                    "--requirements / --dev-requirements / --group",
                )
            return Plan(root=root, target="uv", diagnostics=tuple(self.state.diagnostics))
        changes: list[FileChange] = []
        replaced: set[str] = set()
        from toolshift.planners.surroundings import plan_surroundings

        around = plan_surroundings(self.detected, self.options, "uv")
        if self.enabled("TS101"):
            self.adhoc = around.adhoc
        elif around.adhoc:
            self.state.diag(
                "TS208",
                Severity.WARNING,
                "packages installed ad hoc ("
                + ", ".join(a.requirement for a in around.adhoc)
                + ") were not added to the project: TS101 is disabled",
                hint="add them to pyproject.toml by hand",
            )
        if self.enabled("TS101"):
            edits, replaced = self.edits()
            change = self.pyproject_change(edits, req_files)
            if change:
                changes.append(change)
            if edits.requires_python is None and PYPROJECT not in self.detected.contents:
                self.state.diag(
                    "TS101",
                    Severity.WARNING,
                    "no Python version found (.python-version, Dockerfile, CI, runtime.txt); "
                    "requires-python was not set",
                    hint="pass --python X.Y so uv locks for the version the service runs on",
                )
            py = self.python_version_change()
            if py:
                changes.append(py)
            changes += self.deletions(req_files, replaced)
        changes += around.changes
        from toolshift.planners.surroundings import ci_python_outside, without_adhoc_notes

        self.state.diagnostics.extend(without_adhoc_notes(around.diagnostics, self.adhoc_placed))
        self.state.diagnostics.extend(ci_python_outside(self.detected, changes))
        changes = self.keep_still_needed(changes)
        self.dangling_references(changes)
        posts: list[PostAction] = []
        if lock_wanted and (changes or not has_lock):
            posts.append(self.lock_action())
        return Plan(
            root=root,
            target="uv",
            changes=tuple(changes),
            post_actions=tuple(posts),
            diagnostics=tuple(self.state.diagnostics),
        )


def plan_to_uv(detected: Detected, options: MigrateOptions) -> Plan:
    """The whole change that moves ``detected`` to uv (see the module docstring)."""

    return _Planner(detected, options).plan()


_HASH_COMMENT_SUFFIXES = (".yml", ".yaml", ".toml", ".cfg", ".ini", ".sh", ".mk", ".py", ".txt")
_HASH_COMMENT_NAMES = ("dockerfile", "containerfile", "makefile", "procfile", ".dockerignore")


def _hash_comments(path: str) -> bool:
    """True for the files where ``#`` starts a comment (not Markdown, where it is a heading)."""

    name = posixpath.basename(path).lower()
    return name.endswith(_HASH_COMMENT_SUFFIXES) or name.startswith(_HASH_COMMENT_NAMES)


def _in_comment(text: str, at: int) -> bool:
    """True when offset ``at`` lies in a ``#`` comment: a ``#`` at the start of its line or
    after a blank, before ``at`` (a URL's ``#egg=`` fragment is not one)."""

    start = text.rfind("\n", 0, at) + 1
    before = text[start:at]
    return any(c == "#" and (i == 0 or before[i - 1] in " \t") for i, c in enumerate(before))


def lock_preview(detected: Detected, options: MigrateOptions) -> tuple[FileChange, ...] | None:
    """The ``pyproject.toml`` and ``.python-version`` changes :func:`plan_to_uv` will make,
    computed before (and without) the Dockerfile/CI rewriters, so ``uv lock`` can start early
    (:mod:`toolshift.shadow_lock`). An ad hoc ``pip install`` those rewriters find changes the
    real plan's pyproject: the caller compares the two. None when this plan would not lock a
    new pyproject (already on uv, nothing to migrate, TS101 or TS108 disabled, bad input)."""

    from toolshift.errors import ToolshiftError

    planner = _Planner(detected, options)
    if not (options.lock and planner.enabled("TS108") and planner.enabled("TS101")):
        return None
    try:
        planner.check_errors()
        req_files = planner.requirement_files()
        if planner.already_on_uv(req_files) or planner.nothing_to_read(req_files):
            return None
        edits, _ = planner.edits()
        changes = [planner.pyproject_change(edits, req_files), planner.python_version_change()]
    except ToolshiftError:
        return None  # the real plan reports it
    return tuple(c for c in changes if c is not None)
