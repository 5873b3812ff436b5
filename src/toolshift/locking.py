"""The ``uv lock`` post-action of ``migrate --to uv``, keeping the versions pinned today.

I/O edge after *apply* has written the files. ``uv lock`` prefers the versions already in
``uv.lock``, so today's pins survive a migration like this:

1. pins that ``pyproject.toml`` already states (``alpha==1.1.0`` in ``dependencies`` or in
   ``constraint-dependencies``) need nothing: uv must honour them;
2. the others (transitive pins of a pip-compile output, ``==`` pins of a dropped file) are added
   *for one run* as ``[tool.uv] constraint-dependencies``; uv resolves and writes ``uv.lock``;
3. the real ``pyproject.toml`` is put back byte for byte and ``uv lock`` runs again: the
   temporary constraints are gone from the lock's manifest, the versions stay (preferences).

A pin the new requirements rule out (``alpha>=2`` against ``alpha==1.1.0``) is left out of
step 2 so the others still hold; if the rest still cannot hold together (a transitive clash),
step 2 fails and toolshift locks without them. Either way every pinned package whose version
moved is named in a warning (``name old -> new``). ``uv lock`` failing on the real
project raises :class:`~toolshift.errors.ToolError` with uv's own explanation (apply rolls back).

The environment: the project's own ``[tool.uv]`` settings are honoured (that is where its
indexes now live); the user's and the system's ``uv.toml``, ``UV_*``/``PIP_*`` variables and an
activated virtualenv are not. ``UV_INDEX_<NAME>_USERNAME``/``_PASSWORD`` pass through.
"""

from __future__ import annotations

import re
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from toolshift import tools
from toolshift.errors import ToolError
from toolshift.model import (
    Detected,
    Diagnostic,
    Origin,
    PostAction,
    Severity,
    normalize_name,
)

LOCK_FILE = "uv.lock"
PYPROJECT = "pyproject.toml"


@dataclass(frozen=True)
class LockResult:
    versions: Mapping[str, str]  # normalised name -> version, as locked
    moved: tuple[tuple[str, str, str], ...] = ()  # (name, pinned before, locked now)
    kept: tuple[str, ...] = ()  # pinned packages that kept their version
    used_preferences: bool = False  # the two-pass lock with temporary constraints ran
    diagnostics: tuple[Diagnostic, ...] = ()
    output: str = ""  # uv's (redacted) output of the last run


def pins_for(detected: Detected) -> dict[str, str]:
    """Every version pinned today: ``Project.locked`` plus ``==`` pins in any group."""

    pins: dict[str, str] = dict(detected.project.locked)
    for g in detected.project.groups:
        for r in (*g.requirements, *g.constraints):
            v = r.pinned_version
            if v and not r.marker:
                pins.setdefault(r.key, v)
    return pins


def lock_env(config_home: str) -> dict[str, str]:
    """What ``uv lock`` gets on top of :func:`toolshift.tools.scrubbed_env`.

    ``UV_NO_CONFIG`` would hide the project's own ``[tool.uv]`` (its indexes, find-links,
    no-index) from uv, so it is turned off; user and system configuration stay out because
    both folders point at ``config_home``, whose ``uv/uv.toml`` is empty (uv takes the first
    system file it finds there, so ``/etc/uv/uv.toml`` is not read either).
    """

    folder = Path(config_home) / "uv"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "uv.toml").write_text("# toolshift: no user or system uv settings\n")

    return {
        "UV_NO_CONFIG": "0",
        "XDG_CONFIG_HOME": config_home,
        "XDG_CONFIG_DIRS": config_home,
        "UV_PYTHON_DOWNLOADS": "never",
    }


_LOCK_KEY = re.compile(r'(name|version) = "([^"\\]*)"')


def _scan_lock_versions(text: str) -> dict[str, str] | None:
    """:func:`read_lock_versions` for the layout uv writes, without parsing the whole TOML
    (wheel lists and hashes are most of a lock: a full parse costs ~25 ms per 40 packages).
    None when the text is not laid out the way uv writes it; the caller then parses it."""

    if "\r" in text or '"""' in text or "'''" in text:
        return None
    out: dict[str, str] = {}
    name: str | None = None
    version: str | None = None
    in_package = False

    def close() -> bool:
        if not in_package:
            return True
        if name is None:
            return False
        if name and version:
            out[normalize_name(name)] = version
        return True

    for line in text.split("\n"):
        if line.startswith("["):
            if not close():
                return None
            in_package = line == "[[package]]"
            if not in_package and line.replace(" ", "").replace('"', "") == "[[package]]":
                return None
            name = version = None
            continue
        if not in_package or not line.startswith(("name ", "version ", "name=", "version=")):
            continue
        m = _LOCK_KEY.fullmatch(line)
        if m is None:
            return None  # escapes, another spacing, a non-string value: let tomllib decide
        if m.group(1) == "name":
            if name is not None:
                return None
            name = m.group(2)
        else:
            if version is not None:
                return None
            version = m.group(2)
    if not close():
        return None
    return out


def read_lock_versions(text: str) -> dict[str, str]:
    """``name -> version`` of every package in a ``uv.lock`` (the project itself included)."""

    scanned = _scan_lock_versions(text)
    if scanned is not None:
        return scanned
    data = tomllib.loads(text)
    out: dict[str, str] = {}
    for pkg in data.get("package", []):
        name, version = pkg.get("name"), pkg.get("version")
        if name and version:
            out[normalize_name(str(name))] = str(version)
    return out


def _stated(pyproject_text: str) -> list[str]:
    data = tomllib.loads(pyproject_text)
    texts: list[str] = []
    project = data.get("project", {})
    texts += project.get("dependencies", [])
    for deps in project.get("optional-dependencies", {}).values():
        texts += deps
    for deps in data.get("dependency-groups", {}).values():
        texts += [d for d in deps if isinstance(d, str)]
    texts += data.get("tool", {}).get("uv", {}).get("constraint-dependencies", [])
    return [t for t in texts if isinstance(t, str)]


def excluded_pins(pyproject_text: str, pins: Mapping[str, str]) -> dict[str, str]:
    """Pins a requirement of the new pyproject rules out (``alpha>=2`` vs ``alpha==1.1.0``):
    asking uv to keep them would only make the whole resolution fail."""

    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.version import InvalidVersion, Version

    out: dict[str, str] = {}
    for t in _stated(pyproject_text):
        try:
            r = Requirement(t)
        except InvalidRequirement:
            continue
        key = normalize_name(r.name)
        if key not in pins or r.marker is not None:
            continue
        try:
            allowed = r.specifier.contains(Version(pins[key]), prereleases=True)
        except InvalidVersion:
            continue
        if not allowed:
            out[key] = pins[key]
    return out


def stated_pins(pyproject_text: str) -> dict[str, str]:
    """``==`` pins the pyproject itself states (dependencies, groups, extras, constraints)."""

    from packaging.requirements import InvalidRequirement, Requirement

    out: dict[str, str] = {}
    for t in _stated(pyproject_text):
        try:
            r = Requirement(t)
        except InvalidRequirement:
            continue
        specs = list(r.specifier)
        if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
            out[normalize_name(r.name)] = specs[0].version
    return out


def _uv_message(output: str) -> str:
    """uv's own explanation: the part from its first ``error:`` line on."""

    lines = output.splitlines()
    for i, line in enumerate(lines):
        if line.lstrip().lower().startswith("error:"):
            return "\n".join(lines[i:]).strip()
    return output.strip()


def _run_lock(
    uv: str,
    root: Path,
    args: Sequence[str],
    env: Mapping[str, str],
    timeout: float,
    cancel: tools.CancelToken | None = None,
) -> tools.Completed:
    return tools.run([uv, "lock", *args], cwd=root, extra_env=env, timeout=timeout, cancel=cancel)


def _with_constraints(pyproject: str, pins: Mapping[str, str]) -> str:
    from toolshift.renderers.pyproject import Dep, PyprojectEdits, render_pyproject

    edits = PyprojectEdits(
        name="",
        constraints=tuple(Dep(f"{name}=={version}") for name, version in sorted(pins.items())),
    )
    return render_pyproject(pyproject, edits).text


def compare(pins: Mapping[str, str], versions: Mapping[str, str]) -> LockResult:
    """Which pinned versions the lock kept and which moved (a warning names each)."""

    from packaging.version import InvalidVersion, Version

    moved: list[tuple[str, str, str]] = []
    kept: list[str] = []
    diags: list[Diagnostic] = []
    for name, old in sorted(pins.items()):
        new = versions.get(normalize_name(name))
        if new is None:
            continue  # no longer needed at all (e.g. only a dropped group used it)
        try:
            same = Version(old) == Version(new)
        except InvalidVersion:
            same = old == new
        if same:
            kept.append(name)
            continue
        moved.append((name, old, new))
        diags.append(
            Diagnostic(
                code="TS108",
                severity=Severity.WARNING,
                message=f"{name} {old} -> {new}: the version pinned before the migration "
                "moved in uv.lock",
                origin=Origin(LOCK_FILE),
                hint=f"if {old} matters, pin it: add {name}=={old} to [project] dependencies "
                "or [tool.uv] constraint-dependencies and run `uv lock`",
            )
        )
    return LockResult(
        versions=dict(versions), moved=tuple(moved), kept=tuple(kept), diagnostics=tuple(diags)
    )


def run_uv_lock(
    root: str | Path,
    action: PostAction | None = None,
    pins: Mapping[str, str] | None = None,
    *,
    extra_args: Sequence[str] = (),
    timeout: float = 600.0,
    cancel: tools.CancelToken | None = None,
) -> LockResult:
    """Run ``uv lock`` in ``root`` keeping ``pins`` (name -> version) where uv can.

    ``extra_args`` go to every ``uv lock`` run (``--offline``, ``--find-links DIR``); so do the
    action's own ``args``. Raises :class:`ToolError` with uv's explanation when locking fails,
    :class:`toolshift.tools.Cancelled` when ``cancel`` stopped it.
    """

    root = Path(root)
    uv = tools.find_uv().path
    args = [*(action.args if action else ()), *extra_args]
    pins = {normalize_name(k): v for k, v in (pins or {}).items()}
    pyproject_path = root / PYPROJECT
    original = pyproject_path.read_bytes() if pyproject_path.exists() else None
    diags: list[Diagnostic] = []
    used = False

    with tempfile.TemporaryDirectory(prefix="toolshift-uvcfg-") as cfg:
        env = lock_env(cfg)
        extra: dict[str, str] = {}
        if original is not None and pins:
            from toolshift.textio import decode, encode

            text, fmt = decode(original, PYPROJECT)
            stated = stated_pins(text)
            excluded = excluded_pins(text, pins)
            extra = {k: v for k, v in pins.items() if k not in stated and k not in excluded}
            if extra:
                try:
                    pyproject_path.write_bytes(encode(_with_constraints(text, extra), fmt))
                    first = _run_lock(uv, root, args, env, timeout, cancel)
                finally:
                    pyproject_path.write_bytes(original)
                if first.returncode == 0:
                    used = True
                else:
                    reason = _uv_message(first.output).splitlines()
                    diags.append(
                        Diagnostic(
                            code="TS108",
                            severity=Severity.WARNING,
                            message="today's pinned versions cannot all hold with the new "
                            "requirements; locked without them"
                            + (f" (uv: {reason[0]})" if reason else ""),
                            origin=Origin(LOCK_FILE),
                        )
                    )
        done = _run_lock(uv, root, args, env, timeout, cancel)
    if done.returncode != 0:
        message = _uv_message(done.output)
        first_line = message.splitlines()[0] if message else f"exit {done.returncode}"
        raise ToolError(
            f"uv lock failed: {first_line.removeprefix('error: ')}",
            output=message,
            hint="uv's explanation is above: fix what it names (a requirement, an index "
            "setting, a Python version uv cannot find), then run the migration again",
        )
    lock_path = root / LOCK_FILE
    if not lock_path.exists():
        raise ToolError(
            "uv lock succeeded but wrote no uv.lock", path=str(root), output=done.output
        )
    versions = read_lock_versions(lock_path.read_text(encoding="utf-8"))
    result = compare(pins, versions)
    return LockResult(
        versions=result.versions,
        moved=result.moved,
        kept=result.kept,
        used_preferences=used,
        diagnostics=(*diags, *result.diagnostics),
        output=done.output,
    )
