"""analysis: what a project uses today and what is risky about it (pure).

Takes :class:`~toolshift.model.Detected` (the model plus the bytes of every file detect read)
and returns an :class:`Analysis`: facts (tool, files by role, groups, pins, indexes, Python
versions) and risks as :class:`~toolshift.model.Diagnostic` with stable codes:

====== ======================================================================
SEC001 ``--extra-index-url``: pip takes the highest version across indexes
SEC002 ``--trusted-host``: TLS verification switched off for a host
SEC003 a literal password or token in a URL
SEC004 uv's ``unsafe-best-match`` index strategy
SEC005 ``curl ... | sh`` / ``wget ... | sh`` installers (warning when the URL is unpinned)
SEC006 a ``:latest`` (or untagged) image
SEC007 a Dockerfile whose final stage runs as root
SEC008 a package index over plain ``http://``
RSK001 requirements with no pinned or locked version
RSK002 Python versions that disagree between files
RSK003 a stated Python version outside ``requires-python``
RSK004 ``.dockerignore``/``.gitignore`` excluding ``uv.lock``, ``pyproject.toml``, ...
RSK005 a VCS requirement without a commit (no ref: warning; a branch or tag: note)
====== ======================================================================

Diagnostics that detect and the readers produced are passed through with their own codes.
Nothing here prints: :mod:`toolshift.report.analysis` renders the result, and every URL in a
message is redacted with :mod:`toolshift.redact`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pathspec

from toolshift.model import (
    DependencyGroup,
    Detected,
    Diagnostic,
    FileRole,
    GroupKind,
    Index,
    IndexKind,
    InstallOptions,
    Origin,
    Project,
    PythonSource,
    PythonSourceKind,
    Requirement,
    Severity,
    SourceKind,
    Tool,
)
from toolshift.redact import redact_text, redact_url


@dataclass(frozen=True)
class GroupSummary:
    name: str
    kind: GroupKind
    files: tuple[str, ...]
    requirements: int
    pinned: int
    unpinned: int
    includes: tuple[str, ...] = ()
    constraints: int = 0
    unlocked: int = 0  # registry requirements with no pin, no lock and no constraint


@dataclass(frozen=True)
class Analysis:
    root: str
    name: str
    tool: Tool
    is_package: bool
    files: tuple[tuple[FileRole, tuple[str, ...]], ...]
    groups: tuple[GroupSummary, ...]
    pinned: int
    unpinned: int
    locked: int
    indexes: tuple[Index, ...]
    options: InstallOptions
    python_sources: tuple[PythonSource, ...]
    python_versions: tuple[str, ...]
    python_conflict: bool
    python_preferred: str | None
    docker_files: tuple[str, ...]
    compose_files: tuple[str, ...]
    ci_files: tuple[str, ...]
    risks: tuple[Diagnostic, ...]
    unlocked: int = 0  # requirements whose version nothing fixes (see RSK001)
    services: tuple[str, ...] = ()  # folders below that are services of their own (DET001)

    def files_with(self, role: FileRole) -> tuple[str, ...]:
        for r, paths in self.files:
            if r is role:
                return paths
        return ()

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self.risks if d.severity is severity)

    def codes(self) -> set[str]:
        return {d.code for d in self.risks}


_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def analyze(detected: Detected) -> Analysis:
    project = detected.project
    texts = {path: _text(data) for path, data in detected.contents.items()}
    roles = {f.path: f.role for f in project.files}

    risks: list[Diagnostic] = []
    risks.extend(project.diagnostics)
    risks.extend(_index_risks(project, texts, roles))
    risks.extend(_credential_risks(texts, roles))
    risks.extend(_text_risks(texts, roles))
    risks.extend(_docker_risks(texts, roles))
    risks.extend(_pin_risks(project))
    risks.extend(_python_risks(project))
    risks.extend(_ignore_risks(project, texts, roles))
    risks = _dedupe(risks)
    # SEC003 says more than the reader's "credential removed" note on the same line.
    secret_lines = {str(d.origin) for d in risks if d.code == "SEC003"}
    risks = [d for d in risks if not (d.code == "RQ011" and str(d.origin) in secret_lines)]
    risks.sort(key=lambda d: (_SEVERITY_ORDER[d.severity], d.code, str(d.origin or "")))

    by_role: dict[FileRole, list[str]] = {}
    for f in project.files:
        by_role.setdefault(f.role, []).append(f.path)

    groups = []
    pinned = unpinned = unlocked = 0
    for g in project.groups:
        p = sum(1 for r in g.requirements if r.pinned_version is not None)
        u = len(g.requirements) - p
        loose = len(_unlocked(project, g))
        pinned += p
        unpinned += u
        unlocked += loose
        groups.append(
            GroupSummary(
                name=g.name,
                kind=g.kind,
                files=g.files,
                requirements=len(g.requirements),
                pinned=p,
                unpinned=u,
                includes=g.includes,
                constraints=len(g.constraints),
                unlocked=loose,
            )
        )

    return Analysis(
        root=project.root,
        name=project.name,
        tool=project.tool,
        is_package=project.is_package,
        files=tuple((role, tuple(paths)) for role, paths in by_role.items()),
        groups=tuple(groups),
        pinned=pinned,
        unpinned=unpinned,
        locked=len(project.locked),
        unlocked=unlocked,
        indexes=tuple(dataclasses.replace(i, url=redact_url(i.url)) for i in project.indexes),
        options=project.options,
        python_sources=project.python.sources,
        python_versions=tuple(sorted(project.python.versions())),
        python_conflict=project.python.conflicting,
        python_preferred=project.python.preferred(),
        docker_files=tuple(by_role.get(FileRole.DOCKERFILE, ())),
        compose_files=tuple(by_role.get(FileRole.COMPOSE, ())),
        ci_files=tuple(
            by_role.get(FileRole.GITHUB_WORKFLOW, []) + by_role.get(FileRole.GITLAB_CI, [])
        ),
        risks=tuple(risks),
        services=tuple(
            sorted(
                {
                    d.origin.path.rsplit("/", 1)[0]
                    for d in project.diagnostics
                    if d.code == "DET001" and d.origin and "/" in d.origin.path
                }
            )
        ),
    )


# --------------------------------------------------------------------------- helpers


def _text(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", errors="replace")


def _dedupe(risks: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for d in risks:
        key = (d.code, str(d.origin or ""), d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, text) with backslash continuations joined, as shells read them."""

    buf: list[str] = []
    start = 0
    for n, line in enumerate(text.splitlines(), 1):
        if not buf:
            start = n
        stripped = line.rstrip()
        if stripped.endswith("\\"):
            buf.append(stripped[:-1])
            continue
        buf.append(line)
        yield start, " ".join(buf)
        buf = []
    if buf:
        yield start, " ".join(buf)


_COMMENTED = frozenset(
    {
        FileRole.REQUIREMENTS,
        FileRole.CONSTRAINTS,
        FileRole.DOCKERFILE,
        FileRole.COMPOSE,
        FileRole.GITHUB_WORKFLOW,
        FileRole.GITLAB_CI,
        FileRole.MAKEFILE,
        FileRole.PYPROJECT,
        FileRole.SETUP_CFG,
        FileRole.DOCKERIGNORE,
        FileRole.GITIGNORE,
        FileRole.PYTHON_VERSION,
    }
)
# Files whose commands or settings decide what gets installed or run.
_COMMAND_ROLES = frozenset(
    {
        FileRole.DOCKERFILE,
        FileRole.COMPOSE,
        FileRole.GITHUB_WORKFLOW,
        FileRole.GITLAB_CI,
        FileRole.MAKEFILE,
        FileRole.README,
        FileRole.PYPROJECT,
        FileRole.SETUP_CFG,
    }
)


# In a README only command lines count: ``pip install ...``, ``uv pip ...``, ``curl ... | sh``.
_DOC_COMMAND = re.compile(
    r"(?:^|[\s`$>(])(?:pip3?|uv|python3?\s+-m\s+pip)\s+"
    r"(?:install|pip|sync|lock|add|config|compile|tool)\b"
    r"|\b(?:PIP|UV)_[A-Z_]+="
    r"|\b(?:curl|wget)\b[^|]*\|"
)


def _lines(
    texts: Mapping[str, str], roles: Mapping[str, FileRole], only: frozenset[FileRole]
) -> Iterator[tuple[str, FileRole, int, str]]:
    for path in sorted(texts):
        role = roles.get(path)
        if role is None or role not in only:
            continue
        for n, line in _logical_lines(texts[path]):
            if role in _COMMENTED and line.lstrip().startswith("#"):
                continue
            if role is FileRole.README and not _DOC_COMMAND.search(line):
                continue  # prose that names an option is not a command that uses it
            yield path, role, n, line


def _diag(
    code: str, severity: Severity, message: str, path: str | None, line: int = 0, hint: str = ""
) -> Diagnostic:
    # Origins carry no text: the line may hold a secret.
    origin = Origin(path, line) if path else None
    return Diagnostic(code, severity, redact_text(message), origin, redact_text(hint))


# --------------------------------------------------------------------------- indexes


# pip's extra indexes. uv reads the same flag but stops at the first index that has a name
# (unless unsafe-best-match, SEC004), so uv command lines are not flagged here.
_EXTRA_INDEX = re.compile(r"--extra-index-url\b|\bPIP_EXTRA_INDEX_URL\b")
_UV_LINE = re.compile(r"\buv\b|\bUV_")
_TRUSTED = re.compile(r"--trusted-host\b|\bPIP_TRUSTED_HOST\b|^\s*trusted-host\s*=")
_EXTRA_HINT = (
    "serve private packages from one index that proxies PyPI, or move to uv with a named "
    "index marked explicit = true for the private names"
)


def _index_risks(
    project: Project, texts: Mapping[str, str], roles: Mapping[str, FileRole]
) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for index in project.indexes:
        ipath = index.origin.path if index.origin else None
        iline = index.origin.line if index.origin else 0
        if index.kind is IndexKind.EXTRA:
            out.append(
                _diag(
                    "SEC001",
                    Severity.WARNING,
                    f"--extra-index-url {redact_url(index.url)}: pip takes the highest version "
                    "of a name across all indexes, so whoever publishes that name on PyPI can "
                    "replace a private package (dependency confusion)",
                    ipath,
                    iline,
                    _EXTRA_HINT,
                )
            )
        if index.url.startswith("http://") and not re.match(
            r"http://(localhost|127\.0\.0\.1|\[::1\])[:/]", index.url
        ):
            out.append(
                _diag(
                    "SEC008",
                    Severity.WARNING,
                    f"package index over plain HTTP: {redact_url(index.url)}; anyone on the "
                    "network path can change what gets installed",
                    ipath,
                    iline,
                    "use https://",
                )
            )
    for path, _role, n, line in _lines(texts, roles, _COMMAND_ROLES):
        if _EXTRA_INDEX.search(line) and not _UV_LINE.search(line):
            out.append(
                _diag(
                    "SEC001",
                    Severity.WARNING,
                    "an extra index is configured here: pip takes the highest version of a "
                    "name across all indexes (dependency confusion)",
                    path,
                    n,
                    _EXTRA_HINT,
                )
            )
    trusted_roles = _COMMAND_ROLES | {FileRole.REQUIREMENTS, FileRole.CONSTRAINTS}
    for path, _role, n, line in _lines(texts, roles, trusted_roles):
        m = _TRUSTED.search(line)
        if m:
            host = re.search(r"(?:--trusted-host[=\s]+|=\s*)(\S+)", line[m.start() :])
            what = f" for {host.group(1)}" if host else ""
            out.append(
                _diag(
                    "SEC002",
                    Severity.WARNING,
                    f"--trusted-host switches off TLS certificate checks{what}: a "
                    "man-in-the-middle can serve any package",
                    path,
                    n,
                    "give the index a valid certificate (or pass its CA with --cert) and drop "
                    "--trusted-host",
                )
            )
    return out


# --------------------------------------------------------------------------- credentials


_URL_CRED = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*)://(?P<cred>[^/@\s'\"<>]+)@")
_REF = re.compile(
    r"^(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$\{\{.*\}\}|%[A-Za-z_][A-Za-z0-9_]*%|\$\(.*\))$"
)
_TOKEN_USER = re.compile(r"^(?:gh[pousr]_|github_pat_|glpat-|xox[bap]-)|^[A-Za-z0-9_\-]{32,}$")


def literal_credential(scheme: str, cred: str) -> bool:
    """True when ``user:password@`` / ``token@`` holds a literal secret, not a reference."""

    if ":" in cred:
        _user, password = cred.split(":", 1)
        return bool(password) and not _REF.match(password)
    if _REF.match(cred):
        return False
    # A user name alone (ssh://git@host, https://user@host) is not a secret; a token is.
    return bool(_TOKEN_USER.match(cred)) and not scheme.startswith("ssh")


_PACKAGE_FILES = frozenset(
    {
        FileRole.REQUIREMENTS,
        FileRole.CONSTRAINTS,
        FileRole.PYPROJECT,
        FileRole.SETUP_CFG,
        FileRole.SETUP_PY,
        FileRole.PIPFILE,
        FileRole.PIPFILE_LOCK,
        FileRole.UV_LOCK,
        FileRole.POETRY_LOCK,
    }
)
# A line that installs packages or configures where they come from.
_PACKAGE_LINE = re.compile(
    r"\bpip\b|\buv\b|\bpoetry\b|\bpipenv\b|index|find-links|\b(?:git|hg|svn|bzr)\+|/simple"
    r"|\bPIP_|\bUV_|pypi|\.whl\b|\.tar\.gz\b",
    re.IGNORECASE,
)
_CRED_HINT = (
    "revoke it, remove it from the file and its history, and read it from an environment "
    "variable such as ${PIP_INDEX_PASSWORD} instead"
)


def _credential_risks(texts: Mapping[str, str], roles: Mapping[str, FileRole]) -> list[Diagnostic]:
    """SEC003: literal secrets in URLs. In packaging files and on lines that install packages
    it is an error (README: a warning, it may be a placeholder); any other URL with a password
    (a local database URL in a compose file) is only a note."""

    out: list[Diagnostic] = []
    for path in sorted(texts):
        role = roles.get(path)
        if role is None:
            continue
        for n, line in enumerate(texts[path].splitlines(), 1):
            for m in _URL_CRED.finditer(line):
                if not literal_credential(m.group("scheme"), m.group("cred")):
                    continue
                packages = role in _PACKAGE_FILES or bool(_PACKAGE_LINE.search(line))
                if not packages:
                    severity = Severity.INFO
                    what = "a URL here carries a password (not a package index): fine only "
                    what += "for local development"
                elif role is FileRole.README:
                    severity = Severity.WARNING
                    what = "a password or token is written into a URL here (documentation: "
                    what += "check it is only a placeholder)"
                else:
                    severity = Severity.ERROR
                    what = "a password or token is written into a URL here"
                hint = (
                    _CRED_HINT
                    if packages
                    else (
                        "outside local development, read it from an environment variable or a "
                        "secrets file that is not committed"
                    )
                )
                out.append(_diag("SEC003", severity, what, path, n, hint))
                break
    return out


# --------------------------------------------------------------------------- commands


_UNSAFE = re.compile(r"unsafe-best-match")
_PIPE_SH = re.compile(
    r"\b(?P<tool>curl|wget)\b(?P<args>[^|;&]*)\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:env\s+\S+=\S+\s+)*"
    r"(?P<shell>sh|bash|zsh|dash|ash|python3?)\b"
)
_UV_INSTALL_HINT = (
    "install uv from PyPI with a pinned version (pip install uv==X.Y.Z) or "
    "COPY --from=ghcr.io/astral-sh/uv:X.Y.Z /uv /uvx /bin/"
)
_URL = re.compile(r"https?://[^\s'\"|;)]+")
_PINNED_URL = re.compile(r"/v?\d+\.\d+(?:\.\d+)?(?:[/-]|$)|[0-9a-f]{40}")


def _text_risks(texts: Mapping[str, str], roles: Mapping[str, FileRole]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for path, _role, n, line in _lines(texts, roles, _COMMAND_ROLES):
        if _UNSAFE.search(line):
            out.append(
                _diag(
                    "SEC004",
                    Severity.WARNING,
                    "uv's unsafe-best-match index strategy takes the highest version across "
                    "indexes, as pip does: it reopens dependency confusion",
                    path,
                    n,
                    "keep uv's default first-index strategy and pin private names to their index",
                )
            )
        for m in _PIPE_SH.finditer(line):
            url = _URL.search(m.group("args"))
            shown = redact_url(url.group(0)) if url else "a downloaded script"
            pinned = bool(url and _PINNED_URL.search(url.group(0)))
            out.append(
                _diag(
                    "SEC005",
                    Severity.INFO if pinned else Severity.WARNING,
                    f"{m.group('tool')} {shown} | {m.group('shell')} runs a script fetched at "
                    "run time"
                    + ("" if pinned else " from an unpinned URL (it can change any day)"),
                    path,
                    n,
                    _UV_INSTALL_HINT
                    if url and "astral.sh/uv" in url.group(0)
                    else "install from a package registry with a pinned version, or download "
                    "a versioned file and check its checksum before running it",
                )
            )
    return out


# --------------------------------------------------------------------------- containers


_FROM = re.compile(
    r"^\s*FROM\s+(?:--platform=\S+\s+)?(?P<image>\S+)(?:\s+AS\s+(?P<stage>\S+))?", re.I
)
_COPY_FROM = re.compile(r"^\s*(?:COPY|RUN)\b.*?--(?:from|mount=\S*from)=(?P<image>[^\s,]+)", re.I)
_USER = re.compile(r"^\s*USER\s+(?P<user>\S+)", re.I)
_YAML_IMAGE = re.compile(
    r"^\s*(?:-\s*)?(?:image|container)\s*:\s*[\"']?(?P<image>[^\s\"'#]+)", re.I
)


def _floating_tag(image: str) -> bool:
    """True for ``name`` and ``name:latest`` (no digest): the image changes under you."""

    if "@" in image:
        return False
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return True
    return last.rsplit(":", 1)[1].lower() == "latest"


def _docker_risks(texts: Mapping[str, str], roles: Mapping[str, FileRole]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    latest_hint = "pin a version tag (python:3.12-slim, ghcr.io/astral-sh/uv:0.8.4) or a digest"
    for path in sorted(texts):
        role = roles.get(path)
        if role is FileRole.DOCKERFILE:
            out.extend(_dockerfile_risks(path, texts[path], latest_hint))
            continue
        if role not in (FileRole.COMPOSE, FileRole.GITHUB_WORKFLOW, FileRole.GITLAB_CI):
            continue
        built = _compose_built_images(texts[path]) if role is FileRole.COMPOSE else set()
        for n, line in _logical_lines(texts[path]):
            m = _YAML_IMAGE.match(line)
            if not m or line.lstrip().startswith("#"):
                continue
            image = m.group("image")
            if "$" in image or image.endswith(":") or not re.match(r"^[\w./:@-]+$", image):
                continue
            if n in built:
                continue  # the name compose gives the image it builds, not one it pulls
            if _floating_tag(image):
                out.append(
                    _diag(
                        "SEC006",
                        Severity.WARNING,
                        f"image {image} has no fixed version: builds change without a commit",
                        path,
                        n,
                        latest_hint,
                    )
                )
    return out


def _compose_built_images(text: str) -> set[int]:
    """1-based lines of ``image:`` keys in compose services that also ``build:``."""

    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        doc = YAML(typ="rt").load(text)
    except (YAMLError, ValueError):
        return set()
    services = doc.get("services") if isinstance(doc, Mapping) else None
    if not isinstance(services, Mapping):
        return set()
    lines: set[int] = set()
    for service in services.values():
        if isinstance(service, Mapping) and "build" in service and "image" in service:
            lc = getattr(service, "lc", None)
            if lc is not None:
                lines.add(int(lc.key("image")[0]) + 1)
    return lines


@dataclass
class _Stage:
    from_line: int
    name: str
    user: str | None  # the last USER, inherited from a parent stage


def _dockerfile_risks(path: str, text: str, latest_hint: str) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    stages: dict[str, _Stage] = {}
    current: _Stage | None = None

    def floating(image: str, n: int, what: str) -> None:
        out.append(
            _diag(
                "SEC006",
                Severity.WARNING,
                f"{what}{image} has no fixed version: builds change without a commit",
                path,
                n,
                latest_hint,
            )
        )

    for n, line in _logical_lines(text):
        if line.lstrip().startswith("#"):
            continue
        m = _FROM.match(line)
        if m:
            image = m.group("image")
            parent = stages.get(image.lower())
            if parent is None and image != "scratch" and "$" not in image and _floating_tag(image):
                floating(image, n, "FROM ")
            current = _Stage(n, (m.group("stage") or "").lower(), parent.user if parent else None)
            if current.name:
                stages[current.name] = current
            continue
        m = _COPY_FROM.match(line)
        if m:
            image = m.group("image")
            is_image = ("/" in image or ":" in image) and image.lower() not in stages
            if is_image and "$" not in image and _floating_tag(image):
                floating(image, n, "--from=")
            continue
        m = _USER.match(line)
        if m and current is not None:
            current.user = m.group("user")
    if current is not None and (
        current.user is None or current.user.split(":")[0] in ("root", "0")
    ):
        out.append(
            _diag(
                "SEC007",
                Severity.WARNING,
                "the final image runs as root ("
                + (
                    "no USER instruction in its last stage)"
                    if current.user is None
                    else "USER root)"
                ),
                path,
                current.from_line,
                "add a user (RUN useradd --create-home app) and USER app before CMD",
            )
        )
    return out


# --------------------------------------------------------------------------- pins and python


def _unlocked(project: Project, group: DependencyGroup) -> list[Requirement]:
    """Registry requirements of ``group`` whose version no pin, lock or constraint fixes."""

    constrained = {r.key for g in project.groups for r in g.constraints if r.pinned_version}
    return [
        r
        for r in group.requirements
        if r.source is SourceKind.REGISTRY
        and r.pinned_version is None
        and r.key not in project.locked
        and r.key not in constrained
    ]


def _pin_risks(project: Project) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for g in project.groups:
        loose = _unlocked(project, g)
        if not loose:
            continue
        names = ", ".join(r.pep508() for r in loose[:6]) + (", ..." if len(loose) > 6 else "")
        runtime = g.kind is GroupKind.RUNTIME
        first = loose[0].origin
        out.append(
            _diag(
                "RSK001",
                Severity.WARNING if runtime else Severity.INFO,
                f"{len(loose)} requirement(s) in group {g.name} have no pinned or locked "
                f"version ({names}): each fresh install may get different versions",
                first.path if first else None,
                first.line if first else 0,
                "pin today's versions (pip freeze) or migrate to uv, which locks them",
            )
        )
    if project.tool is Tool.UV and project.files_with(FileRole.UV_LOCK):
        return out  # uv.lock records the commit of every VCS source
    for g in project.groups:
        for r in g.requirements:
            if r.source is not SourceKind.VCS or not r.url:
                continue
            ref = vcs_ref(r.url)
            if ref and re.fullmatch(r"[0-9a-f]{40}", ref):
                continue
            origin = r.origin
            out.append(
                _diag(
                    "RSK005",
                    Severity.WARNING if ref is None else Severity.INFO,
                    f"{r.name or r.url} comes from version control "
                    + (
                        "without a ref: every install takes the default branch's newest commit"
                        if ref is None
                        else f"at {ref!r}, a branch or tag that can move"
                    ),
                    origin.path if origin else None,
                    origin.line if origin else 0,
                    "pin a commit (…repo.git@<40-hex sha>) or a release from an index",
                )
            )
    return out


def vcs_ref(url: str) -> str | None:
    """The ``@ref`` of a VCS URL (``git+https://host/repo.git@v1.0#egg=x`` -> ``v1.0``)."""

    from urllib.parse import urlsplit

    bare = re.sub(r"^[a-z]+\+", "", url)
    try:
        path = urlsplit(bare).path
    except ValueError:
        return None
    if "@" not in path:
        return None
    return path.rsplit("@", 1)[1] or None


def _python_risks(project: Project) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    spec = project.python
    exact = []
    for s in spec.sources:
        m = re.fullmatch(r"(?:==)?\s*(\d+)\.(\d+)(?:\.[\d*]+)?", s.value.strip())
        if m:
            exact.append((f"{m.group(1)}.{m.group(2)}", s))
    if spec.conflicting:
        by_version: dict[str, list[str]] = {}
        for v, s in exact:
            where = by_version.setdefault(v, [])
            if str(s.origin) not in where:
                where.append(str(s.origin))
        places = "; ".join(f"{v} in {', '.join(where)}" for v, where in by_version.items())
        first = exact[0][1].origin
        out.append(
            _diag(
                "RSK002",
                Severity.WARNING,
                f"Python versions disagree: {places}",
                first.path,
                first.line,
                "pick one version; `toolshift migrate --python X.Y` writes it everywhere",
            )
        )
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    for s in spec.sources:
        if s.kind is not PythonSourceKind.REQUIRES_PYTHON:
            continue
        try:
            allowed = SpecifierSet(s.value)
        except InvalidSpecifier:
            continue
        for version, other in exact:
            if not allowed.contains(version, prereleases=True):
                out.append(
                    _diag(
                        "RSK003",
                        Severity.WARNING,
                        f"Python {version} ({other.origin}) is outside requires-python "
                        f"{s.value} ({s.origin})",
                        other.origin.path,
                        other.origin.line,
                        "align the version with requires-python",
                    )
                )
    return out


def _ignore_risks(
    project: Project, texts: Mapping[str, str], roles: Mapping[str, FileRole]
) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    req_files = sorted(
        {f for g in project.groups for f in g.files if not f.startswith("pyproject")}
    )
    for path in sorted(texts):
        role = roles.get(path)
        if role is FileRole.GITIGNORE and "/" not in path:
            checked = ["uv.lock", "pyproject.toml", ".python-version"]
        elif role is FileRole.DOCKERIGNORE:
            checked = ["uv.lock", "pyproject.toml", ".python-version", *req_files]
        else:
            continue
        lines = texts[path].splitlines()
        for target in checked:
            line = _excluded_by(lines, target)
            if not line:
                continue
            severity = Severity.INFO if target == ".python-version" else Severity.WARNING
            consequence = (
                "the Docker build cannot COPY it"
                if role is FileRole.DOCKERIGNORE
                else "it never reaches the repository, so CI and colleagues resolve differently"
            )
            out.append(
                _diag(
                    "RSK004",
                    severity,
                    f"{path} excludes {target} (pattern {lines[line - 1].strip()!r}): "
                    f"{consequence}",
                    path,
                    line,
                    f"remove the pattern or add !{target} after it",
                )
            )
    return out


def _excluded_by(lines: list[str], target: str) -> int:
    """The 1-based line whose pattern finally excludes ``target``, or 0 when it is kept."""

    decided = 0
    for n, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        spec = pathspec.GitIgnoreSpec.from_lines([line])
        result = spec.check_file(target)
        if result.include is True:
            decided = n
        elif result.include is False:
            decided = 0
    return decided
