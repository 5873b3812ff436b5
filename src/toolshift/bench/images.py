"""bench --docker: container image figures before and after a migration, side by side.

For each Dockerfile, one cold build (``--no-cache``), one cached rebuild, one rebuild after
the dependency file changed (:data:`toolshift.docker_engine.DEPENDENCY_CHANGE`) and the
image size, with the Docker engine that is present (:mod:`toolshift.docker_engine`).

* **after**: the Dockerfiles as they are now, built from a temporary copy of the project.
* **before**: the build context as it was before the latest applied migration (or ``--id``):
  a temporary copy of the project with every file the journal entry touched put back from its
  byte-for-byte backup (the old Dockerfile, requirements files, ``.dockerignore``; files the
  migration created removed), the rest of the tree as it is now. The project is never touched.

I/O: :func:`before_context` (copies) and :func:`measure_images` (the engine). Pure:
:func:`image_pairs`, :func:`image_rows`, :func:`image_statement`, used by the CLI, ``bench
--history`` and :mod:`toolshift.report.images`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from toolshift.bench.scenarios import Skipped

if TYPE_CHECKING:
    from toolshift.apply import JournalEntry
    from toolshift.docker_engine import ImageFigures

BEFORE = "before"
AFTER = "after"
SIDES = (BEFORE, AFTER)
# the file whose change stands for "a dependency was added", first one present
DEPENDENCY_FILES = ("uv.lock", "requirements.txt", "pyproject.toml", "setup.py")
WHAT = "docker image build"


# --------------------------------------------------------------------------- I/O


def before_context(root: Path, entry: JournalEntry, dest: Path) -> Path:
    """Copy the project to ``dest`` (no ``.toolshift``, VCS folders or virtualenvs) and put
    every path ``entry`` touched back as it was before it: backups restored byte for byte,
    files it created removed. Returns ``dest``; ``root`` is only read."""

    from toolshift.verify import copy_project, overlay_entry

    copy_project(root, dest)
    overlay_entry(dest, entry)
    return dest


def dependency_file(tree: Path) -> str | None:
    return next((f for f in DEPENDENCY_FILES if (tree / f).is_file()), None)


def _dockerfiles(tree: Path) -> list[str]:
    from toolshift.detect import detect
    from toolshift.model import FileRole

    return list(detect(tree, tolerant=True).project.files_with(FileRole.DOCKERFILE))


@dataclass(frozen=True)
class ImageRun:
    figures: tuple[ImageFigures, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


def add_requirement(requirement: str) -> Callable[[Path, str], str]:
    """The change behind the "after adding one dependency" figure, made in a build context
    copy (outside the clock): a requirements file gets ``requirement`` as a new last line (its
    newline style kept); a uv project (``uv.lock``, or ``pyproject.toml``) gets it through
    ``uv add --no-sync`` (pyproject.toml edited and uv.lock re-resolved by uv, with the
    project's own index settings; ``--frozen`` when there is no lock). Raises
    :class:`toolshift.errors.ToolError` when it cannot."""

    def change(ctx: Path, dep: str) -> str:
        from toolshift.docker_engine import tail
        from toolshift.errors import ToolError
        from toolshift.locking import lock_env
        from toolshift.tools import find_uv, run

        if dep in ("uv.lock", "pyproject.toml"):
            frozen = [] if (ctx / "uv.lock").is_file() else ["--frozen"]
            argv = [find_uv().path, "add", "--no-sync", "--quiet", *frozen, requirement]
            env = lock_env(str(ctx.parent / f"{ctx.name}-uv-config"))
            done = run(argv, cwd=ctx, extra_env=env, timeout=600)
            if done.returncode != 0:
                raise ToolError(f"uv add {requirement} failed", output=tail(done.output))
            what = "pyproject.toml" if frozen else "pyproject.toml and uv.lock"
            return f"{requirement} added with `uv add --no-sync` ({what})"
        if dep.endswith((".txt", ".in")):
            path = ctx / dep
            data = path.read_bytes()
            nl = b"\r\n" if b"\r\n" in data else b"\n"
            if data and not data.endswith(b"\n"):
                data += nl
            path.write_bytes(data + requirement.encode("utf-8") + nl)
            return f"{requirement} appended to {dep}"
        raise ToolError(f"toolshift cannot add a dependency to {dep}")

    return change


def measure_images(
    root: Path,
    *,
    entry_id: str | None = None,
    add: str | None = None,
    say: Callable[[str], None] = lambda _m: None,
) -> ImageRun:
    """Image figures of every Dockerfile before (from the journal) and after (now); what
    could not be measured comes back in ``skipped`` with the reason. ``add``: a requirement
    added (:func:`add_requirement`) for the dependency figure, instead of the comment line of
    :data:`toolshift.docker_engine.DEPENDENCY_CHANGE`. Raises
    :class:`toolshift.errors.JournalError` for an ``entry_id`` that names no applied entry."""

    import tempfile

    from toolshift.docker_engine import (
        DEPENDENCY_CHANGE,
        engine_available,
        image_figures,
        server_version,
    )
    from toolshift.verify import select_entry

    why = engine_available()
    if why is not None:
        return ImageRun(skipped=(Skipped(WHAT, why),))
    entry, no_entry = select_entry(root, entry_id)
    after_files = _dockerfiles(root)
    after_dep = dependency_file(root)
    skipped: list[Skipped] = []
    notes: list[str] = []
    version = server_version()
    if version:
        notes.append(f"image builds on Docker engine {version}")
    figures: list[ImageFigures] = []
    change = add_requirement(add) if add else None
    with tempfile.TemporaryDirectory(prefix="toolshift-before-image-") as tmp:
        before_files: list[str] = []
        before_dep: str | None = None
        before_root: Path | None = None
        if entry is None:
            skipped.append(
                Skipped(
                    f"{WHAT}, before the migration",
                    f"{no_entry}: only the Dockerfiles as they are now were measured",
                )
            )
        else:
            before_root = before_context(root, entry, Path(tmp) / "before")
            before_files = _dockerfiles(before_root)
            before_dep = dependency_file(before_root)
        if not after_files and not before_files:
            return ImageRun(skipped=(Skipped(WHAT, "no Dockerfile in the project"),))
        ordered = after_files + [f for f in before_files if f not in after_files]
        for rel in ordered:
            if before_root is not None and entry is not None:
                if rel not in before_files:
                    skipped.append(
                        Skipped(f"{WHAT}, before: {rel}", f"journal entry {entry.id} created it")
                    )
                elif before_dep is None:
                    skipped.append(
                        Skipped(f"{WHAT}, before: {rel}", "no dependency file before the migration")
                    )
                else:
                    say(f"docker image build, before: {rel}")
                    figures.append(
                        image_figures(
                            before_root,
                            rel,
                            before_dep,
                            side=BEFORE,
                            entry_id=entry.id,
                            change=change,
                        )
                    )
            if rel not in after_files:
                if entry is not None:
                    skipped.append(
                        Skipped(f"{WHAT}, after: {rel}", f"journal entry {entry.id} removed it")
                    )
            elif after_dep is None:
                skipped.append(
                    Skipped(
                        f"{WHAT}, after: {rel}",
                        "no dependency file (uv.lock, requirements.txt, ...)",
                    )
                )
            else:
                say(f"docker image build: {rel}")
                figures.append(image_figures(root, rel, after_dep, side=AFTER, change=change))
    deps = sorted({f.dependency_file for f in figures if f.dependency_file})
    if deps and not add:
        skipped.append(
            Skipped(
                f"{WHAT}, after a new dependency",
                f"measured instead: {', '.join(deps)}: {DEPENDENCY_CHANGE}",
            )
        )
    return ImageRun(tuple(figures), tuple(skipped), tuple(notes))


# --------------------------------------------------------------------------- pure summaries


@dataclass(frozen=True)
class ImagePair:
    dockerfile: str
    before: ImageFigures | None
    after: ImageFigures | None


def image_pairs(images: Sequence[ImageFigures]) -> list[ImagePair]:
    """One pair per Dockerfile path, in the order first seen."""

    order: list[str] = []
    sides: dict[tuple[str, str], ImageFigures] = {}
    for im in images:
        if im.dockerfile not in order:
            order.append(im.dockerfile)
        sides[(im.dockerfile, im.side)] = im
    return [ImagePair(d, sides.get((d, BEFORE)), sides.get((d, AFTER))) for d in order]


# (attribute, label); "size_bytes" is megabytes, everything else seconds
FIGURES: tuple[tuple[str, str], ...] = (
    ("cold", "build, cold (--no-cache)"),
    ("cached", "build, cached (nothing changed)"),
    ("dependency_changed", "build after the dependency file changed"),
    ("size_bytes", "image size"),
)


def fmt_image_seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def fmt_size(size_bytes: int) -> str:
    mb = size_bytes / 1e6
    return f"{mb:.1f} MB" if mb < 100 else f"{mb:.0f} MB"


def _value(im: ImageFigures | None, attr: str) -> float | None:
    """A figure, or None when it was not measured (0: its build, or the one before, failed)."""

    if im is None:
        return None
    value = float(getattr(im, attr))
    return value if value > 0 else None


def _cell(im: ImageFigures | None, attr: str) -> str:
    value = _value(im, attr)
    if value is None:
        return "failed" if im is not None and im.error else "-"
    return fmt_size(int(value)) if attr == "size_bytes" else fmt_image_seconds(value)


@dataclass(frozen=True)
class ImageRow:
    dockerfile: str
    figure: str
    before: str
    after: str
    ratio: str  # before / after: above 1 when the after image builds faster or is smaller


def image_rows(images: Sequence[ImageFigures]) -> list[ImageRow]:
    rows: list[ImageRow] = []
    for pair in image_pairs(images):
        for attr, label in FIGURES:
            b, a = _value(pair.before, attr), _value(pair.after, attr)
            ratio = "-" if b is None or a is None else f"{b / a:.1f}x"
            rows.append(
                ImageRow(
                    pair.dockerfile, label, _cell(pair.before, attr), _cell(pair.after, attr), ratio
                )
            )
    return rows


def _dependency_change(images: Sequence[ImageFigures]) -> str:
    said = [f"{im.side}: {im.dependency_change}" for im in images if im.dependency_change]
    plain = sorted({im.side for im in images if not im.dependency_change and not im.error})
    if plain or not said:
        comment = (
            "a comment line appended to the dependency file (its COPY layer and every later "
            "layer rebuild; no package is added)"
        )
        said.append(f"{', '.join(plain)}: {comment}" if said and plain else comment)
    return "a change made in a temporary copy: " + "; ".join(said)


def image_statement(images: Sequence[ImageFigures], notes: Sequence[str] = ()) -> str:
    """What the image figures include, in plain words, from what was recorded."""

    return "; ".join(image_statement_parts(images, notes))


def image_statement_parts(images: Sequence[ImageFigures], notes: Sequence[str] = ()) -> list[str]:
    """:func:`image_statement` as separate clauses (a report lists them)."""

    if not images:
        return []
    parts = [
        "one `docker build --network host` per figure with the engine `docker info` reaches"
        + next(
            (
                f" ({n.removeprefix('image builds on ')})"
                for n in notes
                if n.startswith("image builds on ")
            ),
            "",
        ),
        "cold is `--no-cache`, cached is the same build again, and the dependency figure "
        "rebuilds after " + _dependency_change(images),
        "network to the package index is included: whatever the build downloads (from the "
        "index, unless the Dockerfile installs from files in the build context) is inside "
        "the figures",
    ]
    bases = sorted({b for im in images for b in im.base_images})
    pulled = sorted({b for im in images for b in im.pulled})
    fetched = sorted({b for im in images for b in im.fetched_in_build})
    if bases:
        held = [b for b in bases if b not in pulled and b not in fetched]
        text = "base images: "
        said: list[str] = []
        if held:
            said.append(f"{', '.join(held)} already in the engine's image store, not pulled")
        if pulled:
            said.append(f"{', '.join(pulled)} pulled before measuring, outside every figure")
        if fetched:
            said.append(
                f"{', '.join(fetched)} could not be pulled first: its download is inside "
                "the cold figure"
            )
        parts.append(text + "; ".join(said))
    before = sorted({im.entry_id for im in images if im.side == BEFORE and im.entry_id})
    if before:
        parts.append(
            f"before is the build context as journal entry {', '.join(before)} backed it up "
            "(its files put back in a temporary copy, the rest of the tree as it is now)"
        )
    mounts = sorted({f"{im.dockerfile} ({im.side})" for im in images if im.cache_mount})
    if mounts:
        parts.append(
            f"{', '.join(mounts)} uses a BuildKit cache mount (RUN --mount=type=cache), which "
            "--no-cache does not empty: its cold figure reuses what that cache already held"
        )
    return parts
