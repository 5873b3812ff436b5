"""detect: the I/O edge at the start of the pipeline.

Walks a project folder (respecting ``.gitignore``), classifies the files that matter by
:class:`~toolshift.model.FileRole`, reads their bytes, hands the text to the pure readers and
assembles one :class:`~toolshift.model.Project`. Everything later in the pipeline works on the
returned :class:`~toolshift.model.Detected` and never touches the disk again.

Scope of the walk: packaging files (``pyproject.toml``, locks, ``.python-version``, README,
Makefile, ...) count only at the root; requirement files at the root, in a ``requirements/``
folder and as ``docs/requirements*.txt`` (plus whatever they include); Dockerfiles, compose files
and ``.dockerignore`` anywhere; GitHub workflows under ``.github/workflows``. A folder below the
root with its own ``pyproject.toml``/``setup.py``/``Pipfile``/``requirements.txt`` is another
service: it is not walked and is named in an info diagnostic. ``tests/fixtures``-style sample
trees, virtual environments and caches are skipped.

Group naming (requirement files): ``requirements.txt``, ``requirements/base.txt``, ``main``,
``common``, ``prod*`` -> the runtime group; ``requirements-dev.txt``, ``dev-requirements.txt``,
``requirements/dev.txt``, ``requirements/local.txt`` -> ``dev``; test/tests/testing -> ``test``;
doc/docs -> ``docs``; lint -> ``lint``; any other suffix -> its PEP 503 normalised name. ``-r`` of
another group's file becomes :attr:`DependencyGroup.includes`; a file reached only through ``-c``
is a constraints file.

Diagnostic codes (the readers add their own, ``RQ0xx``):

======  =======  ==============================================================
DET001  info     a folder below is another service; not part of this project
DET002  error    a packaging file is not UTF-8 (warning for Dockerfiles, CI, ...)
DET003  error    ``pyproject.toml`` / a lock file cannot be parsed
DET004  error    a broken ``-r``/``-c`` include (missing, cycle, outside the project)
DET006  warning  one name pinned to different versions in two files
DET007  warning  a non-packaging file over 5 MB was skipped
DET020  warning  no dependency file at all
======  =======  ==============================================================

Poetry (``[tool.poetry]``) and Pipenv (``Pipfile``) declarations are read by
:mod:`toolshift.readers.poetry` and :mod:`toolshift.readers.pipenv` (their own ``PO0xx``/``PE0xx``
codes); requirement files beside them are exports, as for uv. DET021 is retired.

DET002-DET004 are raised as errors unless ``detect(..., tolerant=True)``.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from toolshift.errors import IncludeError, InputError, ParseError, UsageError
from toolshift.model import (
    DependencyGroup,
    Detected,
    Diagnostic,
    FileRole,
    GroupKind,
    Include,
    IncludeKind,
    Index,
    InstallOptions,
    Origin,
    Project,
    ProjectFile,
    PythonSource,
    PythonSpec,
    Requirement,
    RequirementsFile,
    Severity,
    SourceKind,
    Tool,
    normalize_name,
)
from toolshift.readers import python_version as pv
from toolshift.readers.pyproject import PyprojectData, load_toml, read_pyproject
from toolshift.readers.requirements import load_requirements, parse_requirements
from toolshift.textio import decode

if TYPE_CHECKING:  # imported where used: a plain pip project needs neither (start-up time)
    import pathspec

# Folders never worth walking into: VCS data, environments, caches, toolshift's own journal.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "node_modules",
        ".toolshift",
        "__pycache__",
        ".tox",
        ".nox",
        "site-packages",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".eggs",
    }
)
# Sample trees inside tests (tests/fixtures/.../Dockerfile) are not the service's own files.
_SAMPLE_DIRS = frozenset({"fixtures", "testdata", "test_data"})
MAX_FILE_BYTES = 5_000_000  # README, Dockerfile, CI: anything larger is not what we look for
MAX_DEPTH = 8  # deep enough for docker/<service>/Dockerfile, shallow enough to stay fast

# Root files that decide the tool and the model; found even when .gitignore lists them (the
# analysis reports that ignore pattern as a risk instead of silently losing the lock).
_ALWAYS_READ = frozenset(
    {"pyproject.toml", "uv.lock", "poetry.lock", "Pipfile", "Pipfile.lock", ".python-version"}
)

# Packaging files are always read, whatever their size (a big uv.lock is still the lock).
_TOOL_FILES = frozenset(
    {
        FileRole.REQUIREMENTS,
        FileRole.CONSTRAINTS,
        FileRole.PYPROJECT,
        FileRole.UV_LOCK,
        FileRole.POETRY_LOCK,
        FileRole.PIPFILE,
        FileRole.PIPFILE_LOCK,
    }
)

_ROOT_FILES: dict[str, FileRole] = {
    "pyproject.toml": FileRole.PYPROJECT,
    "uv.lock": FileRole.UV_LOCK,
    "poetry.lock": FileRole.POETRY_LOCK,
    "Pipfile": FileRole.PIPFILE,
    "Pipfile.lock": FileRole.PIPFILE_LOCK,
    "setup.py": FileRole.SETUP_PY,
    "setup.cfg": FileRole.SETUP_CFG,
    ".python-version": FileRole.PYTHON_VERSION,
    "runtime.txt": FileRole.PYTHON_VERSION,
    ".gitlab-ci.yml": FileRole.GITLAB_CI,
    ".gitignore": FileRole.GITIGNORE,
    "Makefile": FileRole.MAKEFILE,
    "makefile": FileRole.MAKEFILE,
    "GNUmakefile": FileRole.MAKEFILE,
    "tox.ini": FileRole.TOOL_CONFIG,
    "noxfile.py": FileRole.TOOL_CONFIG,
    ".pre-commit-config.yaml": FileRole.TOOL_CONFIG,
    ".readthedocs.yaml": FileRole.TOOL_CONFIG,
    ".readthedocs.yml": FileRole.TOOL_CONFIG,
    ".travis.yml": FileRole.TOOL_CONFIG,
    "azure-pipelines.yml": FileRole.TOOL_CONFIG,
    "bitbucket-pipelines.yml": FileRole.TOOL_CONFIG,
    "Jenkinsfile": FileRole.TOOL_CONFIG,
}

_REQ_ROOT = re.compile(
    r"^(?:requirements[^/]*\.(?:txt|in)|[^/]+[-_.]requirements\.(?:txt|in))$", re.IGNORECASE
)
_CONSTRAINTS = re.compile(r"^constraints[^/]*\.txt$", re.IGNORECASE)
_REQ_DIR = "requirements"
_DOCS_DIR = "docs"
# A folder below the root holding one of these is another service (a monorepo member).
_SERVICE_MARKERS = ("pyproject.toml", "setup.py", "Pipfile", "requirements.txt")
_COMPOSE = re.compile(r"^(?:docker-)?compose[^/]*\.ya?ml$", re.IGNORECASE)
_WORKFLOW = re.compile(r"^\.github/workflows/[^/]+\.ya?ml$")
_DOC = re.compile(r"^(?:README|CONTRIBUTING)(?:\.[A-Za-z0-9]+)?$", re.IGNORECASE)
_PIP_COMPILE = re.compile(
    r"autogenerated by (?:pip-compile|uv)|uv pip compile|^\s*#\s+via\b", re.IGNORECASE | re.M
)

# pip-compile/uv pip compile run on the project's own metadata (`pip-compile -o
# requirements.txt pyproject.toml`, `--extra dev`): the file locks [project], it declares nothing
_FROM_METADATA = re.compile(
    r"^#\s+(?:pip-compile|uv pip compile)\b(?P<cmd>[^\n]*?\s"
    r"(?:\S*/)?(?:pyproject\.toml|setup\.(?:cfg|py))(?:[ \t][^\n]*)?)$"
    r"|^\s+#\s+(?:via\s+)?[A-Za-z0-9][\w.\-]* \((?:pyproject\.toml|setup\.(?:cfg|py))\)\s*$",
    re.M,
)
_COMPILE_EXTRA = re.compile(r"--extra(?:=|\s+)([A-Za-z0-9][\w.\-]*)")

_GROUP_ALIASES = {
    "dev": "dev",
    "develop": "dev",
    "development": "dev",
    "local": "dev",  # cookiecutter-django's requirements/local.txt
    "test": "test",
    "tests": "test",
    "testing": "test",
    "doc": "docs",
    "docs": "docs",
    "lint": "lint",
    "linting": "lint",
}
_RUNTIME_NAMES = frozenset({"", "base", "main", "common", "runtime", "requirements", "default"})
RUNTIME = "runtime"


@dataclass(frozen=True)
class FileSelection:
    """Requirement files named on the command line; when any is given, they alone form groups
    (except that the runtime group is still found by name when no ``requirements`` is given).

    ``groups`` holds ``(NAME, FILE)`` pairs from ``--group NAME=FILE``. Paths are relative to
    the project root (or absolute inside it).
    """

    requirements: tuple[str, ...] = ()
    dev_requirements: tuple[str, ...] = ()
    groups: tuple[tuple[str, str], ...] = ()

    @property
    def explicit(self) -> bool:
        return bool(self.requirements or self.dev_requirements or self.groups)


# --------------------------------------------------------------------------- classification


def classify(rel: str) -> FileRole | None:
    """The role of a project-relative POSIX path, or ``None`` if detect ignores it."""

    parts = rel.split("/")
    name = parts[-1]
    depth = len(parts) - 1
    lower = name.lower()
    if lower == ".dockerignore" or lower.endswith(".dockerignore"):
        return FileRole.DOCKERIGNORE
    if name == "Dockerfile" or lower.endswith(".dockerfile") or name.startswith("Dockerfile."):
        return FileRole.DOCKERFILE
    if _COMPOSE.match(name):
        return FileRole.COMPOSE
    if _WORKFLOW.match(rel):
        return FileRole.GITHUB_WORKFLOW
    if depth == 0:
        if name in _ROOT_FILES:
            return _ROOT_FILES[name]
        if _CONSTRAINTS.match(name):
            return FileRole.CONSTRAINTS
        if _REQ_ROOT.match(name):
            return FileRole.REQUIREMENTS
        if _DOC.match(name):
            return FileRole.README
    if depth == 1 and parts[0] == _REQ_DIR and lower.endswith((".txt", ".in")):
        return FileRole.CONSTRAINTS if _CONSTRAINTS.match(name) else FileRole.REQUIREMENTS
    if depth == 1 and parts[0] == _DOCS_DIR and _REQ_ROOT.match(name):
        return FileRole.REQUIREMENTS  # Read the Docs' docs/requirements.txt
    return None


def group_for_file(rel: str) -> str:
    """The dependency group a requirement file declares, from its name alone."""

    path = PurePosixPath(rel)
    stem = path.stem.lower()
    if len(path.parts) == 2 and path.parent.name == _DOCS_DIR:
        return "docs"
    m = re.fullmatch(r"requirements(?:[-_.](.*))?", stem)
    if m:
        core = m.group(1) or ""
    else:
        m = re.fullmatch(r"(.*?)[-_.]requirements", stem)
        core = m.group(1) if m else stem
    core = normalize_name(core).strip("-")
    if core in _RUNTIME_NAMES or core.startswith("prod"):
        return RUNTIME
    return _GROUP_ALIASES.get(core, core)


# --------------------------------------------------------------------------- walking


@dataclass
class _Ignores:
    """gitignore files seen so far, deepest last; git lets the deepest matching file decide."""

    specs: list[tuple[str, pathspec.GitIgnoreSpec]] = field(default_factory=list)

    def add(self, base: str, text: str) -> None:
        import pathspec

        self.specs.append((base, pathspec.GitIgnoreSpec.from_lines(text.splitlines())))

    def ignored(self, rel: str, is_dir: bool) -> bool:
        for base, spec in reversed(self.specs):
            if base and not rel.startswith(base + "/"):
                continue
            sub = rel[len(base) + 1 :] if base else rel
            result = spec.check_file(sub + "/" if is_dir else sub)
            if result.include is not None:
                return bool(result.include)
        return False


def walk(root: Path) -> tuple[list[str], list[str]]:
    """Project-relative POSIX paths of every file detect classifies, and the marker files of
    folders below that are services of their own (pyproject.toml, setup.py, Pipfile or
    requirements.txt): those folders are not walked."""

    found: list[str] = []
    nested: list[str] = []
    ignores = _Ignores()
    exclude = root / ".git" / "info" / "exclude"  # the repository's own, unshared ignores
    if exclude.is_file():
        ignores.add("", exclude.read_text(encoding="utf-8-sig", errors="replace"))
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        rel_dir = here.relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        depth = rel_dir.count("/") + 1 if rel_dir else 0
        if ".gitignore" in filenames:
            try:
                text = (here / ".gitignore").read_text(encoding="utf-8-sig", errors="replace")
            except OSError:
                text = ""
            ignores.add(rel_dir, text)
        keep: list[str] = []
        for d in sorted(dirnames):
            rel = f"{rel_dir}/{d}" if rel_dir else d
            if d in SKIP_DIRS or d.endswith(".egg-info") or depth + 1 > MAX_DEPTH:
                continue
            if d in _SAMPLE_DIRS and depth > 0:
                continue
            if (here / d / "pyvenv.cfg").exists() or ignores.ignored(rel, is_dir=True):
                continue
            if rel not in (_REQ_DIR, _DOCS_DIR):
                marker = next((m for m in _SERVICE_MARKERS if (here / d / m).is_file()), None)
                if marker is not None:
                    nested.append(f"{rel}/{marker}")
                    continue  # its Dockerfiles and CI belong to it, not to this project
            keep.append(d)
        dirnames[:] = keep
        for f in sorted(filenames):
            rel = f"{rel_dir}/{f}" if rel_dir else f
            role = classify(rel)
            if role is None:
                continue
            if ignores.ignored(rel, is_dir=False) and not (depth == 0 and f in _ALWAYS_READ):
                continue
            if not (here / f).is_file():
                continue
            found.append(rel)
    return sorted(found), sorted(nested)


# --------------------------------------------------------------------------- small readers


def _line_of(text: str, pattern: str) -> int:
    rx = re.compile(pattern, re.M)
    m = rx.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else 0


def _sub(data: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    cur: Any = data
    for k in keys:
        cur = cur.get(k) if isinstance(cur, Mapping) else None
    return dict(cur) if isinstance(cur, Mapping) else {}


def _pyproject_groups(data: PyprojectData, has_dependencies: bool) -> list[DependencyGroup]:
    """Runtime (when declared), extras and PEP 735 groups; uv's constraint-dependencies are
    kept on the runtime group."""

    out: list[DependencyGroup] = []
    if has_dependencies or data.constraints:
        r = data.runtime
        out.append(
            DependencyGroup(
                RUNTIME,
                GroupKind.RUNTIME,
                r.requirements,
                r.includes,
                r.constraints + tuple(data.constraints),
                r.files,
            )
        )
    out.extend(data.extras)
    out.extend(data.groups)
    return out


def _dedupe_indexes(indexes: Iterable[Index]) -> tuple[Index, ...]:
    seen: dict[str, Index] = {}
    for index in indexes:
        seen.setdefault(index.url, index)
    return tuple(seen.values())


def _lock_versions(role: FileRole, text: str, path: str) -> dict[str, str]:
    """name -> version from uv.lock, poetry.lock or Pipfile.lock (third-party packages only)."""

    out: dict[str, str] = {}
    if role is FileRole.POETRY_LOCK:
        from toolshift.readers import poetry as poetry_reader

        return poetry_reader.lock_versions(text, path)
    if role is FileRole.PIPFILE_LOCK:
        from toolshift.readers import pipenv as pipenv_reader

        return pipenv_reader.lock_versions(text, path)
    from toolshift.readers.uv_lock import load_lock

    data = load_lock(text, path)[0]  # names and versions only: skip the artifact tables
    for pkg in data.get("package", []) or []:
        if not isinstance(pkg, Mapping) or "name" not in pkg or "version" not in pkg:
            continue
        source = pkg.get("source")
        if isinstance(source, Mapping) and ({"virtual", "editable"} & set(source)):
            continue  # the project itself, or a workspace member
        out.setdefault(normalize_name(str(pkg["name"])), str(pkg["version"]))
    return out


# --------------------------------------------------------------------------- detect


@dataclass
class _State:
    root: Path
    tolerant: bool
    contents: dict[str, bytes] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    roles: dict[str, FileRole] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def fail(self, err: InputError, code: str) -> None:
        """In tolerant mode (analyze) a broken input is a finding; otherwise it stops detect."""

        if not self.tolerant:
            raise err
        origin = Origin(err.path, err.line or 0) if err.path else None
        self.diagnostics.append(
            Diagnostic(code, Severity.ERROR, err.message, origin, err.hint or "")
        )

    def read_bytes(self, rel: str) -> bytes | None:
        if rel in self.contents:
            return self.contents[rel]
        target = self.root / rel
        try:
            data = target.read_bytes()
        except OSError:
            return None
        self.contents[rel] = data
        return data

    def text(self, rel: str, *, essential: bool = True) -> str | None:
        """The decoded text of a file. A file that is not UTF-8 stops detect when it is
        ``essential`` (packaging files) and is only a warning otherwise (a Dockerfile whose
        Python version cannot be read does not stop a migration)."""

        if rel in self.texts:
            return self.texts[rel]
        data = self.read_bytes(rel)
        if data is None:
            return None
        try:
            text, _fmt = decode(data, rel)
        except InputError as err:
            if essential:
                self.fail(err, "DET002")
            else:
                self.diagnostics.append(
                    Diagnostic(
                        "DET002",
                        Severity.WARNING,
                        f"{err.message}; toolshift skipped it",
                        Origin(rel, err.line or 0),
                        err.hint or "",
                    )
                )
            return None
        self.texts[rel] = text
        return text


def _resolve_selected(root: Path, given: str, flag: str) -> str:
    candidates = [Path(given)] if Path(given).is_absolute() else [root / given, Path.cwd() / given]
    for cand in candidates:
        if cand.is_file():
            try:
                return cand.resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                raise UsageError(
                    f"{flag} {given}: the file is outside the project folder {root}",
                    hint="pass a requirements file that lives inside the project",
                ) from None
    raise UsageError(
        f"{flag} {given}: no such file in {root}",
        hint="paths are relative to the project folder; check the spelling",
    )


def detect(
    root: Path | str, selection: FileSelection | None = None, *, tolerant: bool = False
) -> Detected:
    """Walk ``root`` and describe the project found there.

    ``tolerant=True`` (used by ``analyze``) turns unreadable files, broken ``-r``/``-c``
    includes and malformed TOML into error diagnostics instead of raising; a migration should
    keep the default and stop on them.
    """

    selection = selection or FileSelection()
    root_path = Path(root)
    if not root_path.exists():
        raise UsageError(
            f"{root}: no such folder", hint="pass the folder of the service to analyze or migrate"
        )
    if not root_path.is_dir():
        raise UsageError(
            f"{root}: not a folder",
            hint="pass the folder that holds the project, not a single file",
        )
    root_path = root_path.resolve()
    st = _State(root_path, tolerant)

    found, nested = walk(root_path)
    for rel in found:
        role = classify(rel)
        assert role is not None
        size = (root_path / rel).stat().st_size
        if size > MAX_FILE_BYTES and role not in _TOOL_FILES:
            st.diagnostics.append(
                Diagnostic(
                    "DET007",
                    Severity.WARNING,
                    f"{rel} is {size // 1_000_000} MB; toolshift skipped it",
                    Origin(rel),
                    "a file this large is not a hand-written Dockerfile, README or CI file",
                )
            )
            continue
        st.roles[rel] = role
        st.read_bytes(rel)
    for rel in nested:
        st.diagnostics.append(
            Diagnostic(
                "DET001",
                Severity.INFO,
                f"{PurePosixPath(rel).parent} looks like a separate service ({rel}); "
                "it is not part of this project",
                Origin(rel),
                f"`toolshift migrate` takes it too (--only {PurePosixPath(rel).parent} for "
                "that service alone); analyze it on its own",
            )
        )

    # -- pyproject and other tool files
    pyproject: dict[str, Any] = {}
    pyproject_text = ""
    py_data: PyprojectData | None = None
    if "pyproject.toml" in st.roles:
        pyproject_text = st.text("pyproject.toml") or ""
        try:
            pyproject = load_toml(pyproject_text, "pyproject.toml")
            py_data = read_pyproject(pyproject_text, "pyproject.toml")
        except ParseError as err:
            st.fail(err, "DET003")

    # -- requirement files -> groups
    entries = _group_entries(st, selection)
    from_metadata: dict[str, tuple[str, ...]] = {}
    if not selection.explicit:
        from_metadata = _compiled_from_metadata(st, [p for p, _ in entries])
        entries = [e for e in entries if e[0] not in from_metadata]
    files = _load(st, [path for path, _ in entries])
    for path in files:
        if path not in st.roles:
            st.roles[path] = FileRole.REQUIREMENTS
    # pip-tools' layered workflow: `-c requirements.txt` in requirements-dev.in keeps the dev
    # pins in line with the runtime ones; one uv.lock does that, so it is no constraint.
    layered = {
        path[:-3] + ".txt"
        for path, _ in entries
        if path.endswith(".in") and path[:-3] + ".txt" in st.roles
    }
    groups, constraint_files = _build_groups(
        st, entries, files, parse_requirements, selection.explicit, layered
    )
    # -- pip-tools: .in declares, the compiled .txt beside it locks
    siblings, compiled = _compiled_siblings(st, [p for p, _ in entries])
    in_groups = {f for g in groups for f in g.files}
    for path in constraint_files:
        # only -c reaches it: a constraints file (a pip-compile output stays what it is)
        if path not in in_groups and path not in siblings:
            st.roles[path] = FileRole.CONSTRAINTS

    locked: dict[str, str] = {}
    for txt in siblings:
        text = st.text(txt)
        if text is None:
            continue
        parsed = parse_requirements(text, txt)
        files.setdefault(txt, parsed)
        _undeclared_compiled(st, txt, text, parsed, groups)
        for req in parsed.requirements:
            if req.pinned_version:
                locked.setdefault(req.key, req.pinned_version)

    for txt in from_metadata:
        # its pins are today's versions of [project]'s dependencies: lock preferences
        parsed = parse_requirements(st.text(txt) or "", txt)
        for req in parsed.requirements:
            if req.pinned_version:
                locked.setdefault(req.key, req.pinned_version)
    if from_metadata:
        compiled = [*compiled, *from_metadata]

    # -- tool
    tool_uv = _sub(pyproject, "tool", "uv")
    has_tool_uv = "uv" in _sub(pyproject, "tool")
    if "uv.lock" in st.roles or has_tool_uv:
        tool = Tool.UV
    elif "poetry.lock" in st.roles or "poetry" in _sub(pyproject, "tool"):
        tool = Tool.POETRY
    elif "Pipfile" in st.roles:
        tool = Tool.PIPENV
    elif compiled:
        tool = Tool.PIP_TOOLS
    elif (
        files
        or any(r in (FileRole.SETUP_PY, FileRole.SETUP_CFG) for r in st.roles.values())
        or "project" in pyproject
    ):
        tool = Tool.PIP
    else:
        tool = Tool.UNKNOWN

    # -- groups declared in pyproject.toml (uv projects, PEP 621 packages)
    py_indexes: tuple[Index, ...] = ()
    if py_data is not None:
        py_groups = _pyproject_groups(py_data, "dependencies" in _sub(pyproject, "project"))
        py_indexes = py_data.indexes
        declares = any(g.kind is not GroupKind.EXTRA for g in py_groups)
        if tool is Tool.UV and declares and groups and not selection.explicit:
            # requirement files beside a uv project's declarations are exports of it
            groups = []
        have = {g.name for g in groups}
        if groups and not (tool is Tool.UV and declares):
            groups.extend(g for g in py_groups if g.kind is GroupKind.EXTRA)
        else:
            groups.extend(g for g in py_groups if g.name not in have)

    # -- Poetry / Pipenv declarations (requirement files beside them are exports)
    tool_indexes: list[Index] = []
    tool_hosts: list[str] = []
    tool_pre = False
    declared: list[DependencyGroup] | None = None
    if tool is Tool.POETRY and "poetry" in _sub(pyproject, "tool") and py_data is not None:
        from toolshift.readers import poetry as poetry_reader

        try:
            poetry = poetry_reader.read_poetry(pyproject_text, "pyproject.toml")
        except ParseError as err:
            st.fail(err, "DET003")
        else:
            st.diagnostics.extend(poetry.diagnostics)
            tool_indexes += poetry.indexes
            declared = list(poetry.groups)
            if "dependencies" in _sub(pyproject, "project"):
                # Poetry 2: [project] declares the runtime set, [tool.poetry] only enriches it
                declared = [g for g in py_groups if g.kind is not GroupKind.GROUP] + [
                    g for g in declared if g.kind is GroupKind.GROUP
                ]
    elif tool is Tool.PIPENV:
        pipfile_text = st.text("Pipfile")
        if pipfile_text is not None:
            from toolshift.readers import pipenv as pipenv_reader

            try:
                pipfile = pipenv_reader.read_pipfile(pipfile_text, "Pipfile")
            except ParseError as err:
                st.fail(err, "DET003")
            else:
                st.diagnostics.extend(pipfile.diagnostics)
                tool_indexes += pipfile.indexes
                tool_hosts += pipfile.trusted_hosts
                tool_pre = pipfile.prereleases
                declared = list(pipfile.groups)
    if declared is not None and (declared or not groups) and not selection.explicit:
        groups = declared

    # -- locked versions
    for lock_name in ("uv.lock", "poetry.lock", "Pipfile.lock"):
        if lock_name in st.roles:
            text = st.text(lock_name)
            if text is None:
                continue
            try:
                for k, v in _lock_versions(st.roles[lock_name], text, lock_name).items():
                    locked.setdefault(k, v)
            except ParseError as err:
                st.fail(err, "DET003")
    if not compiled and tool in (Tool.PIP, Tool.UNKNOWN):
        _pins_as_locked(st, groups, locked)

    # -- indexes and options from every requirement file, first origin wins
    indexes, options = _merge_indexes(files.values())
    indexes = _dedupe_indexes((*indexes, *py_indexes, *tool_indexes))
    if tool_hosts or tool_pre:
        options = dataclasses.replace(
            options,
            trusted_hosts=options.trusted_hosts
            + tuple(h for h in tool_hosts if h not in options.trusted_hosts),
            pre=options.pre or tool_pre,
        )
    for parsed in files.values():
        st.diagnostics.extend(parsed.diagnostics)

    python = PythonSpec(tuple(_python_sources(st, pyproject, pyproject_text)))

    project_meta = _sub(pyproject, "project")
    name = str(project_meta.get("name") or _sub(pyproject, "tool", "poetry").get("name") or "")
    name = normalize_name(name or root_path.name)

    is_package = (
        "build-system" in pyproject
        or "setup.py" in st.roles
        or "setup.cfg" in st.roles
        or "poetry" in _sub(pyproject, "tool")
    )
    if isinstance(tool_uv.get("package"), bool):
        is_package = bool(tool_uv["package"])
    elif tool is Tool.POETRY and "poetry" in _sub(pyproject, "tool"):
        is_package = _poetry_is_package(root_path, pyproject)

    if not groups and not any(
        r in (FileRole.SETUP_PY, FileRole.SETUP_CFG) for r in st.roles.values()
    ):
        st.diagnostics.append(
            Diagnostic(
                "DET020",
                Severity.WARNING,
                "no dependency file found (no requirements*.txt, pyproject.toml dependencies, "
                "Pipfile or setup.py)",
                None,
                "pass --requirements FILE if the project keeps its dependencies elsewhere",
            )
        )

    project = Project(
        root=str(root_path),
        name=name,
        tool=tool,
        files=tuple(ProjectFile(p, st.roles[p]) for p in sorted(st.roles)),
        groups=tuple(groups),
        indexes=indexes,
        options=options,
        python=python,
        locked=dict(sorted(locked.items())),
        is_package=is_package,
        diagnostics=tuple(st.diagnostics),
    )
    return Detected(project=project, contents=dict(st.contents), requirement_files=files)


def _poetry_is_package(root: Path, pyproject: Mapping[str, Any]) -> bool:
    """Poetry installs the project itself unless ``package-mode = false``; that only works when
    the package is there (``packages`` names it, or a folder matches the project name)."""

    poetry = _sub(pyproject, "tool", "poetry")
    if poetry.get("package-mode") is False:
        return False
    if poetry.get("packages"):
        return True
    name = str(_sub(pyproject, "project").get("name") or poetry.get("name") or "")
    module = re.sub(r"[-.]+", "_", name).lower()
    if not module:
        return False
    for base in (root, root / "src"):
        if (base / module).is_dir() or (base / f"{module}.py").is_file():
            return True
    return False


# --------------------------------------------------------------------------- requirement groups


def _group_entries(st: _State, selection: FileSelection) -> list[tuple[str, str]]:
    """(file, group) for every requirement file that declares a group, in a stable order."""

    auto = _auto_entries(st)
    if selection.explicit:
        entries: list[tuple[str, str]] = []
        for given in selection.requirements:
            entries.append((_resolve_selected(st.root, given, "--requirements"), RUNTIME))
        for given in selection.dev_requirements:
            entries.append((_resolve_selected(st.root, given, "--dev-requirements"), "dev"))
        for name, given in selection.groups:
            group = normalize_name(name)
            if group in ("runtime", "main", "default"):
                group = RUNTIME
            entries.append((_resolve_selected(st.root, given, f"--group {name}="), group))
        if not any(group == RUNTIME for _path, group in entries):
            # Only dev/other files were named: the runtime set is still found by its name.
            named = {path for path, _group in entries}
            runtime = [(p, g) for p, g in auto if g == RUNTIME and p not in named]
            entries = runtime + entries
        for path, _group in entries:
            st.read_bytes(path)
            st.roles.setdefault(path, FileRole.REQUIREMENTS)
        return entries
    return auto


def _auto_entries(st: _State) -> list[tuple[str, str]]:
    """Group entry files found by their names."""

    candidates = sorted(p for p, r in st.roles.items() if r is FileRole.REQUIREMENTS)
    ins = {p for p in candidates if p.endswith(".in")}
    out = []
    for path in candidates:
        if path.endswith(".txt") and path[:-4] + ".in" in ins:
            continue  # pip-tools output; its pins become Project.locked
        out.append((path, group_for_file(path)))
    out.sort(key=lambda e: (e[1] != RUNTIME, e[0]))
    return out


def _load(st: _State, paths: list[str]) -> dict[str, RequirementsFile]:
    """Parse the entry files and everything they include; broken includes become findings."""

    read = _include_reader(st)
    try:
        return load_requirements(paths, read)
    except InputError as err:
        if not st.tolerant:
            raise
        first = err
    # Tolerant: load what can be loaded, one entry at a time, and report the rest.
    out: dict[str, RequirementsFile] = {}
    reported = False
    for path in paths:
        try:
            out.update(load_requirements([path], read))
        except InputError as err:
            st.fail(err, "DET004" if isinstance(err, IncludeError) else "DET002")
            reported = True
            text = st.text(path) if path in st.contents else None
            if text is not None:
                out.setdefault(path, parse_requirements(text, path))
    if not reported:
        st.fail(first, "DET004" if isinstance(first, IncludeError) else "DET002")
    return out


def _include_reader(st: _State) -> Callable[[str], bytes | None]:
    return st.read_bytes


def _build_groups(
    st: _State,
    entries: list[tuple[str, str]],
    files: Mapping[str, RequirementsFile],
    parse: Callable[[str, str], RequirementsFile],
    explicit: bool,
    layered: frozenset[str] | set[str] = frozenset(),
) -> tuple[list[DependencyGroup], list[str]]:
    """Fold requirement files into groups; returns the groups and the constraints-only files.
    ``layered``: compiled pip-tools outputs, not followed when a ``.in`` file names them
    with ``-c``."""

    owner: dict[str, str] = {path: group for path, group in entries}
    # A non-runtime file only ever reached by -c is a constraints file, not a group.
    req_targets = {
        inc.resolved
        for f in files.values()
        for inc in f.includes
        if inc.kind is IncludeKind.REQUIREMENT
    }
    con_targets = {
        inc.resolved
        for f in files.values()
        for inc in f.includes
        if inc.kind is IncludeKind.CONSTRAINT
    }
    for path in list(owner):
        if owner[path] != RUNTIME and path in con_targets and path not in req_targets:
            del owner[path]

    order: list[str] = []
    for _path, group in entries:
        if group not in order and group in owner.values():
            order.append(group)

    constraint_files: set[str] = set()
    groups: list[DependencyGroup] = []
    for group in order:
        folder = _GroupFolder(st, group, owner, files, layered)
        for path, g in entries:
            if g == group and owner.get(path) == group:
                folder.visit(path, as_constraint=False)
        constraint_files.update(folder.constraint_files)
        groups.append(folder.result())

    # Constraints files nobody includes: pip users pass them with -c by hand; count them for
    # the runtime group so their pins are kept.
    orphans = [
        p
        for p, r in sorted(st.roles.items())
        if r is FileRole.CONSTRAINTS and p not in constraint_files and p not in owner
    ]
    if orphans and not explicit:
        extra: list[Requirement] = []
        for path in orphans:
            text = st.text(path)
            if text is None:
                continue
            parsed = parse(text, path)
            extra.extend(parsed.requirements)
            constraint_files.add(path)
        if extra:
            runtime = next((g for g in groups if g.name == RUNTIME), None)
            if runtime is None:
                runtime = DependencyGroup(RUNTIME, GroupKind.RUNTIME)
                groups.insert(0, runtime)
            idx = groups.index(runtime)
            groups[idx] = DependencyGroup(
                runtime.name,
                runtime.kind,
                runtime.requirements,
                runtime.includes,
                runtime.constraints + tuple(extra),
                runtime.files,
            )
    return groups, sorted(constraint_files)


class _GroupFolder:
    """Collects one group: its files' requirements, ``-r`` of other groups as includes, and
    everything reached through ``-c`` as constraints."""

    def __init__(
        self,
        st: _State,
        group: str,
        owner: Mapping[str, str],
        files: Mapping[str, RequirementsFile],
        layered: frozenset[str] | set[str] = frozenset(),
    ) -> None:
        self.st = st
        self.layered = layered
        self.group = group
        self.owner = owner
        self.files = files
        self.reqs: list[Requirement] = []
        self.cons: list[Requirement] = []
        self.includes: list[str] = []
        self.gfiles: list[str] = []
        self.constraint_files: set[str] = set()
        self._seen: set[tuple[str, bool]] = set()
        self._seen_req: set[tuple[str, str, str | None, str | None]] = set()

    def visit(self, path: str, as_constraint: bool) -> None:
        if (path, as_constraint) in self._seen:
            return
        self._seen.add((path, as_constraint))
        parsed = self.files.get(path)
        if parsed is None:
            return
        if as_constraint:
            self.constraint_files.add(path)
        elif path not in self.gfiles:
            self.gfiles.append(path)
        for req in parsed.requirements:
            if as_constraint:
                self.cons.append(req)
                continue
            key = (req.key, req.specifier, req.marker, req.url)
            if key not in self._seen_req:
                self._seen_req.add(key)
                self.reqs.append(req)
        for inc in parsed.includes:
            self._include(inc, as_constraint)

    def _include(self, inc: Include, as_constraint: bool) -> None:
        target = inc.resolved
        if re.match(r"(https?|file):", target, re.IGNORECASE):
            return  # a remote include: the reader already says it is not followed (RQ012)
        if inc.kind is IncludeKind.CONSTRAINT or as_constraint:
            if target in self.layered and inc.origin.path.endswith(".in"):
                self.st.diagnostics.append(
                    Diagnostic(
                        "DET008",
                        Severity.INFO,
                        f"-c {inc.target} keeps this group's pins in line with the compiled "
                        f"{target} (pip-tools layering); one uv.lock does that for every group, "
                        "so it is not carried over as a constraint (its versions are kept as "
                        "lock preferences)",
                        inc.origin,
                    )
                )
                return
            self.visit(target, as_constraint=True)
            return
        other = self.owner.get(target)
        if other is not None and other != self.group:
            if other not in self.includes:
                self.includes.append(other)
            return
        self.visit(target, as_constraint=False)

    def result(self) -> DependencyGroup:
        kind = GroupKind.RUNTIME if self.group == RUNTIME else GroupKind.GROUP
        return DependencyGroup(
            self.group,
            kind,
            tuple(self.reqs),
            includes=tuple(self.includes),
            constraints=tuple(self.cons),
            files=tuple(self.gfiles),
        )


_VIA = re.compile(r"^\s+#\s*via\b")


def _undeclared_compiled(
    st: _State,
    txt: str,
    text: str,
    parsed: RequirementsFile,
    groups: Iterable[DependencyGroup],
) -> None:
    """Lines of a compiled ``.txt`` its ``.in`` does not account for: a direct reference
    (VCS, URL, path) it does not declare, or a pin without pip-compile's ``# via`` note in an
    annotated file. Someone added them by hand; the migration reads the ``.in`` (DET009)."""

    source = txt[:-4] + ".in"
    group = next((g for g in groups if source in g.files), None)
    if group is None:
        return
    declared = {r.key for r in group.requirements} | {r.url for r in group.requirements if r.url}
    lines = text.splitlines()
    annotated = any(_VIA.match(line) for line in lines)
    for req in parsed.requirements:
        if req.key in declared or (req.url and req.url in declared):
            continue
        if req.editable and req.url and req.url.rstrip("/") in (".", "file:.", "file://."):
            continue  # the project itself: uv sync installs it
        if req.source is SourceKind.PATH and any(
            r.source is SourceKind.PATH for r in group.requirements
        ):
            continue  # pip-compile writes `-e ./lib` of the .in as an absolute file:// URL
        line = req.origin.line if req.origin and req.origin.line else 0
        if not req.url:
            if not annotated or not line:
                continue
            at = line  # index of the line after the requirement's first line
            while at < len(lines) and (
                lines[at - 1].rstrip().endswith("\\") or lines[at].lstrip().startswith("--hash")
            ):
                at += 1
            if at < len(lines) and _VIA.match(lines[at]):
                continue  # pip-compile put it there: a dependency of a declared one
        st.diagnostics.append(
            Diagnostic(
                "DET009",
                Severity.WARNING,
                f"{req.name or req.url} is in {txt} but not in {source}, which the migration "
                "reads: it is not carried over (the next pip-compile would drop it too)",
                req.origin,
                f"add it to {source} if the service needs it, then run toolshift again",
            )
        )


def _compiled_from_metadata(st: _State, paths: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """``.txt`` files pip-compile (or ``uv pip compile``) made from the project's own
    metadata (pyproject.toml, setup.cfg, setup.py), each with the extras it was compiled
    with (``--extra dev``). They declare no group: [project] does, and their pins are lock
    preferences."""

    return _metadata_compiled((p, st.text(p)) for p in paths if p.endswith(".txt"))


def _metadata_compiled(texts: Iterable[tuple[str, str | None]]) -> dict[str, tuple[str, ...]]:
    """The files among ``texts`` ((path, text) pairs, read lazily by the caller's generator)
    that :func:`metadata_compile_extras` recognises, with their extras."""

    out: dict[str, tuple[str, ...]] = {}
    for path, text in texts:
        extras = metadata_compile_extras(text) if text is not None else None
        if extras is not None:
            out[path] = extras
    return out


def metadata_compile_extras(text: str) -> tuple[str, ...] | None:
    """The extras a requirements file was compiled with when pip-compile (or ``uv pip
    compile``) made it from the project's own metadata: its header names pyproject.toml,
    setup.cfg or setup.py as the source, or a ``# via name (pyproject.toml)`` note says so.
    None for any other file."""

    if _FROM_METADATA.search(text) is None:
        return None
    header = next((h for h in _FROM_METADATA.finditer(text) if h.group("cmd") is not None), None)
    extras = _COMPILE_EXTRA.findall(header.group("cmd")) if header is not None else []
    return tuple(dict.fromkeys(normalize_name(x) for x in extras))


def compiled_from_metadata(detected: Detected) -> dict[str, tuple[str, ...]]:
    """Requirement files of ``detected`` compiled from the project's own metadata, each
    with the extras it was compiled with (see :func:`metadata_compile_extras`)."""

    def text_of(path: str) -> str | None:
        data = detected.contents.get(path)
        if data is None:
            return None
        try:
            return decode(data, path)[0]
        except InputError:
            return None

    return _metadata_compiled(
        (p, text_of(p))
        for p in detected.project.files_with(FileRole.REQUIREMENTS)
        if p.endswith(".txt")
    )


def _compiled_siblings(st: _State, entries: Iterable[str]) -> tuple[list[str], list[str]]:
    """The ``.txt`` files next to ``.in`` entry files (their pins are today's versions), and
    those among them that say they were compiled (pip-compile or ``uv pip compile``)."""

    siblings: list[str] = []
    compiled: list[str] = []
    for path in entries:
        if not path.endswith(".in"):
            continue
        txt = path[:-3] + ".txt"
        if txt not in st.roles:
            continue
        siblings.append(txt)
        text = st.text(txt)
        if text is not None and _PIP_COMPILE.search(text):
            compiled.append(txt)
    return siblings, compiled


def _pins_as_locked(st: _State, groups: list[DependencyGroup], locked: dict[str, str]) -> None:
    """Plain pip: every ``==`` pin is a version in use today; disagreeing pins are reported."""

    for g in groups:
        for req in (*g.requirements, *g.constraints):
            version = req.pinned_version
            if version is None:
                continue
            have = locked.get(req.key)
            if have is None:
                locked[req.key] = version
            elif have != version:
                st.diagnostics.append(
                    Diagnostic(
                        "DET006",
                        Severity.WARNING,
                        f"{req.name} is pinned to both {have} and {version}; keeping {have}",
                        req.origin,
                        "pin one version in every requirements file",
                    )
                )


def _merge_indexes(
    files: Iterable[RequirementsFile],
) -> tuple[tuple[Index, ...], InstallOptions]:
    """Indexes deduplicated by URL (first origin kept); options merged field by field: a flag
    set in any file is set, lists are joined in order without repeats."""

    indexes: dict[str, Index] = {}
    merged: dict[str, Any] = {}
    for f in files:
        for index in f.indexes:
            indexes.setdefault(index.url, index)
        for fld in dataclasses.fields(InstallOptions):
            value = getattr(f.options, fld.name)
            have = merged.get(fld.name)
            if isinstance(value, bool):
                merged[fld.name] = bool(have) or value
            elif isinstance(value, tuple):
                have = have or ()
                merged[fld.name] = have + tuple(x for x in value if x not in have)
    return tuple(indexes.values()), InstallOptions(**merged)


# --------------------------------------------------------------------------- python versions


def _python_sources(
    st: _State, pyproject: Mapping[str, Any], pyproject_text: str
) -> list[PythonSource]:

    out: list[PythonSource] = []
    for rel, role in sorted(st.roles.items()):
        text = st.text(rel, essential=False) if role in _PY_ROLES else None
        if text is None:
            continue
        if rel == ".python-version":
            out.extend(pv.from_python_version_file(text, rel))
        elif rel == "runtime.txt":
            out.extend(pv.from_runtime_txt(text, rel))
        elif role is FileRole.DOCKERFILE:
            out.extend(pv.from_dockerfile(text, rel))
        elif role in (FileRole.GITHUB_WORKFLOW, FileRole.GITLAB_CI):
            out.extend(pv.from_workflow(text, rel))
        elif role is FileRole.SETUP_CFG:
            line = _line_of(text, r"^\s*python_requires\s*=")
            if line:
                spec = text.splitlines()[line - 1].split("=", 1)[1].strip()
                out.extend(pv.from_requires_python(spec, rel, line))
        elif role is FileRole.SETUP_PY:
            m = re.search(r"python_requires\s*=\s*['\"]([^'\"]+)['\"]", text)
            if m:
                out.extend(
                    pv.from_requires_python(m.group(1), rel, text.count("\n", 0, m.start()) + 1)
                )
        elif role is FileRole.PIPFILE:
            out.extend(pv.from_pipfile(text, rel))
    requires = _sub(pyproject, "project").get("requires-python")
    if isinstance(requires, str):
        line = _line_of(pyproject_text, r"^\s*requires-python\s*=")
        out.extend(pv.from_requires_python(requires, "pyproject.toml", line))
    if "poetry" in _sub(pyproject, "tool"):
        out.extend(pv.from_poetry(pyproject_text, "pyproject.toml"))
    return out


_PY_ROLES = frozenset(
    {
        FileRole.PYTHON_VERSION,
        FileRole.DOCKERFILE,
        FileRole.GITHUB_WORKFLOW,
        FileRole.GITLAB_CI,
        FileRole.SETUP_CFG,
        FileRole.SETUP_PY,
        FileRole.PIPFILE,
    }
)
