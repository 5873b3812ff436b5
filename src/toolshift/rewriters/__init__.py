"""Rewriters: the files *around* the packaging (Dockerfiles, compose files, CI workflows, ignore
files, README/Makefile install instructions), edited in place for the target toolchain.

Role in the pipeline: render. Every rewriter is a pure, idempotent function

    rewrite_x(text: str, ctx: RewriteContext) -> RewriteResult

that edits the user's text (never regenerates it), keeps comments, order and CRLF, and leaves
anything it does not understand alone with a diagnostic. Shell command lines are translated by
one shared translator, :mod:`toolshift.rewriters.shell`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from toolshift.model import (
    Diagnostic,
    FileRole,
    GroupKind,
    IndexKind,
    Origin,
    Project,
    Severity,
    SourceKind,
    Tool,
)

#: The uv version pinned in ``COPY --from=ghcr.io/astral-sh/uv:<v>`` and setup-uv when the
#: caller does not say (the CLI passes the version of the uv it runs; see
#: :attr:`toolshift.model.MigrateOptions.uv_version`). The one place this default lives.
DEFAULT_UV_VERSION = "0.13.9"

#: Default mapping from dependency group ("" = runtime) to the requirements file that holds it.
DEFAULT_REQUIREMENT_FILES: Mapping[str, str] = {
    "": "requirements.txt",
    "dev": "requirements-dev.txt",
}


def _input_folders(project: Project) -> tuple[str, ...]:
    """Relative ``--find-links`` folders inside the project (``./wheels`` -> ``wheels``)."""

    import posixpath

    out: list[str] = []
    for ix in project.indexes:
        if ix.kind is not IndexKind.FIND_LINKS or "://" in ix.url or "$" in ix.url:
            continue
        if ix.url.startswith(("/", "~")):
            continue
        folder = ix.url
        if ix.origin is not None and "/" in ix.origin.path:  # relative to its requirements file
            folder = posixpath.join(posixpath.dirname(ix.origin.path), folder)
        folder = posixpath.normpath(folder)
        if not folder.startswith("..") and folder != "." and folder not in out:
            out.append(folder)
    return tuple(out)


def _has_path_sources(project: Project) -> bool:
    """A requirement on a local folder or file other than the project itself (``-e .``)."""

    return any(
        r.source is SourceKind.PATH and r.url and not r.is_project_root
        for g in project.groups
        for r in g.requirements
    )


@dataclass(frozen=True)
class RewriteContext:
    """What a rewriter needs to know about the project and the migration.

    ``requirement_files`` maps a dependency group name (``""`` for the runtime dependencies) to
    the requirements file holding it: with ``direction="uv"`` it says which ``pip install -r X``
    means which ``uv sync`` flags; with ``direction="pip"`` it says which file a ``uv sync``
    installs from.
    """

    direction: str  # "uv" (pip -> uv) or "pip" (uv -> pip)
    uv_version: str = DEFAULT_UV_VERSION  # `COPY --from=ghcr.io/astral-sh/uv:<v>`, setup-uv
    python_version: str | None = None  # "3.12": the project's Python (X.Y)
    align_python: bool = False  # --python given: rewrite other versions to python_version
    has_dev_group: bool = True
    requirement_files: Mapping[str, str] = field(
        default_factory=lambda: dict(DEFAULT_REQUIREMENT_FILES)
    )
    is_package: bool = False  # the project itself is installed (not `package = false`)
    # pip: every group file begins with `-r requirements.txt` (as planners.to_pip writes them),
    # so `uv sync` becomes `pip install -r requirements-dev.txt` alone
    group_files_include_runtime: bool = True
    docker_mode: str = "multistage"  # "multistage" | "minimal"
    path: str = ""  # project-relative path of the file being rewritten (for diagnostics)
    disabled_rules: frozenset[str] = frozenset()
    # what installing the project itself reads besides its source (pip <- uv: a Dockerfile that
    # copies only the package folder must copy these too): pyproject.toml, setup.py, README...
    metadata_files: tuple[str, ...] = ("pyproject.toml",)
    # local folders the lock reads packages from (find-links ./wheels): an image's dependency
    # install needs them bind-mounted before the source is copied
    input_folders: tuple[str, ...] = ()
    # uv's default groups hold more than `dev` (the planner writes [tool.uv] default-groups with
    # every non-optional Poetry group): an install of some groups names them, after
    # --no-default-groups, instead of relying on --no-dev
    explicit_groups: bool = False
    # the project depends on local folders ([tool.uv.sources] x = { path = "libs/x" }): an
    # image's deps-only sync runs before they are copied, so it is `uv sync --frozen
    # --no-install-local` (--locked reads every path dependency's metadata)
    has_path_sources: bool = False

    def __post_init__(self) -> None:
        if self.direction not in ("uv", "pip"):
            raise ValueError(f"direction must be 'uv' or 'pip', not {self.direction!r}")
        if self.docker_mode not in ("multistage", "minimal"):
            raise ValueError(f"docker_mode must be 'multistage' or 'minimal': {self.docker_mode!r}")

    @classmethod
    def for_project(
        cls,
        project: Project,
        direction: str,
        *,
        uv_version: str,
        path: str = "",
        docker_mode: str = "multistage",
        python_version: str | None = None,
        disabled_rules: frozenset[str] = frozenset(),
        requirement_files: Mapping[str, str] | None = None,
        align_python: bool = False,
    ) -> RewriteContext:
        """The context for one file of ``project``. ``requirement_files`` defaults to the files
        each group was read from (pip -> uv) or toolshift's own names (uv -> pip:
        ``requirements.txt``, ``requirements-<group>.txt``)."""

        files: dict[str, str] = {}
        if requirement_files is not None:
            files = dict(requirement_files)
        else:
            for g in project.groups:
                key = "" if g.kind is GroupKind.RUNTIME else g.name
                if g.files and direction == "uv":
                    files.setdefault(key, g.files[0])
                elif g.kind is not GroupKind.EXTRA:
                    files.setdefault(
                        key, "requirements.txt" if key == "" else f"requirements-{key}.txt"
                    )
            files.setdefault("", "requirements.txt")
        has_dev = any(g.name == "dev" and g.kind is not GroupKind.RUNTIME for g in project.groups)
        return cls(
            direction=direction,
            uv_version=uv_version,
            python_version=python_version or project.python.preferred(),
            align_python=align_python and bool(python_version),
            has_dev_group=has_dev,
            requirement_files=files,
            is_package=project.is_package,
            docker_mode=docker_mode,
            path=path,
            disabled_rules=disabled_rules,
            metadata_files=tuple(
                sorted(
                    (
                        f.path
                        for f in project.files
                        if "/" not in f.path
                        and f.role
                        in (
                            FileRole.PYPROJECT,
                            FileRole.SETUP_PY,
                            FileRole.SETUP_CFG,
                            FileRole.README,
                        )
                    ),
                    key=lambda p: (p != "pyproject.toml", p),
                )
            )
            or ("pyproject.toml",),
            input_folders=_input_folders(project),
            explicit_groups=project.tool is Tool.POETRY
            and any(g.kind is GroupKind.GROUP and g.name != "dev" for g in project.groups),
            has_path_sources=_has_path_sources(project),
        )

    @property
    def runtime_requirements(self) -> str:
        return self.requirement_files.get("", "requirements.txt")

    def enabled(self, rule: str) -> bool:
        return rule not in self.disabled_rules

    def origin(self, line: int = 0, text: str = "") -> Origin:
        return Origin(self.path or "<text>", line, text)

    def diag(
        self,
        code: str,
        severity: Severity,
        message: str,
        line: int = 0,
        text: str = "",
        hint: str = "",
    ) -> Diagnostic:
        return Diagnostic(code, severity, message, self.origin(line, text.strip()), hint)


@dataclass(frozen=True)
class AdhocPackage:
    """A package installed by hand (``pip install gunicorn==22.0.0``) rather than through the
    project's dependency files; the planner should add it to the project's dependencies."""

    requirement: str  # as written, quotes removed: "gunicorn==22.0.0", "uvicorn[standard]"
    dev: bool = False  # found in CI or a test step: belongs in the dev group
    origin: Origin | None = None


@dataclass(frozen=True)
class RewriteResult:
    """The new text, which rules changed it, what a person should know, and ad hoc installs."""

    text: str
    rules: tuple[str, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    adhoc_packages: tuple[AdhocPackage, ...] = ()

    def changed(self, original: str) -> bool:
        return self.text != original


Rewriter = Callable[[str, RewriteContext], RewriteResult]


def rewriter_for(role: FileRole, path: str = "") -> Rewriter | None:
    """The rewriter for a detected file (``None``: toolshift does not rewrite that role here).

    Imports lazily, so importing this package stays cheap.
    """

    if role is FileRole.DOCKERFILE:
        from toolshift.rewriters.dockerfile import rewrite_dockerfile

        return rewrite_dockerfile
    if role is FileRole.COMPOSE:
        from toolshift.rewriters.compose import rewrite_compose

        return rewrite_compose
    if role is FileRole.GITHUB_WORKFLOW:
        from toolshift.rewriters.github_actions import rewrite_workflow

        return rewrite_workflow
    if role is FileRole.GITLAB_CI:
        from toolshift.rewriters.github_actions import rewrite_gitlab_ci

        return rewrite_gitlab_ci
    if role in (FileRole.DOCKERIGNORE, FileRole.GITIGNORE):
        from toolshift.rewriters.ignore_files import rewrite_dockerignore, rewrite_gitignore

        return rewrite_dockerignore if role is FileRole.DOCKERIGNORE else rewrite_gitignore
    if role is FileRole.README:
        from toolshift.rewriters.readme import rewrite_markdown

        return rewrite_markdown if path.lower().endswith((".md", ".markdown")) or not path else None
    if role is FileRole.MAKEFILE:
        from toolshift.rewriters.readme import rewrite_makefile

        return rewrite_makefile
    return None


def newline_of(text: str) -> str:
    """The newline a rewriter should use for lines it adds: the file's own."""

    from toolshift.textio import detect_newline

    return detect_newline(text) if ("\n" in text or "\r" in text) else "\n"


__all__ = [
    "DEFAULT_REQUIREMENT_FILES",
    "DEFAULT_UV_VERSION",
    "AdhocPackage",
    "RewriteContext",
    "RewriteResult",
    "Rewriter",
    "newline_of",
    "rewriter_for",
]
