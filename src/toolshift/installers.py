"""pip and uv behind one interface, for verify and bench (I/O edge, like pipx's backends).

An :class:`Installer` creates a throwaway environment, installs requirement files or syncs a uv
project into it, lists what got installed and runs ``pip check``. :class:`PipInstaller` runs
the pip *inside* the environment (pip alone, put there by ``uv pip install pip``; ``ensurepip``
when uv has no pip in its cache offline); :class:`UvInstaller` drives ``uv`` from outside with
``--python``. Environments are always created with ``uv venv``: it takes a fraction of a
second, and its time is never counted inside an install figure (each step returns its own
:class:`Step` with the seconds it took).

Every process goes through :func:`toolshift.tools.run`, so it gets the scrubbed environment
(no ``PIP_*``/``UV_*``/``VIRTUAL_ENV``, ``PIP_CONFIG_FILE=/dev/null``); uv also gets
:func:`toolshift.locking.lock_env`, so the project's own ``[tool.uv]`` (its indexes) counts
and the user's or system's ``uv.toml`` does not. Where packages come from for one run is
passed explicitly: ``find_links``, ``no_index``, ``offline`` (for pip, ``offline`` means
``--no-index``: pip has no cache-only mode).

A failed install raises :class:`~toolshift.errors.ToolError` whose ``output`` holds the tool's
(redacted) output.

Bench usage, all timings per step::

    inst = get_installer("uv")
    env = inst.create_env(tmp / "env", python="3.12")
    step = inst.install_requirements(env, ["requirements.txt"], cwd=root, cache_dir=cache,
                                     compile_bytecode=True)
    step.seconds
"""

from __future__ import annotations

import json
import os
import shlex
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from toolshift import tools
from toolshift.errors import ToolError
from toolshift.model import normalize_name
from toolshift.redact import redact_text

DEFAULT_TIMEOUT = 900.0

# Installer tooling an environment may hold that no project asked for.
SEED_PACKAGES = frozenset({"pip", "setuptools", "wheel"})


@dataclass(frozen=True)
class Env:
    """A virtual environment on disk."""

    path: Path

    @property
    def bin_dir(self) -> Path:
        return self.path / ("Scripts" if os.name == "nt" else "bin")

    @property
    def python(self) -> Path:
        return self.bin_dir / ("python.exe" if os.name == "nt" else "python")


@dataclass(frozen=True)
class Step:
    """One command an installer ran: what, how long, what it said (redacted)."""

    command: str
    seconds: float
    output: str = ""


@dataclass(frozen=True)
class Distribution:
    name: str  # as the metadata spells it
    version: str
    requires: tuple[str, ...] = ()  # Requires-Dist lines
    top_level: tuple[str, ...] = ()  # importable top-level modules it provides

    @property
    def key(self) -> str:
        return normalize_name(self.name)


@dataclass(frozen=True)
class EnvInfo:
    """What is inside an environment, read by its own interpreter."""

    python_version: str
    markers: Mapping[str, str] = field(default_factory=dict)  # PEP 508 marker environment
    distributions: tuple[Distribution, ...] = ()

    @property
    def versions(self) -> dict[str, str]:
        return {d.key: d.version for d in self.distributions}

    def get(self, name: str) -> Distribution | None:
        key = normalize_name(name)
        for d in self.distributions:
            if d.key == key:
                return d
        return None


@dataclass(frozen=True)
class CheckOutcome:
    ok: bool
    output: str
    command: str = ""


class Installer(Protocol):
    """pip or uv, seen the same way by verify and bench."""

    name: str

    def version(self, env: Env | None = None) -> str: ...

    def create_env(
        self,
        path: Path,
        python: str | None = None,
        *,
        cwd: Path | None = None,
        offline: bool = False,
        cache_dir: Path | None = None,
    ) -> Env: ...

    def install_requirements(
        self,
        env: Env,
        files: Sequence[str | Path],
        *,
        cwd: Path | None = None,
        find_links: Sequence[str | Path] = (),
        no_index: bool = False,
        offline: bool = False,
        cache_dir: Path | None = None,
        compile_bytecode: bool | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Step: ...

    def sync_project(
        self,
        env: Env,
        project_dir: Path,
        *,
        groups: Sequence[str] | None = None,
        locked: bool = True,
        frozen: bool = False,
        find_links: Sequence[str | Path] = (),
        no_index: bool = False,
        offline: bool = False,
        cache_dir: Path | None = None,
        compile_bytecode: bool | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Step: ...

    def installed(self, env: Env) -> dict[str, str]: ...

    def pip_check(self, env: Env) -> CheckOutcome: ...


# --------------------------------------------------------------------------- helpers


def _cmd(argv: Sequence[str | Path]) -> str:
    return redact_text(shlex.join(str(a) for a in argv))


def _uv() -> str:
    return tools.find_uv().path


def _run_uv(
    argv: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    extra_env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[tools.Completed, float]:
    from toolshift.locking import lock_env

    with tempfile.TemporaryDirectory(prefix="toolshift-uvcfg-") as cfg:
        env = {**lock_env(cfg), **(extra_env or {})}
        start = time.perf_counter()
        done = tools.run([str(a) for a in argv], cwd=cwd, extra_env=env, timeout=timeout)
        return done, time.perf_counter() - start


def _run_pip(
    argv: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    extra_env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[tools.Completed, float]:
    env = {"PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", **(extra_env or {})}
    start = time.perf_counter()
    done = tools.run([str(a) for a in argv], cwd=cwd, extra_env=env, timeout=timeout)
    return done, time.perf_counter() - start


def _failed(what: str, argv: Sequence[str | Path], done: tools.Completed) -> ToolError:
    lines = [ln for ln in done.output.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.lstrip().lower().startswith(("error", "×", "  ╰"))]
    first = (errors or lines or [f"exit {done.returncode}"])[0].strip()
    return ToolError(
        f"{what} failed: {first}",
        output=f"$ {_cmd(argv)}\n{done.output}",
        hint="the tool's own explanation is above",
    )


def _source_args(
    find_links: Sequence[str | Path], no_index: bool, offline: bool, *, pip: bool
) -> list[str]:
    args: list[str] = []
    for d in find_links:
        args += ["--find-links", str(d)]
    if no_index or (pip and offline):
        args.append("--no-index")
    if offline and not pip:
        args.append("--offline")
    return args


_INSPECT = r"""
import json, os, platform, sys
from importlib import metadata

def _fmt(info):
    v = "{0.major}.{0.minor}.{0.micro}".format(info)
    if info.releaselevel != "final":
        v += info.releaselevel[0] + str(info.serial)
    return v

def _top(d):
    text = d.read_text("top_level.txt")
    names = set()
    if text:
        names = {x.strip().replace("/", ".") for x in text.split() if x.strip()}
    else:
        for f in d.files or ():
            parts = f.parts
            if not parts or parts[0] in ("..", "__pycache__"):
                continue
            if parts[0].endswith((".dist-info", ".egg-info", ".data")):
                continue
            if len(parts) == 1:
                if parts[0].endswith(".py"):
                    names.add(parts[0][:-3])
                elif parts[0].endswith((".so", ".pyd")):
                    names.add(parts[0].split(".")[0])
            else:
                names.add(parts[0])
    return sorted(
        n for n in names
        if n.isidentifier() and not n.startswith(("__editable__", "_virtualenv"))
    )

dists = []
seen = set()
for d in metadata.distributions():
    name = d.metadata["Name"]
    if not name or name.lower() in seen:
        continue
    seen.add(name.lower())
    dists.append({"name": name, "version": d.version, "requires": list(d.requires or []),
                  "top_level": _top(d)})
markers = {
    "implementation_name": sys.implementation.name,
    "implementation_version": _fmt(sys.implementation.version),
    "os_name": os.name,
    "platform_machine": platform.machine(),
    "platform_release": platform.release(),
    "platform_system": platform.system(),
    "platform_version": platform.version(),
    "python_full_version": platform.python_version(),
    "platform_python_implementation": platform.python_implementation(),
    "python_version": ".".join(platform.python_version_tuple()[:2]),
    "sys_platform": sys.platform,
}
json.dump({"python": platform.python_version(), "markers": markers, "dists": dists}, sys.stdout)
"""


def inspect_env(env: Env, *, timeout: float = 120.0) -> EnvInfo:
    """Every distribution in ``env`` (name, version, requirements, top-level modules) and its
    marker environment, read by the environment's own interpreter."""

    argv = [str(env.python), "-I", "-c", _INSPECT]
    done = tools.run(argv, timeout=timeout)
    if done.returncode != 0:
        raise _failed(f"reading the environment {env.path}", argv, done)
    try:
        doc = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise _failed(f"reading the environment {env.path}", argv, done) from None
    dists = tuple(
        sorted(
            (
                Distribution(
                    name=str(d["name"]),
                    version=str(d["version"]),
                    requires=tuple(str(r) for r in d.get("requires", [])),
                    top_level=tuple(str(m) for m in d.get("top_level", [])),
                )
                for d in doc["dists"]
            ),
            key=lambda d: d.key,
        )
    )
    return EnvInfo(
        python_version=str(doc["python"]),
        markers={str(k): str(v) for k, v in doc["markers"].items()},
        distributions=dists,
    )


def python_version(env: Env) -> str:
    """The ``X.Y.Z`` of the environment's interpreter (from ``pyvenv.cfg``, no process)."""

    cfg = env.path / "pyvenv.cfg"
    try:
        for line in cfg.read_text(encoding="utf-8").splitlines():
            key, sep, value = line.partition("=")
            if sep and key.strip() in ("version_info", "version"):
                return value.strip()
    except OSError:
        pass
    return ""


def _uv_venv(
    path: Path,
    python: str | None,
    *,
    cwd: Path | None,
    offline: bool,
    cache_dir: Path | None,
) -> tools.Completed:
    argv: list[str | Path] = [_uv(), "venv", path, "--quiet"]
    if python:
        argv += ["--python", python]
    if cwd is None:
        argv.append("--no-project")
    if offline:
        argv.append("--offline")
    if cache_dir is not None:
        argv += ["--cache-dir", cache_dir]
    done, _ = _run_uv(argv, cwd=cwd, timeout=300)
    if done.returncode != 0:
        raise _failed("creating the environment", argv, done)
    return done


def _install_options(
    find_links: Sequence[str | Path],
    no_index: bool,
    offline: bool,
    compile_bytecode: bool | None,
    cache_dir: Path | None,
    *,
    pip: bool,
) -> list[str | Path]:
    """The index, bytecode and cache flags every install command shares."""

    out: list[str | Path] = [*_source_args(find_links, no_index, offline, pip=pip)]
    out += _compile_flag(compile_bytecode, pip=pip)
    if cache_dir is not None:
        out += ["--cache-dir", cache_dir]
    return out


def _compile_flag(compile_bytecode: bool | None, *, pip: bool) -> list[str]:
    if compile_bytecode is None:
        return []  # each tool's own default: pip compiles, uv does not
    if pip:
        return [] if compile_bytecode else ["--no-compile"]
    return ["--compile-bytecode"] if compile_bytecode else []


# --------------------------------------------------------------------------- uv


class UvInstaller:
    """``uv pip install`` / ``uv sync`` into an environment it is pointed at."""

    name = "uv"

    def version(self, env: Env | None = None) -> str:
        return tools.find_uv().version_str

    def create_env(
        self,
        path: Path,
        python: str | None = None,
        *,
        cwd: Path | None = None,
        offline: bool = False,
        cache_dir: Path | None = None,
    ) -> Env:
        _uv_venv(Path(path), python, cwd=cwd, offline=offline, cache_dir=cache_dir)
        return Env(Path(path))

    def install_requirements(
        self,
        env: Env,
        files: Sequence[str | Path],
        *,
        cwd: Path | None = None,
        find_links: Sequence[str | Path] = (),
        no_index: bool = False,
        offline: bool = False,
        cache_dir: Path | None = None,
        compile_bytecode: bool | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Step:
        argv: list[str | Path] = [_uv(), "pip", "install", "--python", env.python]
        for f in files:
            argv += ["-r", f]
        argv += _install_options(
            find_links, no_index, offline, compile_bytecode, cache_dir, pip=False
        )
        done, seconds = _run_uv(argv, cwd=cwd, timeout=timeout)
        if done.returncode != 0:
            raise _failed("uv pip install", argv, done)
        return Step(_cmd(argv), seconds, done.output)

    def sync_project(
        self,
        env: Env,
        project_dir: Path,
        *,
        groups: Sequence[str] | None = None,
        locked: bool = True,
        frozen: bool = False,
        find_links: Sequence[str | Path] = (),
        no_index: bool = False,
        offline: bool = False,
        cache_dir: Path | None = None,
        compile_bytecode: bool | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Step:
        """``uv sync`` of ``project_dir`` into ``env`` (``UV_PROJECT_ENVIRONMENT``).
        ``groups``: None = every dependency group, () = none, else those named."""

        argv: list[str | Path] = [_uv(), "sync", "--python", env.python]
        if frozen:
            argv.append("--frozen")
        elif locked:
            argv.append("--locked")
        argv += _group_args(groups)
        argv += _install_options(
            find_links, no_index, offline, compile_bytecode, cache_dir, pip=False
        )
        done, seconds = _run_uv(
            argv,
            cwd=project_dir,
            extra_env={"UV_PROJECT_ENVIRONMENT": str(env.path)},
            timeout=timeout,
        )
        if done.returncode != 0:
            raise _failed("uv sync", argv, done)
        return Step(_cmd(argv), seconds, done.output)

    def installed(self, env: Env) -> dict[str, str]:
        return inspect_env(env).versions

    def pip_check(self, env: Env) -> CheckOutcome:
        argv: list[str | Path] = [_uv(), "pip", "check", "--python", env.python]
        done, _ = _run_uv(argv, timeout=120)
        return CheckOutcome(done.returncode == 0, done.output, _cmd(argv))


def _group_args(groups: Sequence[str] | None) -> list[str]:
    if groups is None:
        return ["--all-groups"]
    if not groups:
        return ["--no-default-groups"]
    out = ["--no-default-groups"]
    for g in groups:
        out += ["--group", g]
    return out


# --------------------------------------------------------------------------- pip


class PipInstaller:
    """The environment's own pip (``python -m pip``), put there by uv from its cache."""

    name = "pip"

    def version(self, env: Env | None = None) -> str:
        if env is None:
            return ""
        # The dist-info folder names it; starting pip just to ask costs a second.
        for info in sorted(env.path.glob("[Ll]ib/*/site-packages/pip-*.dist-info")) + sorted(
            env.path.glob("Lib/site-packages/pip-*.dist-info")
        ):
            return info.name[len("pip-") : -len(".dist-info")]
        done = tools.run([str(env.python), "-m", "pip", "--version"], timeout=60)
        parts = done.stdout.split()
        return parts[1] if done.returncode == 0 and len(parts) > 1 else ""

    def create_env(
        self,
        path: Path,
        python: str | None = None,
        *,
        cwd: Path | None = None,
        offline: bool = False,
        cache_dir: Path | None = None,
    ) -> Env:
        path = Path(path)
        _uv_venv(path, python, cwd=cwd, offline=offline, cache_dir=cache_dir)
        env = Env(path)
        # pip alone (not `uv venv --seed`, which adds setuptools and wheel on Python < 3.12),
        # run from inside the environment so no project's [tool.uv] index settings apply.
        seed: list[str | Path] = [_uv(), "pip", "install", "--python", env.python, "pip"]
        if offline:
            seed.append("--offline")
        if cache_dir is not None:
            seed += ["--cache-dir", cache_dir]
        done, _ = _run_uv(seed, cwd=path, timeout=300)
        if done.returncode == 0:
            return env
        # uv takes pip from its cache or the index; offline with an empty cache it cannot,
        # while the interpreter's own ensurepip needs neither (slower, a few seconds).
        argv = [str(env.python), "-m", "ensurepip", "--default-pip"]
        seeded = tools.run(argv, timeout=300)
        if seeded.returncode != 0:
            raise ToolError(
                "cannot give the environment its own pip: uv could not seed it and "
                "ensurepip failed",
                output=f"{done.output}\n$ {_cmd(argv)}\n{seeded.output}",
                hint="run once with network access to the index so uv caches pip, or use a "
                "Python that ships ensurepip",
            )
        return env

    def install_requirements(
        self,
        env: Env,
        files: Sequence[str | Path],
        *,
        cwd: Path | None = None,
        find_links: Sequence[str | Path] = (),
        no_index: bool = False,
        offline: bool = False,
        cache_dir: Path | None = None,
        compile_bytecode: bool | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Step:
        argv: list[str | Path] = [env.python, "-m", "pip", "install", "--no-input"]
        for f in files:
            argv += ["-r", f]
        argv += _install_options(
            find_links, no_index, offline, compile_bytecode, cache_dir, pip=True
        )
        done, seconds = _run_pip(argv, cwd=cwd, timeout=timeout)
        if done.returncode != 0:
            raise _failed("pip install", argv, done)
        return Step(_cmd(argv), seconds, done.output)

    def sync_project(
        self,
        env: Env,
        project_dir: Path,
        *,
        groups: Sequence[str] | None = None,
        locked: bool = True,
        frozen: bool = False,
        find_links: Sequence[str | Path] = (),
        no_index: bool = False,
        offline: bool = False,
        cache_dir: Path | None = None,
        compile_bytecode: bool | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Step:
        """A uv project installed by pip: ``uv export`` of the lock (the project itself left
        out), then ``pip install -r`` of that. The seconds are pip's alone."""

        exported = Path(env.path) / "toolshift-export.txt"
        argv: list[str | Path] = [
            _uv(),
            "export",
            "--format",
            "requirements-txt",
            "--no-emit-project",
            "--no-header",
            "--output-file",
            exported,
        ]
        argv.append("--frozen" if frozen else "--locked" if locked else "--no-progress")
        argv += _group_args(groups)
        if offline:
            argv.append("--offline")
        done, _ = _run_uv(argv, cwd=project_dir, timeout=300)
        if done.returncode != 0:
            raise _failed("uv export", argv, done)
        return self.install_requirements(
            env,
            [exported],
            cwd=project_dir,
            find_links=find_links,
            no_index=no_index,
            offline=offline,
            cache_dir=cache_dir,
            compile_bytecode=compile_bytecode,
            timeout=timeout,
        )

    def installed(self, env: Env) -> dict[str, str]:
        return inspect_env(env).versions

    def pip_check(self, env: Env) -> CheckOutcome:
        argv: list[str | Path] = [env.python, "-m", "pip", "check"]
        done, _ = _run_pip(argv, timeout=120)
        return CheckOutcome(done.returncode == 0, done.output, _cmd(argv))


INSTALLERS: dict[str, type[UvInstaller] | type[PipInstaller]] = {
    "uv": UvInstaller,
    "pip": PipInstaller,
}


def get_installer(name: str) -> Installer:
    """``"pip"`` or ``"uv"``."""

    try:
        return INSTALLERS[name]()
    except KeyError:
        raise ToolError(
            f"no installer called {name!r}", hint=f"use one of {', '.join(INSTALLERS)}"
        ) from None
