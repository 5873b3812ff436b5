"""The neutral, tool-independent description of a project, and the Plan that changes it.

Readers produce these facts, planners consume them, renderers turn them into text. Nothing in
here does I/O. Every fact that came from a file keeps its :class:`Origin` (path, line, original
text) so diagnostics can point at it and unchanged requirements keep their original spelling.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

# --------------------------------------------------------------------------- basics


class Tool(StrEnum):
    PIP = "pip"
    PIP_TOOLS = "pip-tools"
    UV = "uv"
    POETRY = "poetry"
    PIPENV = "pipenv"
    UNKNOWN = "unknown"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Origin:
    """Where a fact came from: project-relative POSIX path, 1-based line, original text."""

    path: str
    line: int = 0
    text: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Diagnostic:
    """Something a person should know: a risk, a skipped input, an assumption made."""

    code: str
    severity: Severity
    message: str
    origin: Origin | None = None
    hint: str = ""

    def render(self) -> str:
        where = f"{self.origin}: " if self.origin else ""
        tip = f" (hint: {self.hint})" if self.hint else ""
        return f"{where}{self.severity.value} {self.code}: {self.message}{tip}"


_NORMALIZE = re.compile(r"[-_.]+")


def normalize_name(name: str) -> str:
    """PEP 503 normalisation, used for every comparison of distribution names."""

    return _NORMALIZE.sub("-", name).lower()


# --------------------------------------------------------------------------- requirements


class SourceKind(StrEnum):
    REGISTRY = "registry"  # a plain name[extras]specifier from an index
    URL = "url"  # an archive URL (https://..../x.whl, x.tar.gz)
    VCS = "vcs"  # git+https://..., hg+..., ...
    PATH = "path"  # a local directory or archive file


@dataclass(frozen=True)
class Requirement:
    """One requirement as a person wrote it.

    ``url`` keeps ``${VAR}`` references unexpanded. ``name`` keeps the original spelling;
    compare with :attr:`key`.
    """

    name: str
    specifier: str = ""
    extras: tuple[str, ...] = ()
    marker: str | None = None
    url: str | None = None
    source: SourceKind = SourceKind.REGISTRY
    editable: bool = False
    hashes: tuple[str, ...] = ()
    config_settings: tuple[tuple[str, str], ...] = ()
    origin: Origin | None = None

    @property
    def key(self) -> str:
        return normalize_name(self.name)

    @property
    def pinned_version(self) -> str | None:
        """The version if the specifier is a single ``==X`` / ``===X`` pin without wildcard."""

        spec = self.specifier.strip()
        m = re.fullmatch(r"===?\s*([^,\s*]+)", spec)
        return m.group(1) if m else None

    @property
    def is_project_root(self) -> bool:
        """``-e .``, ``.``, ``file:.``, ``${PROJECT_ROOT}``: the project installing itself,
        not a dependency on a local folder."""

        if self.source is not SourceKind.PATH or not self.url:
            return False
        path = self.url
        for prefix in ("file://", "file:"):
            if path.startswith(prefix):
                path = path[len(prefix) :]
                break
        for ref in ("${PROJECT_ROOT}", "$PROJECT_ROOT"):
            if path.startswith(ref):
                path = "." + path[len(ref) :]
        path = path.split("#", 1)[0]
        return bool(path) and posixpath.normpath(path) == "."

    def pep508(self) -> str:
        """A PEP 508 string (``name[extras] specifier ; marker`` or ``name @ url ; marker``)."""

        out = self.name
        if self.extras:
            out += "[" + ",".join(self.extras) + "]"
        if self.url:
            out += f" @ {self.url}"
        elif self.specifier:
            out += self.specifier
        if self.marker:
            out += f" ; {self.marker}" if self.url else f"; {self.marker}"
        return out


class GroupKind(StrEnum):
    RUNTIME = "runtime"  # [project] dependencies / requirements.txt
    EXTRA = "extra"  # [project.optional-dependencies]
    GROUP = "group"  # PEP 735 dependency group (dev, test, docs, ...)


@dataclass(frozen=True)
class DependencyGroup:
    """A named set of requirements: the runtime set, an extra, or a dev/test/docs group."""

    name: str
    kind: GroupKind
    requirements: tuple[Requirement, ...] = ()
    includes: tuple[str, ...] = ()  # names of other groups this one includes (``-r``)
    constraints: tuple[Requirement, ...] = ()  # from ``-c`` files
    files: tuple[str, ...] = ()  # project-relative files this group was read from


# --------------------------------------------------------------------------- indexes


class IndexKind(StrEnum):
    DEFAULT = "default"  # --index-url / -i
    EXTRA = "extra"  # --extra-index-url
    FIND_LINKS = "find-links"  # -f / --find-links
    NAMED = "named"  # [[tool.uv.index]] not marked default


@dataclass(frozen=True)
class Index:
    """A package index or find-links location.

    ``url`` never holds a literal credential: a password or token in the original is removed
    (``has_credentials`` says so); ``${VAR}`` references are kept, since they are not secrets.
    """

    url: str
    kind: IndexKind
    name: str = ""
    has_credentials: bool = False
    origin: Origin | None = None
    explicit: bool = False  # uv: used only by packages pinned to it in [tool.uv.sources]


@dataclass(frozen=True)
class InstallOptions:
    """pip options that change what gets installed, gathered from requirements files."""

    no_index: bool = False
    pre: bool = False
    prefer_binary: bool = False
    only_binary: tuple[str, ...] = ()
    no_binary: tuple[str, ...] = ()
    trusted_hosts: tuple[str, ...] = ()
    require_hashes: bool = False  # --require-hashes


# --------------------------------------------------------------------------- python version


class PythonSourceKind(StrEnum):
    PYTHON_VERSION_FILE = ".python-version"
    REQUIRES_PYTHON = "requires-python"
    RUNTIME_TXT = "runtime.txt"
    DOCKERFILE = "dockerfile"
    CI = "ci"
    TOOL_CONFIG = "tool-config"  # Pipfile python_version, poetry python = ...


@dataclass(frozen=True)
class PythonSource:
    """One place that states a Python version, e.g. ``.python-version`` or a base image tag."""

    kind: PythonSourceKind
    value: str  # as written: "3.12", ">=3.11", "3.12-slim" is reduced to "3.12"
    origin: Origin
    implementation: str = ""  # "" for CPython; "pypy", "graalpy" when the source says so


@dataclass(frozen=True)
class PythonSpec:
    sources: tuple[PythonSource, ...] = ()

    def versions(self) -> set[str]:
        """Distinct ``X.Y`` versions stated exactly (ranges like ``>=3.11`` are not counted)."""

        out: set[str] = set()
        for s in self.sources:
            m = re.fullmatch(r"(?:==)?\s*(\d+)\.(\d+)(?:\.[\d*]+)?", s.value.strip())
            if m:
                out.add(f"{m.group(1)}.{m.group(2)}")
        return out

    @property
    def conflicting(self) -> bool:
        """True when places that choose one interpreter state different ``X.Y`` versions.

        A CI file that names several versions is a test matrix, not a choice: it conflicts
        only when it leaves out the version the other places agree on.
        """

        fixed: set[str] = set()
        per_ci_file: dict[str, set[str]] = {}
        for s in self.sources:
            exact = PythonSpec(sources=(s,)).versions()
            if s.kind is PythonSourceKind.CI:
                per_ci_file.setdefault(s.origin.path, set()).update(exact)
            else:
                fixed |= exact
        matrices = []
        for versions in per_ci_file.values():
            if len(versions) == 1:
                fixed |= versions
            elif versions:
                matrices.append(versions)
        if len(fixed) > 1:
            return True
        return any(fixed and not fixed <= m for m in matrices)

    def preferred(self) -> str | None:
        """The version a migration should use: ``.python-version`` first, then others."""

        order = list(PythonSourceKind)
        for kind in order:
            for s in self.sources:
                if s.kind is kind:
                    m = re.match(r"(?:==)?\s*(\d+\.\d+)", s.value.strip())
                    if m:
                        return m.group(1)
        return None


# --------------------------------------------------------------------------- project


class FileRole(StrEnum):
    REQUIREMENTS = "requirements"
    CONSTRAINTS = "constraints"
    PYPROJECT = "pyproject"
    UV_LOCK = "uv-lock"
    POETRY_LOCK = "poetry-lock"
    PIPFILE = "pipfile"
    PIPFILE_LOCK = "pipfile-lock"
    SETUP_PY = "setup.py"
    SETUP_CFG = "setup.cfg"
    PYTHON_VERSION = "python-version"
    DOCKERFILE = "dockerfile"
    COMPOSE = "compose"
    GITHUB_WORKFLOW = "github-workflow"
    GITLAB_CI = "gitlab-ci"
    DOCKERIGNORE = "dockerignore"
    GITIGNORE = "gitignore"
    README = "readme"
    MAKEFILE = "makefile"
    # tox.ini, noxfile.py, .pre-commit-config.yaml, other CI: read only to find what still
    # installs from a requirements file (`deps = -rrequirements.txt`); never rewritten
    TOOL_CONFIG = "tool-config"


@dataclass(frozen=True)
class ProjectFile:
    path: str  # project-relative POSIX path
    role: FileRole


@dataclass(frozen=True)
class Project:
    """Everything toolshift knows about one service, independent of the tool it uses."""

    root: str  # absolute path of the service folder
    name: str
    tool: Tool
    files: tuple[ProjectFile, ...] = ()
    groups: tuple[DependencyGroup, ...] = ()
    indexes: tuple[Index, ...] = ()
    options: InstallOptions = field(default_factory=InstallOptions)
    python: PythonSpec = field(default_factory=PythonSpec)
    locked: Mapping[str, str] = field(default_factory=dict)  # normalized name -> version
    is_package: bool = False
    diagnostics: tuple[Diagnostic, ...] = ()

    def group(self, name: str) -> DependencyGroup | None:
        for g in self.groups:
            if g.name == name:
                return g
        return None

    def files_with(self, role: FileRole) -> list[str]:
        return [f.path for f in self.files if f.role is role]


# --------------------------------------------------------------------------- plan


class ChangeKind(StrEnum):
    CREATE = "create"
    MODIFY = "modify"
    DELETE = "delete"


@dataclass(frozen=True)
class FileChange:
    """The whole new content of one file. ``old``/``new`` are bytes; ``None`` means absent."""

    path: str  # project-relative POSIX path
    old: bytes | None
    new: bytes | None
    rules: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()

    @property
    def kind(self) -> ChangeKind:
        if self.old is None:
            return ChangeKind.CREATE
        if self.new is None:
            return ChangeKind.DELETE
        return ChangeKind.MODIFY


class PostActionKind(StrEnum):
    UV_LOCK = "uv-lock"


@dataclass(frozen=True)
class PostAction:
    """A command run after the files are written; its failure rolls everything back."""

    kind: PostActionKind
    description: str
    produces: tuple[str, ...] = ()  # files it creates or rewrites (journaled too)
    args: tuple[str, ...] = ()
    cwd: str = ""  # where it runs, relative to Plan.root ("" = the root; a monorepo service)


@dataclass(frozen=True)
class Plan:
    root: str
    target: str  # "uv", "pip", "fastapi"
    changes: tuple[FileChange, ...] = ()
    post_actions: tuple[PostAction, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.changes and not self.post_actions


# --------------------------------------------------------------------------- reading results


class IncludeKind(StrEnum):
    REQUIREMENT = "requirement"  # -r / --requirement
    CONSTRAINT = "constraint"  # -c / --constraint


@dataclass(frozen=True)
class Include:
    """A ``-r``/``-c`` line. ``target`` as written; ``resolved`` project-relative POSIX path
    (relative to the including file, as pip does), or the URL when it is one."""

    kind: IncludeKind
    target: str
    resolved: str
    origin: Origin


@dataclass(frozen=True)
class RequirementsFile:
    """One parsed requirements file (pip's format), includes not followed."""

    path: str
    requirements: tuple[Requirement, ...] = ()
    includes: tuple[Include, ...] = ()
    indexes: tuple[Index, ...] = ()
    options: InstallOptions = field(default_factory=InstallOptions)
    diagnostics: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True)
class Detected:
    """What detect hands to planning: the model, plus the bytes of every file it read, so
    planners stay pure and apply can check nothing changed on disk in between."""

    project: Project
    contents: Mapping[str, bytes] = field(default_factory=dict)  # project-relative path -> bytes
    requirement_files: Mapping[str, RequirementsFile] = field(default_factory=dict)


@dataclass(frozen=True)
class MigrateOptions:
    """Everything a planner may take from the command line. Each target reads what it needs."""

    target: str  # "uv", "pip", "fastapi"
    python: str | None = None  # --python X.Y
    keep_requirements: bool = False  # --to uv: keep requirements*.txt
    lock: bool = True  # --no-lock turns the uv lock post-action off
    disabled_rules: frozenset[str] = frozenset()  # --disable TS101,...
    pin: str = "exact"  # --to pip: exact | compatible | minor | declared
    hashes: bool = False  # --to pip: --hash lines
    keep_pyproject: bool = False  # --to pip
    extras: bool = False  # --to pip: also one requirements-<extra>.txt per extra
    docker: str = "multistage"  # multistage | minimal
    style: str = "compatible"  # --to fastapi: compatible | idiomatic
    # the uv version pinned in Dockerfiles and CI (resolved by the CLI from the uv it runs;
    # None: toolshift.rewriters.DEFAULT_UV_VERSION)
    uv_version: str | None = None
