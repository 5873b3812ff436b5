"""The one shell-command translator every rewriter shares (Dockerfile RUN lines, CI scripts,
README code blocks, Makefile recipes, compose commands).

Role in the pipeline: render (pure). :func:`translate_script` parses a script with bashlex, finds
the pip / venv / uv commands in it and splices in their translation for the target tool; every
other byte (``apt-get`` in the same ``&&`` chain, continuations, redirects, comments) is kept.
:func:`translate_argv` does the same for one exec-form argv (``CMD ["uv", "run", ...]``).

What is understood, pip -> uv:

* ``pip``/``pip3``/``.venv/bin/pip``/``python -m pip``/``uv pip`` ``install`` with ``-r``,
  ``-c``, ``-e``, ``.``, index and cache flags: ``uv sync --locked`` with ``--no-dev`` /
  ``--group`` / ``--extra`` from the requirement files' groups; ``pip install --upgrade pip``
  (and setuptools/wheel) is dropped; bare package names are reported as ad hoc installs (they
  belong in the project's dependencies) and dropped in Docker and CI scripts; flags uv has
  are carried (``--force-reinstall`` -> ``--reinstall``, ``--only-binary :all:`` -> ``--no-build``,
  ``--no-binary``, ``--no-build-isolation``, ``-C``), flags whose job the lock does are dropped
  with a note (``--upgrade``, ``--no-deps``, ``--require-hashes``, ``--pre``);
* ``pip install --prefix/--target DIR -r files``: the same folder filled from the lock, in two
  commands: ``uv export --locked --no-emit-project <the files' groups> --output-file
  /tmp/uv-export.txt && uv pip install --prefix/--target DIR --no-deps -r /tmp/uv-export.txt``
  (``COPY --from=builder /install /usr/local`` keeps working);
* ``sudo pip ...`` loses ``sudo`` when it becomes a uv command; ``env A=B pip ...`` keeps ``env``;
* Poetry's groups: after migration ``[tool.uv] default-groups`` holds every non-optional group
  (``RewriteContext.explicit_groups``), so "main only" is ``--no-default-groups``, never
  ``--no-dev``;
* ``python -m venv X``: dropped (``uv sync`` creates the environment) or ``uv venv X``;
* ``python -m pytest`` / ``pytest`` (and lint tools in CI): ``uv run ...``;
* the ``curl -LsSf https://astral.sh/uv/install.sh | sh`` installer: dropped where uv comes
  from elsewhere (Docker image, setup-uv), pinned to a version in docs;
* at container start (``ShellContext.RUNTIME``, compose commands): an install of the project's
  requirement files is dropped, the migrated image installed them when it was built.

uv -> pip is the reverse: ``uv sync`` becomes ``pip install -r <group files>``, ``uv run X``
becomes ``X``, ``uv venv`` becomes ``python -m venv``, ``uv pip X`` becomes ``pip X``.

Anything else (``pip install --root``/``--platform``, ``--user`` with a folder, a ``-c`` file
the lock does not read, ``uv run --with``, unparsable shell) is left alone with a diagnostic
naming the line and what to do.
"""

from __future__ import annotations

import itertools
import posixpath
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from toolshift.model import Diagnostic, Severity
from toolshift.rewriters import AdhocPackage, RewriteContext


class ShellContext(StrEnum):
    DOCKER = "docker"  # a Dockerfile RUN line: uv comes from the image, deps go to the project
    CI = "ci"  # a CI step: the venv is not activated, so Python tools go through `uv run`
    DOCS = "docs"  # README / Makefile: end-user `pip install <name>` lines stay as they are
    # a container-start command (compose command/entrypoint): runs in the built image, where
    # the project's dependencies are installed already and uv may be absent (multistage runtime)
    RUNTIME = "runtime"


_CONTEXT_RULE = {
    ShellContext.DOCKER: "TS205",
    ShellContext.CI: "TS302",
    ShellContext.DOCS: "TS303",
    ShellContext.RUNTIME: "TS209",
}
_IN_IMAGE = frozenset({ShellContext.DOCKER, ShellContext.RUNTIME})
RULE_ADHOC = "TS208"
RULE_INSTALLER = "TS211"

_PIP_SELF = frozenset({"pip", "setuptools", "wheel"})
# Python tools a CI step runs after installing the project; under uv they run through `uv run`.
_CI_TOOLS = frozenset(
    {
        "pytest",
        "py.test",
        "mypy",
        "ruff",
        "flake8",
        "black",
        "isort",
        "pylint",
        "coverage",
        "bandit",
        "pyright",
    }
)
_DOCS_TOOLS = frozenset({"pytest", "py.test"})

_PACKAGING_TOOLS = frozenset({"poetry", "pipenv", "pip-tools", "pdm", "hatch", "flit", "conda"})
_PIP_NAME = re.compile(r"^pip(\d+(\.\d+)?)?$")
_PYTHON_NAME = re.compile(r"^python(\d+(\.\d+)?)?$")
_INSTALLER_URL = re.compile(
    r"^https?://(?:astral\.sh/uv|github\.com/astral-sh/uv)[^\s]*install\.sh$"
)
_PINNED_INSTALLER = re.compile(r"^https?://astral\.sh/uv/\d+\.\d+\.\d+/install\.sh$")

# pip install options: (takes a value?)
_PIP_VALUE_FLAGS = {
    "-r": "requirement",
    "--requirement": "requirement",
    "-c": "constraint",
    "--constraint": "constraint",
    "-e": "editable",
    "--editable": "editable",
    "-i": "index",
    "--index-url": "index",
    "--extra-index-url": "extra-index",
    "-f": "find-links",
    "--find-links": "find-links",
    "--trusted-host": "trusted-host",
    "-t": "target",
    "--target": "target",
    "--prefix": "prefix",
    "--root": "root",
    "--src": "ignored",
    "--cache-dir": "ignored",
    "--progress-bar": "ignored",
    "--upgrade-strategy": "ignored",
    "--root-user-action": "ignored",
    "--timeout": "ignored",
    "--retries": "ignored",
    "--exists-action": "ignored",
    "--only-binary": "only-binary",
    "--no-binary": "no-binary",
    "--proxy": "ignored",
    "--log": "ignored",
    "-C": "config-settings",
    "--config-settings": "config-settings",
    "--platform": "platform",
    "--python-version": "platform",
    "--implementation": "platform",
    "--abi": "platform",
}
_PIP_BOOL_FLAGS = {
    "--no-cache-dir": "ignored",
    "-U": "upgrade",
    "--upgrade": "upgrade",
    "--user": "user",
    "--no-index": "no-index",
    "-q": "ignored",
    "-qq": "ignored",
    "-qqq": "ignored",
    "--quiet": "ignored",
    "-v": "ignored",
    "--verbose": "ignored",
    "--no-deps": "no-deps",
    "--pre": "pre",
    "--force-reinstall": "reinstall",
    "-I": "ignored",
    "--ignore-installed": "ignored",
    "--no-compile": "ignored",
    "--compile": "ignored",
    "--no-warn-script-location": "ignored",
    "--no-warn-conflicts": "ignored",
    "--disable-pip-version-check": "ignored",
    "--break-system-packages": "ignored",
    "--require-hashes": "require-hashes",
    "--no-build-isolation": "no-build-isolation",
    "--prefer-binary": "ignored",
    "--no-input": "ignored",
    "--isolated": "ignored",
    "--no-clean": "ignored",
    "--use-pep517": "ignored",
    "--system": "ignored",  # uv pip install --system
    "--no-color": "ignored",
}


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ArgvTranslation:
    """The translation of one command. ``argv is None`` means the command should go."""

    argv: tuple[str, ...] | None
    rules: tuple[str, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    adhoc_packages: tuple[AdhocPackage, ...] = ()
    installs_dependencies: bool = False  # a dependency install (pip install -r / uv sync ...)
    # a folder filled from the lock (uv export + uv pip install --prefix/--target): needs uv,
    # uv.lock and pyproject.toml, not the project environment
    exports: bool = False

    @property
    def dropped(self) -> bool:
        return self.argv is None


@dataclass(frozen=True)
class ShellResult:
    """A translated script. ``text == ""`` with ``dropped`` means nothing is left to run."""

    text: str
    rules: tuple[str, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    adhoc_packages: tuple[AdhocPackage, ...] = ()
    installs_dependencies: bool = False
    understood: bool = True  # False: the script could not be parsed and was left alone
    exports: bool = False  # see ArgvTranslation.exports

    @property
    def dropped(self) -> bool:
        return self.text.strip() == ""


@dataclass
class _Acc:
    rules: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    adhoc: list[AdhocPackage] = field(default_factory=list)
    installs: bool = False
    exports: bool = False
    # CI: commands installed ad hoc earlier in the script (now in the dev group, run by uv run)
    run_tools: frozenset[str] = frozenset()
    # files an export elsewhere in the file writes (basename -> its groups, see translate_script)
    file_groups: Mapping[str, tuple[str, ...] | None] = field(default_factory=dict)
    # uv -> pip: the arguments of the `uv export ... --output-file EXPORT_FILE` before this
    export_args: tuple[str, ...] | None = None

    def rule(self, r: str) -> None:
        if r not in self.rules:
            self.rules.append(r)

    def leave(self, ctx: RewriteContext, rule: str, line: int, text: str, why: str) -> bool:
        """A command left as it is: the warning that says why (False, for ``return``)."""

        self.diagnostics.append(
            ctx.diag(
                rule,
                Severity.WARNING,
                f"left alone: {why}",
                line,
                text,
                hint="translate this command by hand",
            )
        )
        return False

    def pip_vars_note(
        self, ctx: RewriteContext, rule: str, names: Sequence[str], line: int, text: str
    ) -> None:
        """PIP_* variables set for a command that runs uv now: uv does not read them."""

        self.diagnostics.append(
            ctx.diag(
                rule,
                Severity.WARNING,
                f"{', '.join(names)} set for this command configured pip; uv does not read "
                "PIP_* variables",
                line,
                text,
                hint="indexes belong in pyproject.toml; give uv their credentials as "
                "UV_INDEX_<NAME>_USERNAME / UV_INDEX_<NAME>_PASSWORD",
            )
        )


# --------------------------------------------------------------------------- argv level


def _base(word: str) -> str:
    return posixpath.basename(word)


def _split_flag(arg: str) -> tuple[str, str | None]:
    if arg.startswith("--") and "=" in arg:
        k, v = arg.split("=", 1)
        return k, v
    return arg, None


def _group_of_file(path: str, ctx: RewriteContext) -> str:
    """Which dependency group a requirements file holds ("" = runtime)."""

    norm = posixpath.normpath(path)
    for group, f in ctx.requirement_files.items():
        if posixpath.normpath(f) == norm or posixpath.basename(f) == posixpath.basename(norm):
            return group
    stem = re.sub(r"\.(txt|in|pip)$", "", posixpath.basename(norm).lower())
    parent = posixpath.basename(posixpath.dirname(norm)).lower()
    m = re.match(r"^(?:requirements|reqs)(?:[-_.](.+))?$", stem)
    if parent.startswith("requirements"):
        name = stem
    elif m:
        name = m.group(1) or ""
    else:
        name = ""  # some other file name: treated as the runtime dependencies
    if name in ("", "base", "prod", "production", "main", "common", "runtime", "app"):
        return ""
    if name in ("dev", "develop", "development", "local"):
        return "dev"
    if name in ("test", "tests", "testing"):
        return "test" if "test" in ctx.requirement_files else "dev"
    return name


@dataclass
class _PipInstall:
    files: list[str] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)
    editables: list[str] = field(default_factory=list)
    packages: list[str] = field(default_factory=list)
    project: bool = False
    extras: list[str] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)
    unknown: list[str] = field(default_factory=list)
    values: dict[str, list[str]] = field(default_factory=dict)  # kind -> values given


_PROJECT_ARG = re.compile(r"^\.(?:/)?(?:\[([A-Za-z0-9_,.\- ]+)\])?$")


def _parse_pip_install(args: Sequence[str]) -> _PipInstall:
    out = _PipInstall()
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a.startswith("-") and a != "-":
            key, inline = _split_flag(a)
            kind = _PIP_VALUE_FLAGS.get(key)
            # short flags glued to their value: -rrequirements.txt
            if kind is None and inline is None and len(a) > 2 and a[:2] in _PIP_VALUE_FLAGS:
                key, inline = a[:2], a[2:]
                kind = _PIP_VALUE_FLAGS[key]
            if kind is not None:
                if inline is None:
                    if i >= len(args):
                        out.unknown.append(a)
                        break
                    inline = args[i]
                    i += 1
                out.kinds.add(kind)
                out.values.setdefault(kind, []).append(inline)
                if kind == "requirement":
                    out.files.append(inline)
                elif kind == "constraint":
                    out.constraints.append(inline)
                elif kind == "editable":
                    m = _PROJECT_ARG.match(inline)
                    if m:
                        out.project = True
                        if m.group(1):
                            out.extras += [e.strip() for e in m.group(1).split(",") if e.strip()]
                    else:
                        out.editables.append(inline)
                continue
            bkind = _PIP_BOOL_FLAGS.get(key)
            if bkind is not None and inline is None:
                out.kinds.add(bkind)
                continue
            out.unknown.append(a)
            continue
        m = _PROJECT_ARG.match(a)
        if m:
            out.project = True
            if m.group(1):
                out.extras += [e.strip() for e in m.group(1).split(",") if e.strip()]
        elif a.startswith(("/", "./", "../")) or a.endswith((".whl", ".tar.gz", ".zip")):
            out.editables.append(a)
        else:
            out.packages.append(a)
    return out


def _package_name(spec: str) -> str:
    m = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
    return m.group(1).lower().replace("_", "-") if m else spec


def _pip_entry(argv: Sequence[str]) -> int | None:
    """Index of the pip subcommand word when ``argv`` runs pip (``pip``, ``python -m pip``)."""

    if not argv:
        return None
    head = _base(argv[0])
    if _PIP_NAME.match(head):
        return 1
    if _PYTHON_NAME.match(head) and len(argv) >= 3 and argv[1] == "-m" and argv[2] == "pip":
        return 3
    return None


def _python_module(argv: Sequence[str]) -> tuple[str, int] | None:
    """``python -m X ...`` -> (X, index of the first argument after X)."""

    if len(argv) >= 3 and _PYTHON_NAME.match(_base(argv[0])) and argv[1] == "-m":
        return argv[2], 3
    return None


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _piptools_command(argv: Sequence[str]) -> tuple[str, list[str]] | None:
    """``pip-compile ARGS`` / ``pip-sync ARGS`` / ``python -m piptools compile|sync ARGS`` ->
    ("compile" | "sync", ARGS)."""

    head = _base(argv[0]) if argv else ""
    if head in ("pip-compile", "pip-sync"):
        return head[4:], list(argv[1:])
    mod = _python_module(argv)
    if mod is not None and mod[0] == "piptools" and len(argv) > mod[1]:
        sub = argv[mod[1]]
        if sub in ("compile", "sync"):
            return sub, list(argv[mod[1] + 1 :])
    return None


# pip-compile options that take a value (the next word when not written --opt=value)
_PIPTOOLS_VALUE = frozenset(
    {
        "-o",
        "--output-file",
        "-P",
        "--upgrade-package",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "--trusted-host",
        "-c",
        "--constraint",
        "--cache-dir",
        "--pip-args",
        "--resolver",
        "--build-isolation",
        "--annotation-style",
        "--extra",
        "--config",
        "--python-executable",
        "--unsafe-package",
    }
)


def _from_piptools(
    tools: tuple[str, list[str]],
    argv: Sequence[str],
    ctx: RewriteContext,
    context: ShellContext,
    acc: _Acc,
    line: int,
    deps_only: bool,
) -> tuple[str, ...] | bool | None:
    """pip-compile -> ``uv lock`` (keeping ``--upgrade``/``--upgrade-package``); pip-sync ->
    ``uv sync --locked`` for the groups of the files it syncs."""

    sub, args = tools
    if sub == "sync":
        files = [a for a in args if not a.startswith("-")]
        return _to_uv_install(_PipInstall(files=files), argv, ctx, context, acc, line, deps_only)
    new = ["uv", "lock"]
    i = 0
    while i < len(args):
        key, inline = _split_flag(args[i])
        value = inline
        if key in _PIPTOOLS_VALUE and inline is None:
            value = args[i + 1] if i + 1 < len(args) else ""
            i += 1
        if key in ("-U", "--upgrade") and "--upgrade" not in new:
            new.append("--upgrade")
        elif key in ("-P", "--upgrade-package") and value:
            new += ["--upgrade-package", value]
        i += 1
    acc.rule(_CONTEXT_RULE[context])
    return tuple(new)


# poetry/pipenv flags that change nothing under uv (interaction, output, uv syncs exactly)
_QUIET_FLAGS = frozenset(
    {
        "-n",
        "--no-interaction",
        "--no-ansi",
        "--ansi",
        "-q",
        "--quiet",
        "-v",
        "-vv",
        "-vvv",
        "--verbose",
        "--sync",
        "--compile",
        "--deploy",
        "--system",
        "--ignore-pipfile",
        "--clear",
        "--skip-lock",
    }
)


def _from_poetry_pipenv(
    argv: Sequence[str],
    ctx: RewriteContext,
    context: ShellContext,
    acc: _Acc,
    line: int,
    deps_only: bool,
) -> tuple[str, ...] | bool | None:
    """``poetry install/run/lock/export/config`` and ``pipenv install/sync/run/lock`` -> uv
    (the migration replaced their files with pyproject.toml and uv.lock). Anything else, or a
    flag not understood, is left alone with a diagnostic."""

    tool, sub, args = _base(argv[0]), argv[1], list(argv[2:])
    rule = _CONTEXT_RULE[context]
    text = " ".join(argv)

    def leave(why: str) -> bool:
        return acc.leave(ctx, rule, line, text, why)

    if sub == "run":
        if not args:
            return False
        acc.rule(rule)
        return tuple(args) if context is ShellContext.RUNTIME else ("uv", "run", *args)
    if sub == "lock":
        acc.rule(rule)
        return ("uv", "lock")
    if sub == "build" and tool == "poetry":
        out = ["uv", "build"]
        i = 0
        while i < len(args):
            key, value = _split_flag(args[i])
            if key in ("-f", "--format") and value is None and i + 1 < len(args):
                value, i = args[i + 1], i + 1
            if key in ("-f", "--format") and value in ("wheel", "sdist"):
                out.append(f"--{value}")
            elif key not in _QUIET_FLAGS:
                return leave(f"`poetry build {args[i]}` has no uv translation")
            i += 1
        acc.rule(rule)
        return tuple(out)
    if sub == "config" and tool == "poetry":
        acc.rule(rule)
        return None  # uv has no such settings: the project environment is .venv
    if tool == "poetry" and sub in ("install", "export"):
        flags: list[str] = []
        # `--only main`: Poetry's main group alone; uv's default groups may hold more than dev
        # (a Poetry group that was not optional), so --no-default-groups, not --no-dev
        no_dev = sub == "export"  # poetry export writes the main group unless told otherwise
        install_project = True
        only_root = False
        only: list[str] = []  # --only groups (the option may be given more than once)
        output = ""
        i = 0
        while i < len(args):
            key, value = _split_flag(args[i])
            takes = key in (
                "--only",
                "--with",
                "--without",
                "-E",
                "--extras",
                "-o",
                "--output",
                "-f",
                "--format",
            )
            if takes and value is None:
                if i + 1 >= len(args):
                    return leave(f"`{key}` without a value")
                value = args[i + 1]
                i += 1
            names = [n for n in re.split(r"[,\s]+", value or "") if n]
            if key == "--compile" and sub == "install":
                flags.append("--compile-bytecode")
            elif key in ("-f", "--format") and value != "requirements.txt":
                # constraints.txt has no uv export format
                return leave(f"`poetry export --format {value}` has no uv translation")
            elif key in _QUIET_FLAGS or key in (
                "-f",
                "--format",
                "--without-urls",
                "--no-cache",
                "--no-plugins",
            ):
                pass
            elif key == "--no-root":
                install_project = False
            elif key == "--only-root":
                only_root = True
            elif key == "--no-dev":
                no_dev = True
            elif key == "--only":
                only += names
            elif key == "--with":
                flags += [f for n in names for f in ("--group", n)]
            elif key == "--without":
                flags += [f for n in names for f in ("--no-group", n)]
            elif key in ("-E", "--extras"):
                flags += [f for n in names for f in ("--extra", n)]
            elif key in ("--all-extras", "--all-groups"):
                flags.append(key)
            elif key == "--no-directory" and sub == "install":
                # Poetry's "dependencies without the source" for a Docker layer
                flags.append("--no-install-local")
            elif key == "--dev" and sub == "export":  # poetry-plugin-export's old --with dev
                flags += ["--group", "dev"]
            elif key == "--without-hashes" and sub == "export":
                flags.append("--no-hashes")
            elif key in ("-o", "--output") and sub == "export":
                output = value or ""
            else:
                return leave(f"`{tool} {sub} {args[i]}` has no uv translation")
            i += 1
        only_groups = bool(only) and "main" not in only
        if "main" in only:
            # main and the named groups: the project's dependencies stay
            no_dev = True
            flags[:0] = [f for n in dict.fromkeys(only) if n != "main" for f in ("--group", n)]
        elif only:
            flags[:0] = [f for n in dict.fromkeys(only) for f in ("--only-group", n)]
        acc.rule(rule)
        if sub == "export":
            # poetry export reads poetry.lock as it is: the lock, not a new resolution
            # the project itself is never in Poetry's export (uv's would hold `-e .`)
            new = ["uv", "export", "--locked", "--format", "requirements-txt", "--no-emit-project"]
            if output:
                new += ["--output-file", output]
            return (*new, *(["--no-default-groups"] if no_dev else []), *flags)
        acc.installs = True
        if only_root:
            # the project alone: --inexact keeps what the earlier install put there (uv sync
            # removes what it would not install otherwise)
            return ("uv", "sync", "--locked", "--inexact", "--no-default-groups")
        new = ["uv", "sync", "--locked"]
        if no_dev:
            new.append("--no-default-groups")
        if not install_project or deps_only:
            new.append("--no-install-project")
        elif only_groups and ctx.is_package:
            acc.diagnostics.append(
                ctx.diag(
                    rule,
                    Severity.INFO,
                    "uv sync --only-group leaves the project itself out (poetry install --only "
                    "installed it, without its dependencies)",
                    line,
                    text,
                    hint="run `uv run --no-sync ...` from the source folder, or add --no-root to "
                    "say it was not needed",
                )
            )
        return (*new, *flags)
    if tool == "pipenv" and sub in ("install", "sync"):
        dev = False
        for a in args:
            key, _value = _split_flag(a)
            if key in ("-d", "--dev"):
                dev = True
            elif key not in _QUIET_FLAGS:
                return leave(
                    f"`pipenv {sub} {a}`: "
                    + (
                        "adding a package is `uv add`"
                        if not a.startswith("-")
                        else "no uv translation"
                    )
                )
        acc.rule(rule)
        acc.installs = True
        new = ["uv", "sync", "--locked"]
        if not dev and context is not ShellContext.CI:
            new.append("--no-dev")
        elif not dev:
            acc.diagnostics.append(
                ctx.diag(
                    rule,
                    Severity.INFO,
                    "this CI step now syncs the dev group too (the tests and linters, and test "
                    "tools installed ad hoc, live there)",
                    line,
                    text,
                    hint="add --no-dev if this job must run without them",
                )
            )
        if deps_only:
            new.append("--no-install-project")
        return tuple(new)
    if context is ShellContext.DOCS:
        return False
    return leave(f"`{tool} {sub}` has no uv translation")


def _to_uv_install(
    pi: _PipInstall,
    argv: Sequence[str],
    ctx: RewriteContext,
    context: ShellContext,
    acc: _Acc,
    line: int,
    deps_only: bool,
) -> tuple[str, ...] | bool | None:
    """pip install -> uv. Returns the new argv, None to drop, or False to leave alone."""

    text = " ".join(argv)
    rule = _CONTEXT_RULE[context]
    if EXPORT_FILE in pi.files:
        return False  # the second half of a translated --prefix/--target install (uv's flags)
    if pi.unknown:
        return acc.leave(
            ctx, rule, line, text, f"pip option(s) {', '.join(pi.unknown)} have no translation"
        )
    if pi.kinds & {"root", "platform"}:
        what = "--root" if "root" in pi.kinds else "--platform/--python-version/--abi"
        acc.diagnostics.append(
            ctx.diag(
                rule,
                Severity.WARNING,
                f"left alone: uv pip install has no {what}"
                + (
                    " (pip puts the files under that folder as if it were /)"
                    if "root" in pi.kinds
                    else " as pip spells it"
                ),
                line,
                text,
                hint="fill the folder with `uv export --locked --no-emit-project -o reqs.txt` and "
                + (
                    "`uv pip install --prefix <root><python prefix> --no-deps -r reqs.txt`"
                    if "root" in pi.kinds
                    else "`uv pip install --target DIR --python-platform ... --python-version "
                    "... --no-deps -r reqs.txt`"
                )
                + " by hand",
            )
        )
        return False
    dest = _install_dest(pi)
    if dest is not None:
        kept = _dest_left_alone(pi, dest, ctx, context, acc, line, text)
        if kept is not None:
            return kept
    packages = [p for p in pi.packages]
    names = {_package_name(p) for p in packages}
    if packages and not pi.files and not pi.project and not pi.editables:
        tool_names = {"pip-tools", "poetry", "pipenv", "poetry-plugin-export"}
        if names & tool_names and names <= _PIP_SELF | tool_names:
            acc.rule(rule)
            # their commands become uv lock / uv sync / uv run: the tool is not needed
            return None
        if names <= _PIP_SELF:
            acc.rule(rule)
            return None  # pip install --upgrade pip setuptools wheel: uv does not need it
        if names == {"uv"} or names <= _PIP_SELF | {"uv"}:
            if context is ShellContext.DOCS:
                return False
            acc.rule(RULE_INSTALLER)
            acc.diagnostics.append(
                ctx.diag(
                    RULE_INSTALLER,
                    Severity.INFO,
                    "removed `pip install uv`: uv now comes from a pinned image or action",
                    line,
                    text,
                )
            )
            return None
        if context is ShellContext.DOCS:
            return False  # `pip install <name>` in a README is how users install a package
    tools = sorted(names & _PACKAGING_TOOLS)
    if tools:
        acc.diagnostics.append(
            ctx.diag(
                rule,
                Severity.WARNING,
                f"left alone: installs {', '.join(tools)}, whose own commands are not translated",
                line,
                text,
                hint="migrate the project with toolshift first, then translate by hand",
            )
        )
        return False
    adhoc = [p for p in packages if _package_name(p) not in _PIP_SELF | {"uv"}]
    for p in adhoc:
        if "$" in p:
            acc.diagnostics.append(
                ctx.diag(
                    rule,
                    Severity.WARNING,
                    f"left alone: package {p!r} comes from a variable",
                    line,
                    text,
                    hint="add the package to the project's dependencies by hand",
                )
            )
            return False
    if adhoc and not ctx.enabled(RULE_ADHOC):
        # the packages cannot move into the project, so the line that installs them stays
        acc.diagnostics.append(
            ctx.diag(
                rule,
                Severity.WARNING,
                f"left alone: installs {', '.join(adhoc)} ad hoc, and {RULE_ADHOC} is disabled",
                line,
                text,
                hint=f"add them to the project's dependencies by hand, or drop --disable "
                f"{RULE_ADHOC}",
            )
        )
        return False
    if adhoc:
        acc.rule(RULE_ADHOC)
        for p in adhoc:
            acc.adhoc.append(
                AdhocPackage(p, dev=context is ShellContext.CI, origin=ctx.origin(line, text))
            )
        acc.diagnostics.append(
            ctx.diag(
                RULE_ADHOC,
                Severity.WARNING,
                f"installed ad hoc: {', '.join(adhoc)}; these belong in the project's "
                "dependencies" + (" (dev group)" if context is ShellContext.CI else ""),
                line,
                text,
                hint="`uv add "
                + " ".join(shlex.quote(p) for p in adhoc)
                + "`"
                + (" --dev" if context is ShellContext.CI else ""),
            )
        )
    for kind, what in (
        ("index", "--index-url"),
        ("extra-index", "--extra-index-url"),
        ("find-links", "--find-links"),
        ("no-index", "--no-index"),
        ("trusted-host", "--trusted-host"),
    ):
        if kind in pi.kinds:
            sev = Severity.WARNING if kind in ("extra-index", "trusted-host") else Severity.INFO
            acc.diagnostics.append(
                ctx.diag(
                    rule,
                    sev,
                    f"dropped {what}: indexes belong in pyproject.toml ([[tool.uv.index]])"
                    + (
                        "; --extra-index-url invites dependency confusion"
                        if kind == "extra-index"
                        else ""
                    )
                    + ("; --trusted-host turns off TLS checks" if kind == "trusted-host" else ""),
                    line,
                    text,
                )
            )
    if "user" in pi.kinds:
        acc.diagnostics.append(
            ctx.diag(
                rule,
                Severity.INFO,
                "dropped --user: uv installs into the project environment (.venv)",
                line,
                text,
            )
        )
    for e in pi.editables:
        acc.diagnostics.append(
            ctx.diag(
                rule,
                Severity.INFO,
                f"{e} is installed from a path: it belongs in [tool.uv.sources]",
                line,
                text,
            )
        )
    if pi.editables and not pi.files and not pi.project:
        acc.diagnostics.append(
            ctx.diag(
                rule,
                Severity.WARNING,
                "left alone: installs local files or folders ("
                + ", ".join(pi.editables)
                + "), not the project's dependencies",
                line,
                text,
                hint="declare them in [tool.uv.sources], or keep this step as it is",
            )
        )
        return False
    unread = [c for c in pi.constraints if not _constraints_read(c, ctx)]
    if unread:
        acc.diagnostics.append(
            ctx.diag(
                rule,
                Severity.WARNING,
                f"left alone: -c {', '.join(unread)} constrains this install, and the migration "
                "does not read that file, so uv.lock may hold other versions",
                line,
                text,
                hint="add its pins to [tool.uv] constraint-dependencies (or name the file "
                "constraints.txt, which toolshift reads), then run toolshift again",
            )
        )
        return False
    mirrored = [f for f in pi.files if acc.file_groups.get(posixpath.basename(f), ()) is None]
    if mirrored:
        acc.diagnostics.append(
            ctx.diag(
                rule,
                Severity.INFO,
                f"kept as is: installs {', '.join(mirrored)}, which the uv export in this file "
                "writes (from uv.lock) with a selection uv sync flags cannot mirror",
                line,
                text,
            )
        )
        return False
    acc.rule(rule)
    if dest is not None:
        return _export_install(pi, dest, ctx, rule, acc, line, text)
    acc.installs = True
    if not pi.files and not pi.project:
        return None  # only ad hoc packages: they move to the project, the sync installs them
    _sync_notes(pi, ctx, context, acc, line, text)
    groups = _groups_of(pi.files, ctx, acc)
    if context is ShellContext.RUNTIME and not pi.extras and set(groups) <= {""}:
        # the image installed these at build time (uv sync --locked --no-dev in the Dockerfile);
        # a multistage runtime stage has no uv, and a non-root user no writable uv cache
        acc.diagnostics.append(
            ctx.diag(
                rule,
                Severity.INFO,
                "removed the install of the project's dependencies at container start: the "
                "migrated image installs them when it is built (uv sync --locked)",
                line,
                text,
            )
        )
        return None
    if context is ShellContext.RUNTIME:
        acc.diagnostics.append(
            ctx.diag(
                rule,
                Severity.WARNING,
                "installs more than the image has (dev groups or extras) at container start: "
                "this needs uv in the image, which a multistage runtime stage does not have",
                line,
                text,
                hint="build an image with these groups, or use the builder stage as the target",
            )
        )
    new = ["uv", "sync", "--locked"]
    if deps_only:
        new.append("--no-install-project")
    new += _group_flags(groups, pi.extras, ctx, ci=context is ShellContext.CI)
    if "reinstall" in pi.kinds:
        new.append("--reinstall")
    new += _build_flags(pi, uv_pip=False)
    return tuple(new)


def _groups_of(files: Sequence[str], ctx: RewriteContext, acc: _Acc) -> list[str]:
    """The groups ("" = runtime) ``pip install -r files`` installed: an export's own groups
    for a file an export in this file writes, else what the file's name says."""

    out: list[str] = []
    for f in files:
        known = acc.file_groups.get(posixpath.basename(f))
        out += list(known) if known is not None else [_group_of_file(f, ctx)]
    return out


def _group_flags(
    groups: Sequence[str], extras: Sequence[str], ctx: RewriteContext, *, ci: bool = False
) -> list[str]:
    """uv flags selecting what pip installed: the runtime set ("") plus named groups, extras.

    ``ci``: a CI sync keeps uv's default groups (tests and linters live in ``dev``, and ad hoc
    test tools move there), adding only the other groups it names."""

    out: list[str] = []
    # a file compiled from the project's extras (key ``[dev]``) installs those extras
    extras = [*extras, *(x for g in groups if g.startswith("[") for x in g[1:-1].split(",") if x)]
    named = [g for g in dict.fromkeys(groups) if g != "" and not g.startswith("[")]
    if ci:
        out += [f for g in named if g != "dev" for f in ("--group", g)]
    elif ctx.explicit_groups:
        # uv's default groups hold more than dev (every non-optional Poetry group): name them
        out.append("--no-default-groups")
        out += [f for g in named for f in ("--group", g)]
    else:
        if "dev" not in named:
            out.append("--no-dev")
        out += [f for g in named if g != "dev" for f in ("--group", g)]
    for x in dict.fromkeys(extras):
        out += ["--extra", x]
    return out


def _build_flags(pi: _PipInstall, *, uv_pip: bool) -> list[str]:
    """pip's --only-binary / --no-binary (and --require-hashes, --force-reinstall for ``uv pip
    install``, which takes them as they are) as uv flags."""

    out: list[str] = []
    for kind, all_flag, one_flag in (
        ("only-binary", "--no-build", "--no-build-package"),
        ("no-binary", "--no-binary", "--no-binary-package"),
    ):
        for value in pi.values.get(kind, []):
            if uv_pip:
                out += [f"--{kind}", value]
                continue
            names = [n for n in re.split(r"[,\s]+", value) if n]
            if ":all:" in names:
                out.append(all_flag)
            else:
                out += [f for n in names if n != ":none:" for f in (one_flag, n)]
    if "no-build-isolation" in pi.kinds:
        out.append("--no-build-isolation")
    for value in pi.values.get("config-settings", []):
        out += ["--config-setting", value]
    if uv_pip and "require-hashes" in pi.kinds:
        out.append("--require-hashes")
    if uv_pip and "reinstall" in pi.kinds:
        out.append("--reinstall")
    return out


#: where a translated ``pip install --prefix/--target`` writes the locked requirements it
#: installs (a name no migration deletes: the planner looks for the old files' names)
EXPORT_FILE = "/tmp/uv-export.txt"
#: joins two commands of one translation (``uv export ... && uv pip install ...``)
AND = "\0&&"
_CONSTRAINTS_NAME = re.compile(r"^constraints[^/]*\.txt$", re.IGNORECASE)


def _install_dest(pi: _PipInstall) -> tuple[str, str] | None:
    """("prefix" | "target", folder) of a pip install that does not go into an environment."""

    for kind in ("prefix", "target"):
        if kind in pi.kinds and pi.values.get(kind):
            return kind, pi.values[kind][-1]
    return None


def _dest_left_alone(
    pi: _PipInstall,
    dest: tuple[str, str],
    ctx: RewriteContext,
    context: ShellContext,
    acc: _Acc,
    line: int,
    text: str,
) -> bool | None:
    """False (left alone, said) when a ``--prefix``/``--target`` install cannot become
    ``uv export`` + ``uv pip install``; None when it can."""

    rule = _CONTEXT_RULE[context]
    kind, folder = dest

    def leave(why: str, hint: str, severity: Severity = Severity.WARNING) -> bool:
        acc.diagnostics.append(ctx.diag(rule, severity, why, line, text, hint=hint))
        return False

    if context is ShellContext.RUNTIME:
        return leave(
            f"left alone: installs into --{kind} {folder} at container start",
            "install it when the image is built",
        )
    if "user" in pi.kinds or ("prefix" in pi.kinds and "target" in pi.kinds):
        return leave(
            "left alone: --user, --prefix and --target do not go together",
            "translate this command by hand",
        )
    if pi.editables:
        return leave(
            f"left alone: installs local files or folders ({', '.join(pi.editables)}) into "
            f"--{kind} {folder}",
            "declare them in [tool.uv.sources], or keep this step as it is",
        )
    if not pi.files and not pi.project:
        # packages by name into a folder: no lock says their versions; pip still does this
        return leave(
            f"kept as is: installs {', '.join(pi.packages)} by name into --{kind} {folder}, "
            "which the lock does not cover",
            "add them to the project's dependencies and install the folder from the lock, if "
            "they belong to the service",
            Severity.INFO,
        )
    return None


def _constraints_read(path: str, ctx: RewriteContext) -> bool:
    """A ``-c`` file whose pins reach uv.lock: a requirements file of the project, or a
    ``constraints*.txt`` (read into ``[tool.uv] constraint-dependencies``)."""

    base = posixpath.basename(posixpath.normpath(path))
    if _CONSTRAINTS_NAME.match(base):
        return True
    known = {posixpath.basename(f) for f in ctx.requirement_files.values()}
    return base in known or bool(re.match(r"^requirements[^/]*\.txt$", base, re.IGNORECASE))


def _export_install(
    pi: _PipInstall,
    dest: tuple[str, str],
    ctx: RewriteContext,
    rule: str,
    acc: _Acc,
    line: int,
    text: str,
) -> tuple[str, ...]:
    """``pip install --prefix/--target DIR -r files`` -> the same folder filled from the lock:
    ``uv export`` of the groups the files held (exact versions, hashes), then
    ``uv pip install --prefix/--target DIR --no-deps -r`` that export."""

    kind, folder = dest
    acc.exports = True
    groups = _groups_of(pi.files, ctx, acc) or [""]
    export = [
        "uv",
        "export",
        "--locked",
        "--no-emit-project",
        *_group_flags(groups, pi.extras, ctx),
        "--output-file",
        EXPORT_FILE,
    ]
    install = ["uv", "pip", "install", f"--{kind}", folder, "--no-deps"]
    install += _build_flags(pi, uv_pip=True)
    install += ["-r", EXPORT_FILE]
    if pi.project:
        # the project itself, built from the source here; its dependencies come from the export
        install += ["-e", "."] if "editable" in pi.kinds else ["."]
    if "upgrade" in pi.kinds:
        acc.diagnostics.append(
            ctx.diag(
                rule,
                Severity.INFO,
                "dropped --upgrade: the folder gets the versions locked in uv.lock "
                "(`uv lock --upgrade` moves them)",
                line,
                text,
            )
        )
    if "no-deps" in pi.kinds:
        acc.diagnostics.append(
            ctx.diag(
                rule,
                Severity.INFO,
                "--no-deps: the folder gets every package uv.lock holds for these groups, "
                "dependencies included (the export lists them all)",
                line,
                text,
            )
        )
    acc.diagnostics.append(
        ctx.diag(
            rule,
            Severity.INFO,
            f"--{kind} {folder} is filled from uv.lock: `uv export` writes the locked versions "
            f"of what {' '.join(pi.files) or 'the project'} installed, `uv pip install "
            f"--{kind}` installs exactly those",
            line,
            text,
        )
    )
    return (*export, AND, *install)


def _sync_notes(
    pi: _PipInstall,
    ctx: RewriteContext,
    context: ShellContext,
    acc: _Acc,
    line: int,
    text: str,
) -> None:
    """What a pip flag meant that ``uv sync --locked`` does differently, said once each."""

    rule = _CONTEXT_RULE[context]
    notes = {
        "upgrade": "dropped --upgrade: uv sync installs the versions locked in uv.lock "
        "(`uv lock --upgrade` moves them)",
        "no-deps": "dropped --no-deps: uv sync installs every package uv.lock holds for these "
        "groups, dependencies included" + ("" if pi.files else " (the project's dependencies too)"),
        "require-hashes": "dropped --require-hashes: uv sync checks the hashes uv.lock records",
        "pre": "dropped --pre: uv.lock holds the versions, pre-releases included where the "
        "lock chose them",
    }
    for kind, message in notes.items():
        if kind in pi.kinds:
            acc.diagnostics.append(ctx.diag(rule, Severity.INFO, message, line, text))


def _uv_sync_flags(args: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    """Parse ``uv sync`` flags into a dict; unknown flags are returned."""

    opts: dict[str, Any] = {
        "no_dev": False,
        "groups": [],
        "only_groups": [],
        "all_groups": False,
        "extras": [],
        "no_project": False,
        "only_dev": False,
        "all_extras": False,
    }
    unknown: list[str] = []
    i = 0
    while i < len(args):
        key, inline = _split_flag(args[i])
        i += 1

        if key in ("--locked", "--frozen", "-q", "--quiet", "--inexact", "--compile-bytecode"):
            continue
        if key == "--no-dev":
            opts["no_dev"] = True
        elif key == "--only-dev":
            opts["only_dev"] = True
        elif key == "--no-install-project":
            opts["no_project"] = True
        elif key == "--all-groups":
            opts["all_groups"] = True
        elif key == "--all-extras":
            opts["all_extras"] = True
        elif key in ("--group", "--only-group", "--extra"):
            v = inline
            if v is None and i < len(args):
                v = args[i]
                i += 1
            if v is None:
                unknown.append(key)
            else:
                {"--group": opts["groups"], "--only-group": opts["only_groups"]}.get(
                    key, opts["extras"]
                ).append(v)
        else:
            unknown.append(args[i - 1])
    return opts, unknown


# uv pip install flags of a translated --prefix/--target install -> pip's
_UV_PIP_BACK = {
    "--only-binary": "--only-binary",
    "--no-binary": "--no-binary",
    "--config-setting": "--config-settings",
    "--prefix": "--prefix",
    "--target": "--target",
}
_UV_PIP_BACK_BOOL = {
    "--no-deps": "",
    "--require-hashes": "--require-hashes",
    "--reinstall": "--force-reinstall",
    "--no-build-isolation": "--no-build-isolation",
}


def _export_install_to_pip(
    args: Sequence[str],
    ctx: RewriteContext,
    context: ShellContext,
    acc: _Acc,
    line: int,
    text: str,
) -> tuple[str, ...] | bool:
    """``uv export <groups> -o EXPORT_FILE && uv pip install --prefix DIR --no-deps -r
    EXPORT_FILE`` -> ``pip install --prefix DIR -r <the groups' files>`` (the reverse of
    :func:`_export_install`)."""

    rule = _CONTEXT_RULE[context]

    def leave(why: str) -> bool:
        return acc.leave(ctx, rule, line, text, why)

    if acc.export_args is None:
        return leave(f"installs {EXPORT_FILE}, and no `uv export` before it says what it holds")
    sync: list[str] = []
    ex = list(acc.export_args)
    k = 0
    while k < len(ex):
        key, inline = _split_flag(ex[k])
        takes = key in ("--output-file", "-o", "--format", "--group", "--only-group", "--extra")
        value = inline
        if takes and value is None and k + 1 < len(ex):
            value, k = ex[k + 1], k + 1
        if key in ("--group", "--only-group", "--extra") and value is not None:
            sync += [key, value]
        elif key == "--no-default-groups":
            sync.append("--no-dev")  # a uv project's default groups: dev
        elif key in ("--no-dev", "--only-dev", "--all-extras", "--all-groups"):
            sync.append(key)
        elif key not in (
            "--locked",
            "--frozen",
            "--no-emit-project",
            "--no-hashes",
            "--output-file",
            "-o",
            "--format",
            "-q",
            "--quiet",
        ):
            return leave(f"`uv export {key}` has no pip translation")
        k += 1
    extra: list[str] = []
    project: list[str] = []
    k = 0
    while k < len(args):
        key, inline = _split_flag(args[k])
        if key in _UV_PIP_BACK:
            value = inline
            if value is None and k + 1 < len(args):
                value, k = args[k + 1], k + 1
            extra += [_UV_PIP_BACK[key], value or ""]
        elif key in _UV_PIP_BACK_BOOL:
            extra += [_UV_PIP_BACK_BOOL[key]] if _UV_PIP_BACK_BOOL[key] else []
        elif key in ("-r", "--requirements", "--requirement"):
            k += 1  # the export file itself
        elif key in (".", "-e"):
            project += [key] if key == "." else ["-e", "."]
            k += 1 if key == "-e" else 0
        else:
            return leave(f"`uv pip install {key}` has no pip translation here")
        k += 1
    new = _to_pip_sync(sync, ctx, context, acc, line, text)
    if new is False or new is True:
        return new
    acc.installs = False  # a folder, not the environment: the Dockerfile copies the files only
    acc.exports = True
    head = 3 if new[2:3] == ("--no-cache-dir",) else 2
    return (*new[:head], *extra, *new[head:], *project)


def _to_pip_sync(
    args: Sequence[str],
    ctx: RewriteContext,
    context: ShellContext,
    acc: _Acc,
    line: int,
    text: str,
) -> tuple[str, ...] | bool:
    opts, unknown = _uv_sync_flags(args)
    rule = _CONTEXT_RULE[context]
    if unknown:
        return acc.leave(
            ctx, rule, line, text, f"uv sync option(s) {', '.join(unknown)} have no pip translation"
        )
    files = ctx.requirement_files
    groups: list[str] = []
    if opts["only_groups"]:
        groups = list(opts["only_groups"])
    elif opts["only_dev"]:
        groups = ["dev"]
    else:
        groups = [""]
        if opts["all_groups"]:
            groups += [g for g in files if g]
        else:
            if not opts["no_dev"] and ctx.has_dev_group:
                groups.append("dev")
            groups += opts["groups"]
    groups = list(dict.fromkeys(groups))
    # a project that is not a package: each extra the planner wrote a file for (key `[name]`)
    extra_files: list[str] = []
    if not ctx.is_package:
        wanted = (
            [k[1:-1] for k in files if k.startswith("[")]
            if opts["all_extras"]
            else [_norm(x) for x in opts["extras"]]
        )
        extra_files = [files[f"[{x}]"] for x in wanted if f"[{x}]" in files]
        if extra_files and len(extra_files) == len(wanted):
            opts = {**opts, "extras": []}
    if ctx.group_files_include_runtime and (len(groups) > 1 or extra_files) and "" in groups:
        groups.remove("")  # each group file starts with `-r requirements.txt`
    new = ["pip", "install"]
    if context in _IN_IMAGE:
        new.append("--no-cache-dir")
    for g in groups:
        f = files.get(g, "requirements.txt" if g == "" else f"requirements-{g}.txt")
        new += ["-r", f]
    for f in extra_files:
        new += ["-r", f]
    if ctx.is_package and opts["extras"] and not opts["no_project"]:
        # requirements.txt installs the project itself (`-e .`); extras need naming
        spec = ".[" + ",".join(opts["extras"]) + "]"
        new += ["-e", spec] if context not in _IN_IMAGE else [spec]
    elif opts["extras"]:
        acc.diagnostics.append(
            ctx.diag(
                rule,
                Severity.INFO,
                "extras of a project that is not a package have no pip equivalent; dropped",
                line,
                text,
            )
        )
    acc.rule(rule)
    acc.installs = True
    return tuple(new)


_UV_RUN_BOOL = frozenset(
    {"--locked", "--frozen", "--no-dev", "--no-sync", "-q", "--quiet", "--all-extras", "--active"}
)
_UV_RUN_VALUE = frozenset({"--group", "--extra"})


def translate_argv(
    argv: Sequence[str],
    ctx: RewriteContext,
    context: ShellContext = ShellContext.DOCKER,
    *,
    line: int = 0,
    deps_only: bool = False,
    allow_chain: bool = False,
    run_tools: frozenset[str] = frozenset(),
    file_groups: Mapping[str, tuple[str, ...] | None] | None = None,
    export_args: Sequence[str] | None = None,
) -> ArgvTranslation:
    """Translate one command for ``ctx.direction``. Unchanged commands come back as they were.

    ``deps_only`` (Docker, pip -> uv): the install runs before the source is copied, so
    ``uv sync`` gets ``--no-install-project``.

    ``allow_chain``: the caller can run two commands where there was one (a shell script):
    :data:`AND` in the result separates them (``pip install --prefix`` becomes ``uv export``
    then ``uv pip install``). Without it such a command is left alone, with a diagnostic.
    """

    acc = _Acc(
        run_tools=run_tools,
        file_groups=file_groups or {},
        export_args=None if export_args is None else tuple(export_args),
    )
    result = _translate(list(argv), ctx, context, acc, line, deps_only)
    if isinstance(result, tuple) and AND in result and not allow_chain:
        acc = _Acc()
        acc.diagnostics.append(
            ctx.diag(
                _CONTEXT_RULE[context],
                Severity.WARNING,
                "left alone: its uv form is two commands (uv export, then uv pip install), "
                "which an exec-form (JSON) command cannot chain",
                line,
                " ".join(argv),
                hint="write it in shell form (RUN pip install ...), then run toolshift again",
            )
        )
        result = False
    new: tuple[str, ...] | None
    if result is False:
        new = tuple(argv)
    elif result is None or result is True:
        new = None
    else:
        new = result
    return ArgvTranslation(
        new, tuple(acc.rules), tuple(acc.diagnostics), tuple(acc.adhoc), acc.installs, acc.exports
    )


# pip commands that look at an environment -> `uv pip X`: after migration the dependencies are
# in the project's .venv, which has no pip (the `pip` on PATH is the system's, and would check,
# freeze or list another environment). {command: {pip flag: uv flag, "" = dropped}}
_PIP_INSPECT: dict[str, dict[str, str]] = {
    "check": {},
    "freeze": {"--exclude-editable": "--exclude-editable", "--all": "", "-l": "", "--local": ""},
    "list": {
        "-e": "--editable",
        "--editable": "--editable",
        "--exclude-editable": "--exclude-editable",
        "-o": "--outdated",
        "--outdated": "--outdated",
        "--format": "--format",
        "-l": "",
        "--local": "",
    },
    "show": {"-f": "--files", "--files": "--files"},
    "uninstall": {"-y": "", "--yes": "", "-r": "-r", "--requirement": "-r"},
}
_PIP_QUIET = {"-q": "-q", "--quiet": "-q", "-v": "-v", "--verbose": "-v"}
_PIP_QUIET |= {"--disable-pip-version-check": "", "--no-color": "", "--no-input": ""}


def _inspect_to_uv(
    sub: str,
    args: Sequence[str],
    argv: Sequence[str],
    ctx: RewriteContext,
    context: ShellContext,
    acc: _Acc,
    line: int,
) -> tuple[str, ...] | bool:
    """``pip check/freeze/list/show/uninstall`` -> ``uv pip ...`` on the project environment."""

    flags = {**_PIP_QUIET, **_PIP_INSPECT[sub]}
    out = ["uv", "pip", sub]
    i = 0
    while i < len(args):
        key, inline = _split_flag(args[i])
        i += 1
        if not key.startswith("-"):
            out.append(key)
            continue
        if key not in flags:
            acc.diagnostics.append(
                ctx.diag(
                    _CONTEXT_RULE[context],
                    Severity.WARNING,
                    f"left alone: `pip {sub} {key}` has no uv pip translation (and this pip no "
                    "longer sees the project's .venv)",
                    line,
                    " ".join(argv),
                    hint=f"use `uv pip {sub}` by hand",
                )
            )
            return False
        takes = key in ("--format", "-r", "--requirement")
        value = inline
        if takes and value is None and i < len(args):
            value, i = args[i], i + 1
        if flags[key]:
            out.append(flags[key])
            if takes and value is not None:
                out.append(value)
    acc.rule(_CONTEXT_RULE[context])
    return tuple(out)


# commands whose package has another name (for a tool installed ad hoc, then run)
_COMMAND_PACKAGE = {"sphinx-build": "sphinx", "sphinx-autobuild": "sphinx-autobuild"}

_SUDO_FLAGS = frozenset(
    {"-H", "-E", "-n", "-S", "--set-home", "--preserve-env", "--non-interactive"}
)


def _wrapped(
    argv: list[str],
    ctx: RewriteContext,
    context: ShellContext,
    acc: _Acc,
    line: int,
    deps_only: bool,
) -> tuple[str, ...] | bool | None:
    """``sudo [-H|-E...] CMD`` and ``env [NAME=VALUE...] CMD``: CMD translated. ``sudo`` goes
    when CMD becomes uv (uv installs into the project's .venv, which needs no root, and a
    root-owned .venv would break the steps after it); ``env`` and its variables stay."""

    sudo = argv[0] == "sudo" or _base(argv[0]) == "sudo"
    i = 1
    while i < len(argv) and (
        argv[i] in _SUDO_FLAGS if sudo else ("=" in argv[i] and not argv[i].startswith("-"))
    ):
        i += 1
    inner = argv[i:]
    if not inner or inner[0].startswith("-"):
        # sudo -u USER ..., env -i ...: not a plain wrapper
        if any(_pip_entry(argv[j:]) is not None for j in range(1, len(argv))):
            acc.leave(
                ctx,
                _CONTEXT_RULE[context],
                line,
                " ".join(argv),
                f"runs pip through `{' '.join(argv[:2])} ...`, which is not translated",
            )
        return False
    sub = _Acc(run_tools=acc.run_tools, file_groups=acc.file_groups)
    result = _translate(inner, ctx, context, sub, line, deps_only)
    if isinstance(result, tuple) and AND in result and (sudo or i > 1):
        return acc.leave(
            ctx,
            _CONTEXT_RULE[context],
            line,
            " ".join(argv),
            f"its uv form is two commands, and `{' '.join(argv[:i])}` would reach only the first",
        )
    acc.rules += [r for r in sub.rules if r not in acc.rules]
    acc.diagnostics += sub.diagnostics
    acc.adhoc += sub.adhoc
    acc.installs = acc.installs or sub.installs
    acc.exports = acc.exports or sub.exports
    if result is False or result is None or result is True:
        return result
    if sudo and result[:1] == ("uv",):
        acc.diagnostics.append(
            ctx.diag(
                _CONTEXT_RULE[context],
                Severity.INFO,
                "dropped sudo: uv installs into the project's .venv, which needs no root (a "
                "root-owned .venv would stop the steps after it)",
                line,
                " ".join(argv),
            )
        )
        return result
    if not sudo:
        pip_vars = [a.split("=", 1)[0] for a in argv[1:i] if a.startswith("PIP_")]
        if pip_vars and result[:1] == ("uv",):
            acc.pip_vars_note(ctx, _CONTEXT_RULE[context], pip_vars, line, " ".join(argv))
    return (*argv[:i], *result)


def _translate(
    argv: list[str],
    ctx: RewriteContext,
    context: ShellContext,
    acc: _Acc,
    line: int,
    deps_only: bool,
) -> tuple[str, ...] | bool | None:
    """The argv translation, None to drop, False to leave alone."""

    if not argv:
        return False
    text = " ".join(argv)
    head = _base(argv[0])
    rule = _CONTEXT_RULE[context]
    uv = ctx.direction == "uv"

    if head in ("sudo", "env") and uv:
        return _wrapped(argv, ctx, context, acc, line, deps_only)

    # pip ... / python -m pip ...
    entry = _pip_entry(argv)
    if entry is not None:
        sub = argv[entry] if entry < len(argv) else ""
        if sub == "install" and uv:
            return _to_uv_install(
                _parse_pip_install(argv[entry + 1 :]), argv, ctx, context, acc, line, deps_only
            )
        if sub == "install":
            pi = _parse_pip_install(argv[entry + 1 :])
            if pi.files or pi.project:
                acc.installs = True
        if sub in _PIP_INSPECT and uv and context in (ShellContext.DOCKER, ShellContext.CI):
            # (a README's `pip freeze > requirements.txt` is a workflow, not a command to swap)
            return _inspect_to_uv(sub, argv[entry + 1 :], argv, ctx, context, acc, line)
        if sub in ("wheel", "download") and uv and context is not ShellContext.DOCS:
            acc.diagnostics.append(
                ctx.diag(
                    rule,
                    Severity.WARNING,
                    f"left alone: `pip {sub}` builds files for a later install; uv has no "
                    "direct equivalent",
                    line,
                    text,
                    hint="install with `uv sync --locked` in a builder stage and copy the .venv",
                )
            )
        return False

    if head == "pipx" and uv and len(argv) > 2 and argv[1] == "install":
        names = {_package_name(a) for a in argv[2:] if not a.startswith("-")}
        if names and names <= {"poetry", "pipenv", "pip-tools", "poetry-plugin-export"}:
            acc.rule(rule)
            return None  # their commands are uv's now
    tools = _piptools_command(argv)
    if tools is not None and uv:
        return _from_piptools(tools, argv, ctx, context, acc, line, deps_only)
    if head in ("poetry", "pipenv") and uv and len(argv) > 1:
        return _from_poetry_pipenv(argv, ctx, context, acc, line, deps_only)

    # python -m venv X / python -m pytest
    mod = _python_module(argv)
    if mod is not None:
        name, rest = mod
        if name == "venv" and uv:
            target = [a for a in argv[rest:] if not a.startswith("-")]
            dest = target[0] if target else ".venv"
            acc.rule(rule)
            if context in _IN_IMAGE:
                return None  # uv sync makes the environment (UV_PROJECT_ENVIRONMENT if custom)
            if posixpath.normpath(dest) == ".venv":
                # kept as a step: a following `source .venv/bin/activate` needs the folder
                return ("uv", "venv", *argv[rest:])
            acc.diagnostics.append(
                ctx.diag(
                    rule,
                    Severity.WARNING,
                    f"uv sync installs into .venv, not {dest}",
                    line,
                    text,
                    hint=f"use .venv, or set UV_PROJECT_ENVIRONMENT={dest}",
                )
            )
            return ("uv", "venv", *argv[rest:])
        if name in ("pytest", "py.test") and uv and context not in _IN_IMAGE:
            acc.rule(rule)
            return ("uv", "run", "pytest", *argv[rest:])
        if uv and context is ShellContext.CI and name not in ("pip", "venv"):
            acc.rule(rule)
            return ("uv", "run", *argv)
        return False

    if (
        uv
        and context is ShellContext.CI
        and _norm(_COMMAND_PACKAGE.get(head, head)) in acc.run_tools
    ):
        acc.rule(rule)
        return ("uv", "run", *argv)  # installed ad hoc above: it is in the dev group now
    if head in _CI_TOOLS and uv:
        if context is ShellContext.CI or (context is ShellContext.DOCS and head in _DOCS_TOOLS):
            acc.rule(rule)
            return ("uv", "run", *argv)
        return False
    if _PYTHON_NAME.match(head) and uv and context is ShellContext.CI:
        acc.rule(rule)
        return ("uv", "run", *argv)

    if head != "uv":
        return False
    sub = argv[1] if len(argv) > 1 else ""
    args = argv[2:]

    if uv:
        if sub == "pip" and len(argv) > 2 and argv[2] in ("install", "sync"):
            if argv[2] == "sync":
                pi = _PipInstall(files=[a for a in argv[3:] if not a.startswith("-")])
            else:
                pi = _parse_pip_install(argv[3:])
            return _to_uv_install(pi, argv, ctx, context, acc, line, deps_only)
        if sub == "sync":
            acc.installs = True
            if deps_only and "--no-install-project" not in args:
                acc.rule(rule)
                i = 3 if len(argv) > 2 and argv[2] in ("--locked", "--frozen") else 2
                return (*argv[:i], "--no-install-project", *argv[i:])
        return False

    # direction pip: uv -> pip
    if sub == "sync":
        return _to_pip_sync(args, ctx, context, acc, line, text)
    if sub == "export" and EXPORT_FILE in args:
        acc.rule(rule)
        return None  # the first half of a --prefix/--target install: read by the second
    if sub == "pip" and len(argv) > 3 and argv[2] == "install" and EXPORT_FILE in argv[3:]:
        return _export_install_to_pip(argv[3:], ctx, context, acc, line, text)
    if sub == "run":
        i = 0
        while i < len(args) and args[i].startswith("-"):
            key, inline = _split_flag(args[i])
            if key in _UV_RUN_BOOL:
                i += 1
            elif key in _UV_RUN_VALUE:
                i += 1 if inline is not None else 2
            else:
                acc.diagnostics.append(
                    ctx.diag(
                        rule,
                        Severity.WARNING,
                        f"left alone: `uv run {args[i]}` has no pip translation",
                        line,
                        text,
                        hint="install what it needs into the environment and run the command",
                    )
                )
                return False
        cmd = args[i:]
        if not cmd:
            return False
        acc.rule(rule)
        if cmd[0].endswith(".py"):
            return ("python", *cmd)
        return tuple(cmd)
    if sub == "pip" and len(argv) > 2:
        pargs = [a for a in argv[2:] if a != "--system"]
        if pargs[0] == "sync":
            files = [a for a in pargs[1:] if not a.startswith("-")]
            new = ["pip", "install"]
            if context in _IN_IMAGE:
                new.append("--no-cache-dir")
            for f in files:
                new += ["-r", f]
            acc.rule(rule)
            acc.installs = True
            return tuple(new)
        if pargs[0] in ("install", "uninstall", "freeze", "list", "check", "show"):
            acc.rule(rule)
            if pargs[0] == "install":
                # a dependency install only with requirement files or the project: `uv pip
                # install --system gunicorn` is ad hoc, a later `uv sync` still installs them all
                pi = _parse_pip_install(pargs[1:])
                acc.installs = bool(pi.files or pi.project)
                if context in _IN_IMAGE:
                    pip_args = [a for a in pargs[1:] if a not in ("--no-cache", "--no-cache-dir")]
                    return ("pip", "install", "--no-cache-dir", *pip_args)
            return ("pip", *pargs)
        return False
    if sub == "venv":
        dests = [
            a
            for j, a in enumerate(args)
            if not a.startswith("-") and (j == 0 or args[j - 1] not in ("-p", "--python"))
        ]
        if len(dests) > 1 or any(a.startswith("--python") or a == "-p" for a in args):
            acc.diagnostics.append(
                ctx.diag(
                    rule,
                    Severity.INFO,
                    "the Python version uv venv asked for is not kept: pip uses the interpreter "
                    "that runs it",
                    line,
                    text,
                )
            )
        acc.rule(rule)
        return ("python", "-m", "venv", dests[0] if dests else ".venv")
    if sub == "lock":
        if context is ShellContext.DOCS:
            return False
        acc.rule(rule)
        acc.diagnostics.append(
            ctx.diag(rule, Severity.INFO, "removed `uv lock`: pip has no lock step", line, text)
        )
        return None
    return acc.leave(ctx, rule, line, text, f"`uv {sub}` has no pip translation")


# --------------------------------------------------------------------------- script level


def _words(node: Any) -> list[Any]:
    return [p for p in node.parts if p.kind == "word"]


def _is_installer(node: Any) -> tuple[Any, Any] | None:
    """``curl ... https://astral.sh/uv/install.sh | sh``: (pipeline node, URL word node)."""

    cmds = [p for p in node.parts if p.kind == "command"]
    if len(cmds) != 2:
        return None
    fetch, shell = _words(cmds[0]), _words(cmds[1])
    if not fetch or not shell or _base(fetch[0].word) not in ("curl", "wget"):
        return None
    if _base(shell[0].word) not in ("sh", "bash", "dash", "zsh"):
        return None
    for w in fetch[1:]:
        if _INSTALLER_URL.match(w.word):
            return node, w
    return None


@dataclass
class _Edit:
    start: int
    end: int
    text: str


def _shell_word(word: str) -> str:
    """``word`` for a shell: a ``$VAR`` in it stays a variable (double quotes, not single)."""

    if "$" in word and not re.search(r'["`\\]', word):
        return f'"{word}"'
    return shlex.quote(word)


def _quote(words: Sequence[str]) -> str:
    return " ".join("&&" if w == AND else _shell_word(w) for w in words)


def _argv_edit(src: str, words: list[Any], new: tuple[str, ...]) -> _Edit | None:
    """The smallest textual edit turning ``words`` into ``new``: keep an unchanged tail."""

    old = [w.word for w in words]
    if tuple(old) == new:
        return None
    for k in range(len(old)):
        tail = old[k:]
        if len(tail) <= len(new) and tuple(tail) == new[len(new) - len(tail) :]:
            prefix = new[: len(new) - len(tail)]
            return _Edit(words[0].pos[0], words[k].pos[0], _quote(prefix) + " " if prefix else "")
    if len(new) >= len(old) and new[: len(old)] == tuple(old) and len(new) > len(old):
        return _Edit(words[-1].pos[1], words[-1].pos[1], " " + _quote(new[len(old) :]))
    return _Edit(words[0].pos[0], words[-1].pos[1], _quote(new))


def translate_script(
    script: str,
    ctx: RewriteContext,
    context: ShellContext = ShellContext.DOCKER,
    *,
    line: int = 1,
    deps_only: bool = False,
    file_groups: Mapping[str, tuple[str, ...] | None] | None = None,
) -> ShellResult:
    """Translate every pip/venv/uv command in ``script``; everything else stays byte-identical.

    ``line`` is the 1-based line of the script's first character in its file (diagnostics).
    An empty result text means every command was dropped.

    ``file_groups``: requirements files that an export elsewhere in the same file writes
    (``poetry export --with dev -o requirements.txt`` in another Docker stage), by base name:
    the groups the export holds ("" = runtime), or None when its selection has no ``uv sync``
    equivalent (that ``pip install -r`` is kept: it installs exactly the uv export).
    """

    from toolshift._bashlex_fast import load_bashlex  # bashlex is slow to import: lazily, cached

    bashlex = load_bashlex()

    def lineno(pos: int) -> int:
        return line + script.count("\n", 0, pos)

    rule = _CONTEXT_RULE[context]
    if not script.strip():
        return ShellResult(script)
    try:
        trees = bashlex.parse(script)
    except Exception as exc:  # bashlex raises many types (NotImplementedError, ParsingError...)
        if not _mentions_tools(script):
            return ShellResult(script, understood=False)
        return ShellResult(
            script,
            diagnostics=(
                ctx.diag(
                    rule,
                    Severity.WARNING,
                    f"left alone: this shell could not be parsed ({type(exc).__name__}: "
                    f"{str(exc).splitlines()[0] if str(exc) else ''})",
                    line,
                    script.splitlines()[0] if script.splitlines() else "",
                    hint="translate the pip/uv commands in it by hand",
                ),
            ),
            understood=False,
        )

    acc = _Acc()
    edits: list[_Edit] = []

    exported: list[tuple[str, ...]] = []  # uv -> pip: the `uv export` a later install reads

    def handle_unit(node: Any, chain_ok: bool = True) -> tuple[bool, _Edit | None]:
        """Translate one list element. Returns (drop?, edit). ``chain_ok``: the element sits
        where ``a && b`` means what it says (alone, or in a list of ``&&`` and ``;``)."""

        if node.kind == "pipeline":
            inst = _is_installer(node)
            if inst is not None:
                _, url = inst
                ln = lineno(node.pos[0])
                snippet = script[node.pos[0] : node.pos[1]]
                if context is ShellContext.DOCS:
                    if ctx.direction == "uv" and not _PINNED_INSTALLER.match(url.word):
                        acc.rule(RULE_INSTALLER)
                        acc.diagnostics.append(
                            ctx.diag(
                                RULE_INSTALLER,
                                Severity.INFO,
                                f"pinned the uv installer to {ctx.uv_version}",
                                ln,
                                snippet,
                            )
                        )
                        pinned = f"https://astral.sh/uv/{ctx.uv_version}/install.sh"
                        return False, _Edit(url.pos[0], url.pos[1], pinned)
                    return False, None
                acc.rule(RULE_INSTALLER)
                acc.diagnostics.append(
                    ctx.diag(
                        RULE_INSTALLER,
                        Severity.INFO,
                        "removed the `curl | sh` uv installer"
                        + (
                            f": uv now comes from a pinned source ({ctx.uv_version})"
                            if ctx.direction == "uv"
                            else ""
                        ),
                        ln,
                        snippet,
                    )
                )
                return True, None
            for part in node.parts:
                if part.kind == "command":
                    walk(part, droppable=False, chain_ok=False)
            return False, None
        if node.kind == "command":
            words = _words(node)
            if not words:
                return False, None
            if (
                len(words) == 3
                and _base(words[0].word) in ("sh", "bash", "dash")
                and words[1].word == "-c"
            ):
                # sh -c "script": translate the inner script, quote it the way it was quoted
                inner = translate_script(
                    words[2].word,
                    ctx,
                    context,
                    line=lineno(words[2].pos[0]),
                    deps_only=deps_only,
                    file_groups=file_groups,
                )
                for r in inner.rules:
                    acc.rule(r)
                acc.diagnostics.extend(inner.diagnostics)
                acc.adhoc.extend(inner.adhoc_packages)
                acc.installs = acc.installs or inner.installs_dependencies
                acc.exports = acc.exports or inner.exports
                if inner.text == words[2].word:
                    return False, None
                if inner.dropped:
                    return True, None
                raw = script[words[2].pos[0] : words[2].pos[1]]
                if raw.startswith('"') and not re.search(r'["$`\\]', inner.text):
                    quoted = f'"{inner.text}"'
                else:
                    quoted = shlex.quote(inner.text)
                return False, _Edit(words[2].pos[0], words[2].pos[1], quoted)
            argv = [w.word for w in words]
            if ctx.direction == "pip" and argv[:2] == ["uv", "export"] and EXPORT_FILE in argv:
                exported.append(tuple(argv[2:]))
            t = translate_argv(
                argv,
                ctx,
                context,
                line=lineno(words[0].pos[0]),
                deps_only=deps_only,
                allow_chain=True,
                run_tools=frozenset(_norm(_package_name(a.requirement)) for a in acc.adhoc),
                file_groups=file_groups,
                export_args=exported[-1] if exported else None,
            )
            if t.argv is not None and AND in t.argv:
                return False, chained(node, words, t, chain_ok)
            for r in t.rules:
                acc.rule(r)
            acc.diagnostics.extend(t.diagnostics)
            acc.adhoc.extend(t.adhoc_packages)
            acc.installs = acc.installs or t.installs_dependencies
            acc.exports = acc.exports or t.exports
            if ctx.direction == "uv" and t.argv is not None and t.argv[:1] == ("uv",):
                pip_vars = [
                    p.word.split("=", 1)[0]
                    for p in node.parts
                    if p.kind == "assignment" and p.word.startswith("PIP_")
                ]
                if pip_vars:
                    acc.pip_vars_note(
                        ctx, rule, pip_vars, lineno(node.pos[0]), script[node.pos[0] : node.pos[1]]
                    )
            if t.argv is None:
                return True, None
            edit = _argv_edit(script, words, t.argv)
            if edit is not None:
                inside = [
                    p for p in node.parts if p.kind != "word" and edit.start < p.pos[0] < edit.end
                ]
                if inside:
                    acc.leave(
                        ctx,
                        rule,
                        lineno(node.pos[0]),
                        script[node.pos[0] : node.pos[1]],
                        "a redirection sits inside the command",
                    )
                    return False, None
            return False, edit
        walk(node, droppable=False)
        return False, None

    def chained(node: Any, words: list[Any], t: ArgvTranslation, chain_ok: bool) -> _Edit | None:
        """The edit for a command that became two (``uv export ... && uv pip install ...``)."""

        assert t.argv is not None
        assigned = [p.word for p in node.parts if p.kind == "assignment"]
        if [a for a in assigned if not a.startswith("PIP_")] or any(
            p.kind != "word" and words[0].pos[0] < p.pos[0] < words[-1].pos[1] for p in node.parts
        ):
            acc.leave(
                ctx,
                rule,
                lineno(node.pos[0]),
                script[node.pos[0] : node.pos[1]],
                "it becomes two commands, and the variables set or the redirection inside it "
                "would reach only one of them",
            )
            return None
        for r in t.rules:
            acc.rule(r)
        acc.diagnostics.extend(t.diagnostics)
        acc.adhoc.extend(t.adhoc_packages)
        acc.exports = True
        if assigned:
            acc.pip_vars_note(
                ctx,
                rule,
                [a.split("=", 1)[0] for a in assigned],
                lineno(node.pos[0]),
                script[node.pos[0] : node.pos[1]],
            )
        text = _quote(t.argv)
        return _Edit(words[0].pos[0], words[-1].pos[1], text if chain_ok else "{ " + text + "; }")

    def cannot_drop(node: Any) -> None:
        acc.diagnostics.append(
            ctx.diag(
                rule,
                Severity.WARNING,
                "left alone: this command is no longer needed but sits where it cannot be "
                "removed safely (a pipeline, `||` or a compound command)",
                lineno(node.pos[0]),
                script[node.pos[0] : node.pos[1]],
                hint="remove it by hand",
            )
        )

    def walk(node: Any, droppable: bool, chain_ok: bool = True) -> None:
        kind = node.kind
        if kind == "list":
            items = node.parts
            units = [p for p in items if p.kind != "operator"]
            ops = [p for p in items if p.kind == "operator"]
            plain = chain_ok and all(o.op in ("&&", ";", "\n") for o in ops)
            results = [handle_unit(u, plain) for u in units]
            drop = [d for d, _ in results]
            for (d, e), u in zip(results, units, strict=True):
                if e is not None:
                    edits.append(e)
                if d and not droppable:
                    cannot_drop(u)
            if not droppable or not any(drop):
                return
            # operators between units: only && and ; may lose a neighbour
            between: list[str] = []
            for a, b in itertools.pairwise(units):
                op = [o.op for o in ops if a.pos[1] <= o.pos[0] < b.pos[0]]
                between.append(op[0] if op else ";")
            if any(op not in ("&&", ";") for op in between):
                for d, u in zip(drop, units, strict=True):
                    if d:
                        cannot_drop(u)
                return
            if all(drop):
                edits.append(_Edit(node.pos[0], node.pos[1], ""))
                return
            i = 0
            while i < len(units):
                if not drop[i]:
                    i += 1
                    continue
                j = i
                while j + 1 < len(units) and drop[j + 1]:
                    j += 1
                if j + 1 < len(units):
                    edits.append(_Edit(units[i].pos[0], units[j + 1].pos[0], ""))
                else:
                    edits.append(_Edit(units[i - 1].pos[1], units[j].pos[1], ""))
                i = j + 1
            return
        if kind in ("command", "pipeline"):
            d, e = handle_unit(node, chain_ok)
            if e is not None:
                edits.append(e)
            if d:
                if droppable:
                    edits.append(_Edit(node.pos[0], node.pos[1], ""))
                else:
                    cannot_drop(node)
            return
        if kind == "compound":
            for p in node.list:
                if p.kind in ("list", "command", "pipeline", "compound", "if", "for", "while"):
                    walk(p, droppable=False)
            return
        for p in getattr(node, "parts", []):
            if p.kind in ("list", "command", "pipeline", "compound", "if", "for", "while", "until"):
                walk(p, droppable=False)

    for tree in trees:
        walk(tree, droppable=True)

    for e in edits:
        if e.text:
            continue
        # a removal that empties its whole line takes the line with it
        ls = script.rfind("\n", 0, e.start) + 1
        le = script.find("\n", e.end)
        le = len(script) if le == -1 else le
        if script[ls : e.start].strip(" \t") == "" and script[e.end : le].strip(" \t") == "":
            if le < len(script):
                e.start, e.end = ls, le + 1
            elif ls > 0:
                e.start, e.end = ls - 1, le

    out = script
    # apply edits from the end; overlapping edits (cannot happen by construction) are skipped
    last = len(script) + 1
    for e in sorted(edits, key=lambda x: (x.start, x.end), reverse=True):
        if e.end > last:
            if e.text or e.start >= last:
                continue
            e.end = last  # two removals that share a newline: remove the union
        out = out[: e.start] + e.text + out[e.end :]
        last = e.start
    if out.strip() == "" and script.strip():
        out = ""
    return ShellResult(
        out,
        tuple(acc.rules),
        tuple(acc.diagnostics),
        tuple(acc.adhoc),
        acc.installs,
        exports=acc.exports,
    )


_TOOL_WORDS = re.compile(r"\b(pip3?|uv|venv|pytest|install\.sh)\b")


def _mentions_tools(script: str) -> bool:
    return bool(_TOOL_WORDS.search(script))


__all__ = [
    "ArgvTranslation",
    "ShellContext",
    "ShellResult",
    "translate_argv",
    "translate_script",
]
