"""A Docker engine that is *present*: build, run, measure and remove images.

toolshift never starts an engine. It uses the one ``docker info`` reaches, through
:func:`toolshift.tools.run`, so ``DOCKER_HOST``, ``DOCKER_CONTEXT`` and ``DOCKER_CONFIG`` are
honoured (:func:`toolshift.tools.scrubbed_env` drops only ``PIP_*``/``UV_*`` and virtualenv
variables, so they pass through as they are).

The pure parts (the command lines, reading ``docker image inspect``, the command that asks an
image for ``--help``) are separate functions so they can be tested without an engine.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from toolshift import tools
from toolshift.errors import ToolError
from toolshift.redact import redact_text

if TYPE_CHECKING:
    from toolshift.verify import Check

DOCKER = "docker"
_TAIL = 40  # lines of output kept for a report
BUILD_ENV = {"DOCKER_BUILDKIT": "1"}
NO_BUILDX = "buildx component is missing"


@dataclass(frozen=True)
class BuildResult:
    seconds: float
    image_id: str  # "" when the build failed
    size_bytes: int  # 0 when the build failed
    output: str  # redacted tail of the build output
    ok: bool = True


@dataclass(frozen=True)
class ImageInfo:
    image_id: str
    size_bytes: int
    entrypoint: tuple[str, ...]
    cmd: tuple[str, ...]


def docker_cli() -> str:
    """The Docker client: ``TOOLSHIFT_DOCKER`` when set (a machine with two clients), else
    ``docker`` from PATH."""

    return os.environ.get("TOOLSHIFT_DOCKER") or DOCKER


def tail(text: str, lines: int = _TAIL) -> str:
    return "\n".join(redact_text(text).strip().splitlines()[-lines:])


def info_argv() -> list[str]:
    return [docker_cli(), "info", "--format", "{{.ServerVersion}}"]


def build_argv(context_dir: Path, dockerfile: Path, tag: str, *, no_cache: bool) -> list[str]:
    argv = [docker_cli(), "build", "--network", "host", "-f", str(dockerfile), "-t", tag]
    if no_cache:
        argv.append("--no-cache")
    argv.append(str(context_dir))
    return argv


def run_argv(tag: str, argv: Sequence[str]) -> list[str]:
    return [docker_cli(), "run", "--rm", "--network", "host", tag, *argv]


def skip_reason(done: tools.Completed) -> str | None:
    """None when ``docker info`` reached a server, else why not (one line)."""

    if done.returncode == 0 and done.stdout.strip():
        return None
    lines = [ln for ln in done.output.splitlines() if ln.strip()]
    why = lines[-1] if lines else f"exit {done.returncode}"
    return f"no Docker engine answers `docker info`: {why}"


def engine_available() -> str | None:
    """None when an engine answers, else the reason it does not (for a "skipped" line)."""

    try:
        done = tools.run(info_argv(), timeout=30)
    except ToolError as exc:
        return f"the docker command is not available ({exc.message})"
    return skip_reason(done)


def parse_inspect(text: str) -> ImageInfo:
    """Read ``docker image inspect TAG`` output (a JSON list of one object)."""

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ToolError("docker image inspect printed no JSON", output=tail(text)) from exc
    if isinstance(data, list):
        if not data:
            raise ToolError("docker image inspect found no image")
        data = data[0]
    if not isinstance(data, dict):
        raise ToolError("docker image inspect printed an unexpected shape", output=tail(text))
    config = data.get("Config") or {}
    entry = config.get("Entrypoint") or []
    cmd = config.get("Cmd") or []
    return ImageInfo(
        image_id=str(data.get("Id", "")),
        size_bytes=int(data.get("Size") or 0),
        entrypoint=tuple(str(x) for x in entry),
        cmd=tuple(str(x) for x in cmd),
    )


def help_args(info: ImageInfo) -> list[str]:
    """The ``docker run`` arguments that run the image's own command with ``--help`` appended
    (they replace CMD; an ENTRYPOINT stays). A shell-form CMD gets ``--help`` inside its
    ``sh -c`` string."""

    cmd = list(info.cmd)
    if len(cmd) == 3 and cmd[1] == "-c" and cmd[0] in ("/bin/sh", "sh", "/bin/bash", "bash"):
        return [cmd[0], "-c", cmd[2] + " --help"]
    if not cmd and not info.entrypoint:
        return []
    return [*cmd, "--help"]


def inspect(tag: str) -> ImageInfo:
    done = tools.run([docker_cli(), "image", "inspect", tag], timeout=60)
    if done.returncode != 0:
        raise ToolError(f"docker image inspect {tag} failed", output=tail(done.output))
    return parse_inspect(done.stdout)


def image_size(tag: str) -> int:
    return inspect(tag).size_bytes


def build(
    context_dir: Path, dockerfile: Path, tag: str, *, no_cache: bool, timeout: float = 1800
) -> BuildResult:
    start = time.perf_counter()
    done = tools.run(
        build_argv(context_dir, dockerfile, tag, no_cache=no_cache),
        cwd=context_dir,
        extra_env=BUILD_ENV,
        timeout=timeout,
    )
    if done.returncode != 0 and NO_BUILDX in done.output:
        # a client without the buildx plugin: the classic builder builds the same Dockerfile
        # (no RUN --mount); say so in the output
        done = tools.run(
            build_argv(context_dir, dockerfile, tag, no_cache=no_cache),
            cwd=context_dir,
            extra_env={"DOCKER_BUILDKIT": "0"},
            timeout=timeout,
        )
        done = tools.Completed(
            done.args,
            done.returncode,
            "(buildx is missing: built with the classic builder, DOCKER_BUILDKIT=0)\n"
            + done.stdout,
            done.stderr,
        )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        return BuildResult(seconds, "", 0, tail(done.output), ok=False)
    info = inspect(tag)
    return BuildResult(seconds, info.image_id, info.size_bytes, tail(done.output))


def run(tag: str, argv: Sequence[str], *, timeout: float = 300) -> tools.Completed:
    return tools.run(run_argv(tag, argv), timeout=timeout)


def remove(tag: str) -> None:
    tools.run([docker_cli(), "image", "rm", "-f", tag], timeout=120)


def temp_tag(prefix: str = "toolshift-verify") -> str:
    return f"{prefix}:{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class ImageOutcome:
    dockerfile: str
    ok: bool
    stage: str  # build | run | passed
    command: str
    build_seconds: float
    size_bytes: int
    output: str


def check_image(root: Path, rel: str, command: str | None) -> ImageOutcome:
    """Build ``root/rel`` (context: ``root``) under a temporary tag, run its command with
    ``--help`` appended (or ``command`` instead), remove the image."""

    tag = temp_tag()
    built = build(root, root / rel, tag, no_cache=False)
    if not built.ok:
        return ImageOutcome(rel, False, "build", "", built.seconds, 0, built.output)
    try:
        args = shlex.split(command) if command else help_args(inspect(tag))
        shown = shlex.join(args) if args else "(the image's default command)"
        done = run(tag, args)
        ok = done.returncode == 0
        out = tail(done.output)
        if not ok:
            out = f"exit {done.returncode}\n{out}"
        return ImageOutcome(
            rel, ok, "passed" if ok else "run", shown, built.seconds, built.size_bytes, out
        )
    finally:
        remove(tag)


def images_check(root: Path, dockerfiles: Sequence[str], command: str | None) -> Check:
    """``verify --docker``: build each Dockerfile as it is now and run its image; skipped (with
    the reason) when no Docker engine answers."""

    from toolshift.verify import Check, CheckStatus

    if not dockerfiles:
        return Check("docker-images", CheckStatus.SKIPPED, "no Dockerfile in the project")
    why = engine_available()
    if why is not None:
        return Check("docker-images", CheckStatus.SKIPPED, why)
    start = time.perf_counter()
    outcomes = [check_image(root, rel, command) for rel in dockerfiles]
    details = tuple(
        f"{o.dockerfile}: "
        + (
            f"built in {o.build_seconds:.1f}s ({o.size_bytes / 1e6:.0f} MB), `{o.command}` exited 0"
            if o.ok
            else ("the build failed" if o.stage == "build" else f"`{o.command}` failed")
        )
        for o in outcomes
    )
    failed = [o for o in outcomes if not o.ok]
    seconds = time.perf_counter() - start
    if failed:
        return Check(
            "docker-images",
            CheckStatus.FAILED,
            f"{len(failed)} of {len(outcomes)} image(s) failed to build or run",
            details=details,
            output="\n\n".join(f"{o.dockerfile}:\n{o.output}" for o in failed),
            seconds=seconds,
        )
    return Check(
        "docker-images",
        CheckStatus.PASSED,
        f"{len(outcomes)} image(s) built and ran",
        details=details,
        seconds=seconds,
    )


# --------------------------------------------------------------------------- image figures

DEPENDENCY_CHANGE = (
    "the dependency file changed (a comment line appended in a temporary copy), so its COPY "
    "layer and every later layer rebuilt; no package was added"
)


@dataclass(frozen=True)
class ImageFigures:
    """Build times of one Dockerfile (seconds) and the image's size."""

    dockerfile: str
    cold: float  # --no-cache
    cached: float  # the same build again
    dependency_changed: float  # after DEPENDENCY_CHANGE
    size_bytes: int
    error: str = ""  # why a figure is missing (redacted build output tail)
    side: str = "after"  # "before": the Dockerfile and files as a journal entry backed them up
    dependency_file: str = ""  # the file DEPENDENCY_CHANGE was made to
    entry_id: str = ""  # the journal entry a "before" build context was rebuilt from
    base_images: tuple[str, ...] = ()  # FROM / COPY --from images (stages left out)
    pulled: tuple[str, ...] = ()  # absent from the engine: pulled before the clock started
    fetched_in_build: tuple[str, ...] = ()  # absent and not pullable first: inside `cold`
    cache_mount: bool = False  # RUN --mount=type=cache: --no-cache does not empty it
    dependency_change: str = ""  # what was done to the dependency file ("" = DEPENDENCY_CHANGE)


_FROM = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", re.I)
_COPY_FROM = re.compile(r"^\s*COPY\s+(?:--\S+\s+)*?--from=(\S+)", re.I)
_GLOBAL_ARG = re.compile(r"^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+)\s*$", re.I)
_CACHE_MOUNT = re.compile(r"--mount=(?:\S*,)?type=cache", re.I)


def base_images(text: str) -> list[str]:
    """The images a Dockerfile builds on (pure): ``FROM`` and ``COPY --from=`` names, stage
    names, ``scratch`` and stage numbers left out, an ``ARG NAME=default`` above the first
    ``FROM`` substituted as the engine would. A name still holding ``$`` is left out."""

    args: dict[str, str] = {}
    stages: set[str] = set()
    found: list[str] = []
    seen_from = False
    for line in text.splitlines():
        m = _FROM.match(line)
        if m:
            seen_from = True
            names = [m.group(1)]
            if m.group(2):
                stages.add(m.group(2).lower())
        elif not seen_from and (a := _GLOBAL_ARG.match(line)):
            args[a.group(1)] = a.group(2).strip("\"'")
            continue
        elif c := _COPY_FROM.match(line):
            names = [c.group(1)]
        else:
            continue
        for name in names:
            name = re.sub(
                r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)",
                lambda v: args.get(v.group(1) or v.group(2), v.group(0)),
                name,
            )
            low = name.lower()
            if low in stages or low == "scratch" or name.isdigit() or "$" in name:
                continue
            if name not in found:
                found.append(name)
    return found


def uses_cache_mount(text: str) -> bool:
    return _CACHE_MOUNT.search(text) is not None


def has_image(name: str) -> bool:
    return tools.run([docker_cli(), "image", "inspect", name], timeout=60).returncode == 0


def pull(name: str, timeout: float = 900) -> bool:
    return tools.run([docker_cli(), "pull", name], timeout=timeout).returncode == 0


def server_version() -> str:
    """The engine's version (``docker info``), "" when it does not say."""

    try:
        done = tools.run(info_argv(), timeout=30)
    except ToolError:
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def _copy_context(root: Path, dest: Path) -> Path:
    import shutil

    skip = shutil.ignore_patterns(".git", ".venv", "venv", "__pycache__", ".toolshift")
    return Path(shutil.copytree(root, dest, ignore=skip, symlinks=True))


def image_figures(
    root: Path,
    dockerfile: str,
    dependency_file: str,
    *,
    side: str = "after",
    entry_id: str = "",
    copy: bool = True,
    change: Callable[[Path, str], str] | None = None,
) -> ImageFigures:
    """Measure ``root/dockerfile`` (context ``root``, copied to a temporary folder unless
    ``copy`` is False, when ``root`` is already a throwaway copy): a cold build, a cached
    rebuild, a rebuild after :data:`DEPENDENCY_CHANGE` to ``dependency_file``, and the image
    size. ``change(context, dependency_file)`` replaces :data:`DEPENDENCY_CHANGE` (e.g. adds a
    package; it runs outside the clock, returns what it did, raises :class:`ToolError` when it
    cannot). Base images the engine does not hold are pulled first, outside every figure
    (those that cannot be pulled are left to the build and named in ``fetched_in_build``). The
    image is removed afterwards."""

    import tempfile

    text = (root / dockerfile).read_text(encoding="utf-8", errors="replace")
    bases = tuple(base_images(text))
    pulled: list[str] = []
    fetched: list[str] = []
    for name in bases:
        if has_image(name):
            continue
        (pulled if pull(name) else fetched).append(name)
    blank = ImageFigures(
        dockerfile,
        0.0,
        0.0,
        0.0,
        0,
        side=side,
        dependency_file=dependency_file,
        entry_id=entry_id,
        base_images=bases,
        pulled=tuple(pulled),
        fetched_in_build=tuple(fetched),
        cache_mount=uses_cache_mount(text),
    )
    tag = temp_tag("toolshift-bench")
    with tempfile.TemporaryDirectory(prefix="toolshift-image-") as tmp:
        ctx = _copy_context(root, Path(tmp) / "ctx") if copy else root
        try:
            cold = build(ctx, ctx / dockerfile, tag, no_cache=True)
            if not cold.ok:
                return replace(blank, error=cold.output)
            cached = build(ctx, ctx / dockerfile, tag, no_cache=False)
            done = ""
            if change is None:
                dep = ctx / dependency_file
                with dep.open("a", encoding="utf-8", newline="") as fh:
                    fh.write("\n# toolshift bench: invalidates this file's image layer\n")
            else:
                try:
                    done = change(ctx, dependency_file)
                except ToolError as exc:
                    why = "\n".join(x for x in (exc.message, exc.output) if x)
                    return replace(
                        blank,
                        cold=cold.seconds,
                        cached=cached.seconds if cached.ok else 0.0,
                        size_bytes=cold.size_bytes,
                        dependency_change=f"the dependency change failed: {exc.message}",
                        error=tail(why),
                    )
            changed = build(ctx, ctx / dockerfile, tag, no_cache=False)
            failed = [b.output for b in (cached, changed) if not b.ok]
            # a figure whose build failed stays 0: only what was measured is reported
            return replace(
                blank,
                dependency_change=done,
                cold=cold.seconds,
                cached=cached.seconds if cached.ok else 0.0,
                dependency_changed=changed.seconds if changed.ok else 0.0,
                size_bytes=changed.size_bytes or cold.size_bytes,
                error=failed[0] if failed else "",
            )
        finally:
            remove(tag)
