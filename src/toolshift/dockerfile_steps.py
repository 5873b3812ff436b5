"""A Dockerfile's Python install steps, read and executed without a Docker engine.

Role in the pipeline: verify (read part pure, run part I/O). :func:`read_steps` walks a
Dockerfile with :func:`toolshift.rewriters.dockerfile.parse` and keeps only the commands it
recognises as Python installs: ``pip install`` (``-r``/``-c``/``-e``/``.``/names, through
``pip``, ``pipX.Y``, ``.venv/bin/pip`` or ``python -m pip``), ``uv pip install`` and
``uv sync``. Every other command of a RUN line (``apt-get``, ``curl | sh``, ``python -m venv``)
is *never* executed: it is listed in :attr:`StepsPlan.not_run`, for safety. The project files a
step needs are found from the COPY/ADD instructions (and ``--mount=type=bind``) above it in the
same stage; a needed file no instruction provides, an install flag that is not understood, or an
install that shell syntax hides (pipes, ``$(...)``, ``||``) make the plan not executable, and
:attr:`StepsPlan.problem` says why.

:func:`run_steps` lays the needed files out as the image would hold them (container paths below
a temporary folder), creates one environment with ``uv venv`` and runs the steps in it: pip
steps with the environment's own pip, uv steps with the uv toolshift uses (scrubbed environment,
:func:`toolshift.locking.lock_env`), each with the caller's ``--find-links``/``--offline``. It
returns what got installed, name -> version.
"""

from __future__ import annotations

import posixpath
import re
import shlex
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from toolshift import tools
from toolshift.errors import ToolError
from toolshift.model import normalize_name

_PIP_NAME = re.compile(r"^pip(\d+(\.\d+)?)?$")
_PYTHON_NAME = re.compile(r"^python(\d+(\.\d+)?)?$")
_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_PIP_SELF = frozenset({"pip", "setuptools", "wheel"})

# pip install / uv pip install options: takes a value?
_PIP_VALUE = frozenset(
    {
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "--trusted-host",
        "--only-binary",
        "--no-binary",
        "--upgrade-strategy",
        "--root-user-action",
        "--progress-bar",
        "--link-mode",
        "--index-strategy",
    }
)
_PIP_FILE = frozenset({"-r", "--requirement", "-c", "--constraint", "-e", "--editable"})
_PIP_BOOL = frozenset(
    {
        "--no-cache-dir",
        "--no-cache",
        "-U",
        "--upgrade",
        "--no-deps",
        "--require-hashes",
        "--no-compile",
        "--compile",
        "--compile-bytecode",
        "--prefer-binary",
        "--pre",
        "-q",
        "--quiet",
        "-v",
        "--verbose",
        "--no-input",
        "--disable-pip-version-check",
        "--no-build-isolation",
        "--break-system-packages",
        "--no-warn-script-location",
        "--ignore-installed",
        "--force-reinstall",
        "--no-index",
        "--system",  # uv pip install: verify points it at its environment instead
        "--user",  # pip: verify installs into its environment instead
    }
)
# Dropped: verify decides where things go.
_PIP_DROP = frozenset({"--system", "--user"})

_SYNC_VALUE = frozenset(
    {"--group", "--only-group", "--no-group", "--extra", "--package", "--link-mode", "--python"}
)
_SYNC_BOOL = frozenset(
    {
        "--locked",
        "--frozen",
        "--no-dev",
        "--dev",
        "--only-dev",
        "--no-install-project",
        "--no-install-workspace",
        "--no-editable",
        "--all-extras",
        "--all-groups",
        "--all-packages",
        "--no-default-groups",
        "--compile-bytecode",
        "--no-cache",
        "--inexact",
        "--exact",
        "--no-sources",
        "-q",
        "--quiet",
        "-v",
        "--verbose",
    }
)


class StepError(ToolError):
    """A step that ran and failed (the output is in ``output``)."""


@dataclass(frozen=True)
class InstallStep:
    """One recognised install command of a RUN line."""

    tool: str  # pip | uv
    args: tuple[str, ...]  # after the program: ("install", ...), ("sync", ...), ("pip", ...)
    line: int  # the RUN instruction's line
    workdir: str  # the container folder it runs in
    files: tuple[tuple[str, str], ...] = ()  # (container path, project path "" = root) it sees
    text: str = ""  # the command as written

    @property
    def kind(self) -> str:
        if self.tool == "pip":
            return "pip install"
        return "uv sync" if self.args[:1] == ("sync",) else "uv pip install"


@dataclass(frozen=True)
class StepsPlan:
    path: str
    steps: tuple[InstallStep, ...] = ()
    not_run: tuple[str, ...] = ()  # "line N: `cmd` (why)": commands never executed
    problem: str = ""  # why the steps cannot be executed; "" when they can

    @property
    def runnable(self) -> bool:
        return not self.problem and bool(self.steps)


def install_steps(dockerfile_text: str, path: str = "Dockerfile") -> list[InstallStep]:
    """The recognised pip/uv install commands of a Dockerfile, in order (see :func:`read_steps`
    for what was left out and why)."""

    return list(read_steps(dockerfile_text, path).steps)


# --------------------------------------------------------------------------- reading


@dataclass
class _Stage:
    workdir: str = "/"
    files: dict[str, str] = field(default_factory=dict)  # container path -> project path


def _cpath(workdir: str, p: str) -> str:
    return posixpath.normpath(posixpath.join(workdir, p))


def _project_path(p: str) -> str:
    rel = posixpath.normpath(p.lstrip("/"))
    return "" if rel == "." else rel


def _copy(stage: _Stage, sources: Sequence[str], dest: str) -> None:
    target = _cpath(stage.workdir, dest)
    many = len(sources) > 1 or dest.endswith("/") or dest in (".", "./")
    for src in sources:
        rel = _project_path(src)
        if rel == "" or rel.endswith("/*") or any(c in rel for c in "*?["):
            if rel == "":
                stage.files[target] = ""
            continue  # globs other than the whole context: not followed
        into = posixpath.join(target, posixpath.basename(rel)) if many else target
        stage.files[into] = rel


def _lookup(files: Mapping[str, str], cpath: str) -> str | None:
    """The project path behind a container path, through the closest mapped folder."""

    if cpath in files:
        return files[cpath]
    parent = cpath
    while parent not in ("/", ""):
        parent = posixpath.dirname(parent)
        if parent in files:
            base = files[parent]
            rest = posixpath.relpath(cpath, parent)
            return posixpath.join(base, rest) if base else rest
    return None


def _bind_mounts(flags: Sequence[str], workdir: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in flags:
        if not f.startswith("--mount="):
            continue
        parts: dict[str, str] = {}
        for kv in f[len("--mount=") :].split(","):
            key, _, value = kv.partition("=")
            parts[key] = value
        if parts.get("type") != "bind" or "from" in parts:
            continue
        target = parts.get("target") or parts.get("dst") or parts.get("destination")
        if target:
            out[_cpath(workdir, target)] = _project_path(parts.get("source", "."))
    return out


def _segments(body: str) -> list[list[str]] | None:
    """Commands of a shell body split on ``&&`` and ``;``; None when it cannot be tokenised."""

    lines = [ln for ln in body.split("\n") if not ln.lstrip().startswith("#")]
    text = re.sub(r"\\[ \t]*\n", " ", "\n".join(lines))
    lex = shlex.shlex(text, posix=True, punctuation_chars=";&|()<>")
    lex.whitespace_split = True
    lex.commenters = ""
    try:
        tokens = list(lex)
    except ValueError:
        return None
    out: list[list[str]] = [[]]
    for t in tokens:
        if t in ("&&", ";", "\n"):
            out.append([])
        else:
            out[-1].append(t)
    return [s for s in out if s]


def _program(words: list[str]) -> tuple[str, list[str]] | None:
    """("pip", args) | ("uv", args) | ("venv", []) for an install-related command, else None."""

    if not words:
        return None
    head = posixpath.basename(words[0])
    if _PIP_NAME.match(head):
        return "pip", words[1:]
    if _PYTHON_NAME.match(head) and len(words) > 2 and words[1] == "-m":
        if words[2] == "pip":
            return "pip", words[3:]
        if words[2] in ("venv", "virtualenv"):
            return "venv", []
    if head == "uv":
        if words[1:2] == ["venv"]:
            return "venv", []
        return "uv", words[1:]
    return None


def _split(arg: str) -> tuple[str, str | None]:
    if arg.startswith("--") and "=" in arg:
        name, value = arg.split("=", 1)
        return name, value
    return arg, None


def _check_pip(args: Sequence[str]) -> tuple[list[str], list[str], str]:
    """(kept args, local paths it needs, problem) of the words after ``install``."""

    kept: list[str] = []
    paths: list[str] = []
    names: list[str] = []
    i = 0
    while i < len(args):
        name, value = _split(args[i])
        i += 1
        if name in _PIP_FILE or name in _PIP_VALUE:
            if value is None:
                if i >= len(args):
                    return [], [], f"{name} without a value"
                value = args[i]
                i += 1
            if name in _PIP_FILE:
                paths.append(value)
            kept += [name, value]
        elif name in _PIP_BOOL:
            if name not in _PIP_DROP:
                kept.append(name)
        elif name.startswith("-"):
            return [], [], f"pip install option {name} is not understood"
        else:
            if name.startswith((".", "/")) or (
                "/" in name and not re.search(r"[=<>~@]", name) and "://" not in name
            ):
                paths.append(name)
            else:
                names.append(name)
            kept.append(name)
    if not paths and names and all(normalize_name(n) in _PIP_SELF for n in names):
        return [], [], "self-upgrade"
    return kept, paths, ""


def _check_sync(args: Sequence[str]) -> tuple[list[str], str]:
    kept: list[str] = []
    i = 0
    while i < len(args):
        name, value = _split(args[i])
        i += 1
        if name in _SYNC_VALUE:
            if value is None:
                if i >= len(args):
                    return [], f"{name} without a value"
                value = args[i]
                i += 1
            if name != "--python":  # verify decides the interpreter
                kept += [name, value]
        elif name in _SYNC_BOOL:
            kept.append(name)
        else:
            return [], f"uv sync option {name} is not understood"
    return kept, ""


def _copy_dest(logical: str) -> str:
    import json

    try:
        if logical.lstrip().startswith("["):
            words = [str(w) for w in json.loads(logical[logical.index("[") :])]
        else:
            words = [w for w in shlex.split(logical) if not w.startswith("--")]
    except ValueError:
        return ""
    return words[-1] if len(words) >= 2 else ""


def read_steps(dockerfile_text: str, path: str = "Dockerfile") -> StepsPlan:
    """The recognised install steps of a Dockerfile, what was not run, and any problem."""

    from toolshift.rewriters.dockerfile import _copy_from, _copy_sources, parse

    text = dockerfile_text.replace("\r\n", "\n").lstrip("\ufeff")
    try:
        parsed = parse(text)
    except ValueError as err:
        return StepsPlan(path, problem=f"{path} cannot be parsed: {err}")
    steps: list[InstallStep] = []
    not_run: list[str] = []
    problems: list[str] = []
    stage = _Stage()
    for it in parsed.items:
        kw = it.keyword.upper()
        if kw == "FROM":
            stage = _Stage()
        elif kw == "WORKDIR":
            stage.workdir = _cpath(stage.workdir, it.logical().strip().strip('"'))
        elif kw in ("COPY", "ADD") and _copy_from(it) is None:
            sources = _copy_sources(it)
            dest = _copy_dest(it.logical())
            if sources and dest:
                _copy(stage, sources, dest)
        elif kw == "RUN":
            _read_run(it, stage, path, steps, not_run, problems)
    return StepsPlan(path, tuple(steps), tuple(not_run), "; ".join(problems))


def _read_run(
    it: object,
    stage: _Stage,
    path: str,
    steps: list[InstallStep],
    not_run: list[str],
    problems: list[str],
) -> None:
    from toolshift.rewriters.dockerfile import Instr

    assert isinstance(it, Instr)
    where = f"{path}:{it.line}"
    body = it.body
    if it.heredoc or body.lstrip().startswith("["):
        if re.search(r"\b(pip|uv)\b", body):
            problems.append(f"{where}: an install in a heredoc or exec-form RUN is not read")
        else:
            not_run.append(f"line {it.line}: {_short(body)} (not an install)")
        return
    segments = _segments(body)
    if segments is None:
        if re.search(r"\b(pip|uv)\b", body):
            problems.append(f"{where}: the RUN line cannot be tokenised")
        return
    files = {**stage.files, **_bind_mounts(it.flags, stage.workdir)}
    for words in segments:
        cmd = " ".join(words)
        while words and _ASSIGN.match(words[0]):
            words = words[1:]
        prog = _program(words)
        special = [w for w in words if w in ("|", "||", "(", ")", "<", ">", ">>", "&")] or [
            w for w in words if "$(" in w or "`" in w
        ]
        if prog is None or prog[0] == "venv":
            why = "verify creates the environment" if prog else "not an install: never executed"
            not_run.append(f"line {it.line}: `{_short(cmd)}` ({why})")
            continue
        tool, args = prog
        if special:
            problems.append(f"{where}: `{_short(cmd)}` uses shell syntax verify does not run")
            continue
        needs: list[str] = []
        if tool == "pip" or args[:2] == ["pip", "install"]:
            rest = args[1:] if tool == "pip" else args[2:]
            if (args[:1] != ["install"]) and tool == "pip":
                not_run.append(f"line {it.line}: `{_short(cmd)}` (not an install)")
                continue
            kept, needs, problem = _check_pip(rest)
            if problem == "self-upgrade":
                not_run.append(f"line {it.line}: `{_short(cmd)}` (upgrades pip itself)")
                continue
            new_args = ("install", *kept) if tool == "pip" else ("pip", "install", *kept)
        elif args[:1] == ["sync"]:
            kept, problem = _check_sync(args[1:])
            needs = ["pyproject.toml"]
            if "--locked" in kept or "--frozen" in kept:
                needs.append("uv.lock")
            new_args = ("sync", *kept)
        else:
            not_run.append(f"line {it.line}: `{_short(cmd)}` (not an install)")
            continue
        if problem:
            problems.append(f"{where}: {problem}")
            continue
        missing = [n for n in needs if _lookup(files, _cpath(stage.workdir, n)) is None]
        if missing:
            problems.append(
                f"{where}: {', '.join(missing)} is not copied into the image before this step"
            )
            continue
        steps.append(
            InstallStep(tool, new_args, it.line, stage.workdir, tuple(sorted(files.items())), cmd)
        )


def _short(text: str, limit: int = 80) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 3] + "..."


# --------------------------------------------------------------------------- running


def _host(image: Path, cpath: str) -> Path:
    return image / cpath.lstrip("/")


def _lay_out(image: Path, project: Path, files: Sequence[tuple[str, str]], done: set[str]) -> None:
    """Copy the project paths a step sees to their container paths below ``image``."""

    from toolshift.verify import _ignore

    for cpath, rel in files:
        key = f"{cpath}\0{rel}"
        if key in done:
            continue
        done.add(key)
        src = project / rel if rel else project
        dest = _host(image, cpath)
        if src.is_dir():
            shutil.copytree(src, dest, ignore=_ignore, symlinks=True, dirs_exist_ok=True)
        elif src.is_file():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
        else:
            raise StepError(
                f"{rel} is not in the project, but the image copies it to {cpath}",
                hint="the build would stop at that COPY: fix the Dockerfile or restore the file",
            )


def _host_args(args: Sequence[str], image: Path, workdir: str) -> list[str]:
    """Absolute container paths in file options become host paths below ``image``."""

    out: list[str] = []
    for a in args:
        if a.startswith("/") and not a.startswith("//"):
            out.append(str(_host(image, a)))
        else:
            out.append(a)
    return out


@dataclass(frozen=True)
class StepsRun:
    installed: Mapping[str, str]  # normalised name -> version, seed packages left out
    commands: tuple[str, ...]
    seconds: float


def run_steps(
    plan: StepsPlan,
    project: Path,
    work: Path,
    *,
    python: str | None = None,
    find_links: Sequence[str | Path] = (),
    offline: bool = False,
    timeout: float = 900.0,
) -> StepsRun:
    """Execute ``plan``'s steps for the project folder ``project`` below ``work`` (a fresh
    folder). Raises :class:`StepError` when a step fails, ``ToolError`` when no environment
    can be made."""

    import time

    from toolshift.installers import get_installer, inspect_env
    from toolshift.locking import lock_env

    start = time.perf_counter()
    work.mkdir(parents=True, exist_ok=True)
    image = work / "image"
    image.mkdir()
    needs_pip = any(s.tool == "pip" for s in plan.steps)
    env = get_installer("pip" if needs_pip else "uv").create_env(
        work / "venv", python, offline=offline
    )
    seed = inspect_env(env).versions
    uv = tools.find_uv().path
    laid: set[str] = set()
    commands: list[str] = []
    for step in plan.steps:
        _lay_out(image, project, step.files, laid)
        cwd = _host(image, step.workdir)
        cwd.mkdir(parents=True, exist_ok=True)
        args = _host_args(step.args, image, step.workdir)
        sources: list[str] = []
        for d in find_links:
            sources += ["--find-links", str(d)]
        if step.tool == "pip":
            argv = [str(env.python), "-m", "pip", *args, "--no-input"]
            if offline:
                argv.append("--no-index")
            argv += sources
            extra = {"PIP_NO_INPUT": "1"}
            done = tools.run(argv, cwd=cwd, extra_env=extra, timeout=timeout)
        else:
            argv = [uv, *args[:2], "--python", str(env.python), *args[2:]]
            if args[:1] == ["sync"]:
                argv = [uv, "sync", "--python", str(env.python), *args[1:]]
            argv += sources + (["--offline"] if offline else [])
            with tempfile.TemporaryDirectory(prefix="toolshift-uvcfg-") as cfg:
                extra = {**lock_env(cfg), "UV_PROJECT_ENVIRONMENT": str(env.path)}
                done = tools.run(argv, cwd=cwd, extra_env=extra, timeout=timeout)
        shown = shlex.join(["pip" if step.tool == "pip" else "uv", *step.args])
        commands.append(shown)
        if done.returncode != 0:
            lines = [ln for ln in done.output.splitlines() if ln.strip()]
            errors = [ln for ln in lines if ln.lstrip().lower().startswith(("error", "×"))]
            first = (errors or lines or [f"exit {done.returncode}"])[0].strip()
            raise StepError(
                f"{plan.path}:{step.line}: `{step.text}` failed: {first}",
                output=done.output,
            )
    installed = {k: v for k, v in inspect_env(env).versions.items() if seed.get(k) != v}
    return StepsRun(installed, tuple(commands), round(time.perf_counter() - start, 3))
