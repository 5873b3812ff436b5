"""``uv lock`` started while toolshift is still planning, in a shadow copy of its inputs.

``uv lock`` is most of what ``migrate --to uv`` costs, and everything else toolshift does
(planning the Dockerfile, compose and CI edits, printing the plan, asking, journaling) does not
change what uv reads. So as soon as the new ``pyproject.toml`` is known, :class:`ShadowLock`
copies the few files ``uv lock`` reads (:data:`LOCK_INPUTS`, as they will be after the plan)
into a temporary folder and locks there, in a background thread, with the same
:func:`toolshift.locking.run_uv_lock` (pins kept the same way). Nothing in the project is
touched: the lock is a proposal until apply.

At apply time the caller compares the inputs of the finished plan with the ones the shadow
locked (:meth:`ShadowLock.matches`): equal bytes -> the shadow's ``uv.lock`` is written into the
project as the lock post-action's result (journaled, undoable, as ``uv lock``'s own write
would be); different (an ad hoc ``pip install`` in a Dockerfile added a dependency) -> the
shadow is cancelled and ``uv lock`` runs in the project as before.

The copy must lock exactly as the project would, so it is only used when nothing uv reads
depends on where the project lies (:func:`unsafe_reason`): no workspace, no path sources or
relative find-links/index paths, no ``file:`` references, no dynamic metadata (uv would build
the project), a ``requires-python`` when the project has a ``.venv`` (else uv takes the lower
bound from that interpreter, the copy from another one), and no ``pyproject.toml``,
``uv.toml`` or ``.python-version`` in a parent folder (uv would find and read them from the
project, not from the copy). ``TOOLSHIFT_SHADOW_LOCK=0`` turns it off.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from toolshift import timings, tools
from toolshift.errors import ToolError
from toolshift.locking import LOCK_FILE, PYPROJECT, LockResult, run_uv_lock
from toolshift.model import FileChange

# What `uv lock` reads from the project folder (and nothing else, under the rules above).
LOCK_INPUTS = (PYPROJECT, LOCK_FILE, "uv.toml", ".python-version", ".python-versions")
_ANCESTOR_FILES = ("pyproject.toml", "uv.toml", ".python-version", ".python-versions")
_RELATIVE_FILE_URL = re.compile(r"file:(?!///)")
# [tool.uv] settings that hold paths, resolved against the folder uv runs in.
_PATH_SETTINGS = ("cache-dir", "python-install-dir", "python-bin-dir", "workspace")


def enabled() -> bool:
    return os.environ.get("TOOLSHIFT_SHADOW_LOCK", "1") != "0"


def lock_inputs(
    root: str | Path, contents: Mapping[str, bytes], changes: Iterable[FileChange] = ()
) -> dict[str, bytes]:
    """The bytes of every file in :data:`LOCK_INPUTS` as they will be once ``changes`` are
    written (a deleted or absent file is left out)."""

    planned = {c.path: c.new for c in changes if c.path in LOCK_INPUTS}
    out: dict[str, bytes] = {}
    for name in LOCK_INPUTS:
        if name in planned:
            data = planned[name]
        elif name in contents:
            data = contents[name]
        else:
            try:
                data = (Path(root) / name).read_bytes()
            except OSError:
                data = None
        if data is not None:
            out[name] = data
    return out


def _is_relative_location(value: object) -> bool:
    if not isinstance(value, str):
        return False
    if "://" in value:
        return value.startswith("file://") and not value.startswith("file:///")
    return not os.path.isabs(value)


def _sources_with_paths(sources: Any) -> list[str]:
    out: list[str] = []
    if not isinstance(sources, dict):
        return out
    for name, entry in sources.items():
        entries = entry if isinstance(entry, list) else [entry]
        for e in entries:
            if isinstance(e, dict) and ("path" in e or e.get("workspace")):
                out.append(str(name))
    return out


def unsafe_reason(root: str | Path, inputs: Mapping[str, bytes]) -> str | None:
    """Why a copy of ``inputs`` might not lock like the project does; None when it will."""

    if PYPROJECT not in inputs:
        return "no pyproject.toml"
    if "uv.toml" in inputs:
        return "the project has a uv.toml"
    try:
        text = inputs[PYPROJECT].decode("utf-8-sig")
        data = tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return "pyproject.toml does not parse"
    if _RELATIVE_FILE_URL.search(text):
        return "a relative file: reference"
    project = data.get("project")
    if not isinstance(project, dict):
        return "no [project] table"
    if not project.get("requires-python") and (Path(root) / ".venv").exists():
        # uv takes the lower bound from the interpreter it finds, the project's .venv first.
        return "no requires-python, and a .venv whose interpreter uv would take it from"
    if project.get("dynamic"):
        return "dynamic metadata (uv would build the project)"
    uv = data.get("tool", {}).get("uv", {})
    if not isinstance(uv, dict):
        return "[tool.uv] is not a table"
    for key in _PATH_SETTINGS:
        if key in uv:
            return f"[tool.uv] {key}"
    paths = _sources_with_paths(uv.get("sources"))
    if paths:
        return "path or workspace sources (" + ", ".join(paths) + ")"
    links = uv.get("find-links", [])
    if any(_is_relative_location(x) for x in (links if isinstance(links, list) else [links])):
        return "a relative find-links path"
    indexes = uv.get("index", [])
    for idx in indexes if isinstance(indexes, list) else []:
        if isinstance(idx, dict) and _is_relative_location(idx.get("url")):
            return "an index at a relative path"
    for key in ("index-url", "extra-index-url"):
        values = uv.get(key, [])
        values = values if isinstance(values, list) else [values]
        if any(_is_relative_location(v) for v in values):
            return f"a relative {key}"
    for folder in (Path(root).resolve(), Path(tempfile.gettempdir()).resolve() / "x"):
        for parent in folder.parents:
            for name in _ANCESTOR_FILES:
                if (parent / name).exists():
                    return f"{parent / name} (uv reads it from a parent folder)"
    return None


class ShadowLock:
    """One background ``uv lock`` of ``inputs`` in a temporary folder (see the module doc)."""

    def __init__(
        self,
        root: str | Path,
        inputs: Mapping[str, bytes],
        pins: Mapping[str, str],
        extra_args: Sequence[str] = (),
    ) -> None:
        self.root = Path(root)
        self.inputs = dict(inputs)
        self._pins = dict(pins)
        self._extra_args = tuple(extra_args)
        self._token = tools.CancelToken()
        self._result: tuple[LockResult, bytes] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._work, name="toolshift-shadow-lock", daemon=True
        )

    @classmethod
    def start(
        cls,
        root: str | Path,
        inputs: Mapping[str, bytes],
        pins: Mapping[str, str],
        extra_args: Sequence[str] = (),
    ) -> ShadowLock | None:
        """A running shadow lock, or None when the copy would not lock like the project."""

        if not enabled() or unsafe_reason(root, inputs) is not None:
            return None
        shadow = cls(root, inputs, pins, extra_args)
        shadow._thread.start()
        # Until uv runs, the thread's Python work (copy, settings, pins) would share the GIL
        # with the planning that follows and start uv later: let it run alone (a few ms).
        while not shadow._token.started.wait(0.005) and shadow._thread.is_alive():
            pass
        return shadow

    def _work(self) -> None:
        folder = tempfile.mkdtemp(prefix="toolshift-shadow-")
        try:
            for name, data in self.inputs.items():
                Path(folder, name).write_bytes(data)
            timings.mark("uv lock started (shadow copy)")
            result = run_uv_lock(
                folder, None, self._pins, extra_args=self._extra_args, cancel=self._token
            )
            timings.mark("uv lock finished (shadow copy)")
            self._result = (self._relocated(result, folder), Path(folder, LOCK_FILE).read_bytes())
        except ToolError as exc:  # uv's explanation names the project, not the copy
            exc.message = exc.message.replace(folder, str(self.root))
            exc.output = exc.output.replace(folder, str(self.root))
            if exc.path is not None:
                exc.path = exc.path.replace(folder, str(self.root))
            self._error = exc
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _relocated(self, result: LockResult, folder: str) -> LockResult:
        from dataclasses import replace

        return replace(result, output=result.output.replace(folder, str(self.root)))

    def matches(self, inputs: Mapping[str, bytes]) -> bool:
        """True when ``inputs`` (the finished plan's) are the bytes this shadow locked."""

        return dict(inputs) == self.inputs

    def result(self) -> tuple[LockResult, bytes]:
        """Wait for the lock: its result and the ``uv.lock`` bytes, or uv's error raised."""

        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    def cancel(self) -> None:
        """Stop the lock if it still runs and wait for the thread (the temp folder goes too)."""

        self._token.cancel()
        self._thread.join()
