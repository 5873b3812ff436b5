"""The one gateway to subprocesses: finds uv (and pip), checks versions, scrubs the environment.

What a child process inherits is decided here, deliberately:

* ``VIRTUAL_ENV``, ``CONDA_PREFIX``, ``PYTHONPATH``/``PYTHONHOME``, ``PYENV_VERSION`` and every
  ``PIP_*``/``UV_*`` variable are removed, so a stray activated environment or a machine-wide
  pip setting cannot change what toolshift resolves;
* the user's *index configuration* is honoured, but only when passed on purpose: callers put the
  project's indexes into the project files, and may pass ``UV_INDEX_<NAME>_USERNAME`` /
  ``..._PASSWORD`` style credentials through ``extra_env``;
* everything logged or raised goes through :func:`toolshift.redact.redact_text`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from toolshift.errors import ToolError
from toolshift.redact import redact_text

UV_MIN_VERSION = (0, 8, 0)

_SCRUB_PREFIXES = ("PIP_", "UV_")
_SCRUB_NAMES = frozenset(
    {
        "VIRTUAL_ENV",
        "CONDA_PREFIX",
        "PYTHONPATH",
        "PYTHONHOME",
        "PYTHONSTARTUP",
        "PIPENV_ACTIVE",
        # Set by a pyenv shim that started toolshift; left in, it makes every other shim
        # (python3.12, ...) ignore the project's own .python-version and fail.
        "PYENV_VERSION",
    }
)
# Credentials for named uv indexes may pass through on purpose.
_PASS_THROUGH = re.compile(r"^UV_INDEX_[A-Z0-9_]+_(USERNAME|PASSWORD)$")


def scrubbed_env(
    extra_env: Mapping[str, str] | None = None, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment toolshift gives a child process (see the module docstring)."""

    src = os.environ if base is None else base
    env = {
        k: v
        for k, v in src.items()
        if k not in _SCRUB_NAMES and (not k.startswith(_SCRUB_PREFIXES) or _PASS_THROUGH.match(k))
    }
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    # Not UV_NO_CONFIG: it would also hide the project's own [tool.uv] (its indexes). Callers
    # that must keep user/system uv.toml out point XDG_CONFIG_* at an empty folder
    # (see toolshift.locking.lock_env).
    env["NO_COLOR"] = "1"
    if extra_env:
        env.update(extra_env)
    return env


@dataclass(frozen=True)
class Completed:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return redact_text((self.stdout + self.stderr).strip())


class Cancelled(ToolError):
    """The command was stopped through its :class:`CancelToken` (not an error of the tool)."""


class CancelToken:
    """Stops the commands :func:`run` starts with it, from another thread.

    :meth:`cancel` kills the running child and makes every later :func:`run` with this token
    raise :class:`Cancelled` at once (a background ``uv lock`` whose result is no longer
    wanted must not keep running, nor start its second pass).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[str] | None = None
        self.cancelled = False
        self.started = threading.Event()  # set once a command run with this token has started

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True
            if self._proc is not None and self._proc.poll() is None:
                self._proc.kill()

    def _attach(self, proc: subprocess.Popen[str] | None) -> None:
        with self._lock:
            if proc is not None and self.cancelled:
                proc.kill()
            self._proc = proc
            if proc is not None:
                self.started.set()


def run(
    args: Sequence[str],
    *,
    cwd: str | Path | None = None,
    extra_env: Mapping[str, str] | None = None,
    timeout: float = 600.0,
    check: bool = False,
    cancel: CancelToken | None = None,
) -> Completed:
    """Run a command with the scrubbed environment; never raises on a non-zero exit unless
    ``check``. A missing executable or a timeout raises :class:`ToolError`; a ``cancel``led
    run raises :class:`Cancelled`."""

    argv = [str(a) for a in args]
    if cancel is not None and cancel.cancelled:
        raise Cancelled(f"{Path(argv[0]).name} {' '.join(argv[1:2])}: cancelled")
    try:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=scrubbed_env(extra_env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise ToolError(
            f"cannot run {argv[0]!r}: not found", hint="install it, or put it on PATH"
        ) from None
    try:
        if cancel is not None:
            cancel._attach(proc)
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise ToolError(
                f"{redact_text(' '.join(argv))} did not finish within {timeout:.0f}s",
                hint="check network access to the package index, or raise the timeout",
            ) from None
        except BaseException:
            proc.kill()
            proc.wait()
            raise
    finally:
        if cancel is not None:
            cancel._attach(None)
    if cancel is not None and cancel.cancelled:
        raise Cancelled(f"{Path(argv[0]).name} {' '.join(argv[1:2])}: cancelled")
    done = Completed(tuple(argv), proc.returncode, stdout, stderr)
    if check and done.returncode != 0:
        raise ToolError(
            f"{Path(argv[0]).name} {' '.join(argv[1:3])} failed (exit {done.returncode})",
            output=done.output,
        )
    return done


def parse_version(text: str) -> tuple[int, ...]:
    m = re.search(r"(\d+)\.(\d+)\.(\d+)", text)
    if not m:
        return ()
    return tuple(int(x) for x in m.groups())


def _bundled_uv() -> str | None:
    try:
        from uv import find_uv_bin
    except ImportError:
        return None
    try:
        return str(find_uv_bin())
    except (FileNotFoundError, OSError):
        return None


def _bundled_version() -> tuple[int, ...]:
    """The version of the ``uv`` package whose binary :func:`_bundled_uv` found, from its
    ``dist-info`` folder name: what ``uv --version`` would say, without starting a process
    (every migrate needs uv, and its start is on the way to ``uv lock``). ``()`` when unsure."""

    try:
        import uv
    except ImportError:
        return ()
    found = [
        v
        for d in Path(uv.__file__).resolve().parent.parent.glob("uv-*.dist-info")
        if (v := parse_version(d.name))
    ]
    return found[0] if len(found) == 1 else ()


def candidate_uv_paths() -> list[str]:
    """Where uv is looked for, in order: ``TOOLSHIFT_UV``, the bundled binary, then PATH."""

    out: list[str] = []
    explicit = os.environ.get("TOOLSHIFT_UV")
    if explicit:
        out.append(explicit)
    bundled = _bundled_uv()
    if bundled:
        out.append(bundled)
    on_path = shutil.which("uv")
    if on_path:
        out.append(on_path)
    return out


@dataclass(frozen=True)
class UvInfo:
    path: str
    version: tuple[int, ...]

    @property
    def version_str(self) -> str:
        return ".".join(str(x) for x in self.version)


_uv_cache: UvInfo | None = None


def find_uv() -> UvInfo:
    """The first uv that runs and is new enough; a clear error otherwise."""

    global _uv_cache
    if _uv_cache is not None:
        return _uv_cache
    seen: list[str] = []
    bundled = _bundled_uv()
    for path in candidate_uv_paths():
        if path == bundled and "TOOLSHIFT_UV" not in os.environ:
            version = _bundled_version()
            if version >= UV_MIN_VERSION:
                _uv_cache = UvInfo(path, version)
                return _uv_cache
        try:
            done = run([path, "--version"], timeout=30)
        except ToolError:
            continue
        version = parse_version(done.stdout)
        if done.returncode != 0 or not version:
            continue
        if version < UV_MIN_VERSION:
            seen.append(f"{path} ({'.'.join(map(str, version))})")
            continue
        _uv_cache = UvInfo(path, version)
        return _uv_cache
    floor = ".".join(map(str, UV_MIN_VERSION))
    if seen:
        raise ToolError(
            f"uv is too old: found {', '.join(seen)}, need {floor} or newer",
            hint="upgrade it with `pip install -U uv` (toolshift's own install brings one)",
        )
    raise ToolError(
        "uv was not found",
        hint="reinstall toolshift (it depends on the `uv` package), or set TOOLSHIFT_UV",
    )
