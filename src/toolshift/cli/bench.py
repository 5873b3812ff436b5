"""``toolshift bench``: pip against uv on one project, like with like, with a history."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # no import at run time: --help stays fast
    from pathlib import Path

    from rich.console import Console
    from rich.table import Table

    from toolshift.bench.scenarios import BenchResult
    from toolshift.bench.store import HistoryRun

EPILOG = """\
examples:
  toolshift bench path/to/service --runs 5
  toolshift bench . --find-links ./wheels --offline     local wheels, no network in the figures
  toolshift bench . --history                           earlier runs, median per scenario
  toolshift bench . --docker                            also image builds, before vs after

Scenarios, for pip, uv and uv with --compile-bytecode (what pip does by default):
  resolve        pip install --dry-run --ignore-installed --report - / uv pip compile
  install-cold   a fresh venv and an empty cache folder for every run
  install-warm   a fresh venv, the cache the warm-up filled
  no-op          everything already installed
  per category   each category's packages installed alone (--no-deps), cold and warm
  startup        first import of the entry module, and its peak memory
Venvs are made with `uv venv` outside the timed region; venv creation is its own figure.
The raw ratio is pip / uv, the fair ratio pip / uv+bytecode. Results are kept in
.toolshift/bench.sqlite; the chart goes to --out (default .toolshift/bench/).

With --docker, for each Dockerfile: a cold build (--no-cache), a cached rebuild, a rebuild
after the dependency file changed (a comment line; --docker-add REQ adds a package), and the
image size. "after" is the project as it is now, "before" the build context as the latest
applied migration (or --id) backed it up, rebuilt in a temporary folder (the project is not
touched). Base images missing from the engine are pulled before measuring, outside the
figures; the builds' own downloads are inside them. Image figures go to bench-images.png/.svg
beside the chart.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from toolshift.cli.common import add_format

    p = sub.add_parser(
        "bench",
        help="measure pip against uv on this project (resolve, installs, startup)",
        description="Measure pip against uv on the same Python, package set and index.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", nargs="?", default=".", help="the project folder (default: .)")
    p.add_argument("--runs", type=int, default=5, help="counted runs per figure (default: 5)")
    p.add_argument(
        "--category-runs",
        type=int,
        default=1,
        metavar="N",
        help="counted runs per category figure (default: 1)",
    )
    p.add_argument(
        "--python",
        help="the interpreter both tools install for (default: the X.Y the project states, "
        "else the one running toolshift)",
    )
    p.add_argument("--find-links", metavar="DIR", help="a folder of wheels for both tools")
    p.add_argument("--offline", action="store_true", help="no index at all (with --find-links)")
    p.add_argument("--entry", metavar="MODULE", help="module the startup figure imports")
    p.add_argument(
        "--requirements",
        action="append",
        default=[],
        metavar="FILE",
        help="measure these requirement files instead of the project's runtime set",
    )
    p.add_argument("--no-categories", action="store_true", help="skip the per-category figures")
    p.add_argument("--no-startup", action="store_true", help="skip the startup figures")
    p.add_argument(
        "--docker",
        action="store_true",
        help="also time image builds (cold, cached, after the dependency file changes) and "
        "image sizes with the Docker engine that is present (slow; DOCKER_HOST is honoured)",
    )
    p.add_argument(
        "--id",
        metavar="ID",
        help="with --docker: the journal entry the before images are rebuilt from "
        "(default: the latest applied one)",
    )
    p.add_argument(
        "--docker-add",
        metavar="REQ",
        help="with --docker: the dependency figure adds REQ (e.g. 'six==1.17.0') to a copy of "
        "the dependency file (requirements file: a new line; uv project: `uv add --no-sync`, "
        "which re-locks) instead of appending a comment line",
    )
    p.add_argument(
        "--out", metavar="DIR", help="where the chart goes (default: PATH/.toolshift/bench/)"
    )
    p.add_argument("--history", action="store_true", help="show earlier runs; measure nothing")
    add_format(p, ("human", "json"))


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from toolshift.cli.common import OK, emit_json
    from toolshift.errors import UsageError

    root = Path(args.path)
    if not root.is_dir():
        raise UsageError(f"no such folder: {args.path}", hint="give the project folder as PATH")
    if args.history:
        return _history(root, args.format)
    if (args.id or args.docker_add) and not args.docker:
        raise UsageError(
            "--id and --docker-add need --docker", hint="they are about the image figures"
        )
    from toolshift.bench.runner import run_bench
    from toolshift.bench.scenarios import BenchOptions

    options = BenchOptions(
        runs=args.runs,
        category_runs=args.category_runs,
        python=args.python,
        find_links=str(Path(args.find_links).absolute()) if args.find_links else None,
        offline=args.offline,
        entry=args.entry,
        categories=not args.no_categories,
        startup=not args.no_startup,
        docker=args.docker,
        docker_entry=args.id,
        docker_add=args.docker_add,
        requirements=tuple(args.requirements),
    )

    def progress(msg: str) -> None:
        print(f"  measuring {msg}", file=sys.stderr, flush=True)

    result = run_bench(root, options, progress=progress)

    from toolshift.bench.chart import write_chart, write_image_chart
    from toolshift.bench.store import save

    out_dir = Path(args.out) if args.out else root / ".toolshift" / "bench"
    png, svg = write_chart(result, out_dir)
    image_chart = write_image_chart(result, out_dir)
    run_id = save(root.absolute(), result)
    if args.format == "json":
        emit_json(
            "bench",
            {
                "run_id": run_id,
                **_to_dict(result),
                "chart": [str(png), str(svg)],
                "image_chart": [str(p) for p in image_chart] if image_chart else [],
            },
        )
        return OK
    _print_result(result, run_id, (png, svg), image_chart)
    return OK


def _to_dict(result: BenchResult) -> dict[str, object]:
    from toolshift.bench.images import image_statement

    return {
        "root": result.root,
        "started": result.started,
        "environment": result.environment.to_dict(),
        "package_source": result.package_source,
        "packages": list(result.packages),
        "runs": result.runs,
        "entry": result.entry,
        "series": [
            {
                "scenario": s.scenario.value,
                "variant": s.variant.value,
                "category": s.category,
                "times": list(s.times),
                "min": s.min if s.ok else None,
                "median": s.median if s.ok else None,
                "max": s.max if s.ok else None,
                "peak_rss_kib": s.peak_rss_kib,
                "packages": s.packages,
                "error": s.error,
            }
            for s in result.series
        ],
        "skipped": [{"what": s.what, "reason": s.reason} for s in result.skipped],
        "images": [
            {
                "dockerfile": i.dockerfile,
                "side": i.side,
                "cold_seconds": i.cold,
                "cached_seconds": i.cached,
                "dependency_changed_seconds": i.dependency_changed,
                "size_bytes": i.size_bytes,
                "dependency_file": i.dependency_file,
                "entry_id": i.entry_id,
                "base_images": list(i.base_images),
                "pulled": list(i.pulled),
                "fetched_in_build": list(i.fetched_in_build),
                "cache_mount": i.cache_mount,
                "dependency_change": i.dependency_change,
                "error": i.error,
            }
            for i in result.images
        ],
        "images_measured": image_statement(result.images, result.notes),
        "notes": list(result.notes),
        "total_seconds": result.total_seconds,
        "measured_seconds": result.measured_seconds,
        "prepare_seconds": result.prepare_seconds,
        "overhead_seconds": result.overhead_seconds,
    }


def _print_result(
    result: BenchResult,
    run_id: int,
    charts: tuple[Path, Path],
    image_chart: tuple[Path, Path] | None = None,
) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from toolshift.bench.images import image_statement
    from toolshift.bench.scenarios import (
        Scenario,
        Variant,
        fmt_seconds,
        measured_statement,
        summary_rows,
    )

    console = _console()
    console.print(f"[bold]toolshift bench[/] {escape(result.root)}  (run {run_id})")
    console.print("measured: " + escape(measured_statement(result)), soft_wrap=True)
    for note in result.notes:
        console.print(f"note: {escape(note)}", soft_wrap=True)

    def table(title: str, category: str = "") -> None:
        t = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
        for col in ("scenario", "pip", "uv", "uv+bytecode", "pip/uv", "pip/uv+bc"):
            t.add_column(col, justify="left" if col == "scenario" else "right")
        for r in summary_rows(result, category):
            t.add_row(r.label, r.pip, r.uv, r.uv_bytecode, r.raw, r.fair)
        console.print(t)

    table("median seconds (min-max); ratios: raw pip/uv, fair pip/uv+bytecode")
    venv = result.get(Scenario.VENV, Variant.UV)
    console.print(f"venv creation (uv venv, outside every install figure): {fmt_seconds(venv)}")
    for cat in result.categories():
        pkgs = next((s.packages for s in result.series if s.category == cat and s.packages), 0)
        table(f"category {cat}: {pkgs} package(s) installed alone (--no-deps)", cat)
    rss = [
        (s.variant.value, s.peak_rss_kib)
        for s in result.series
        if s.scenario is Scenario.STARTUP and s.ok and s.peak_rss_kib
    ]
    if rss:
        console.print(
            f"startup imports {escape(result.entry)} with PYTHONDONTWRITEBYTECODE=1; peak RSS: "
            + ", ".join(f"{v} {kib / 1024:.1f} MiB" for v, kib in rss)
        )
    for s in result.series:
        if s.error:
            label = f"{s.scenario.value} {s.variant.value}" + (
                f" [{s.category}]" if s.category else ""
            )
            console.print(f"[yellow]{escape(label)} failed[/]: {escape(s.error)}")
    if result.images:
        console.print(_image_table(result))
        console.print(
            "images measured: " + escape(image_statement(result.images, result.notes)),
            soft_wrap=True,
        )
    for im in result.images:
        if im.error:
            console.print(f"[yellow]docker image {escape(im.dockerfile)} ({im.side}) failed[/]:")
            console.print(escape(im.error))
    for sk in result.skipped:
        console.print(f"skipped {escape(sk.what)}: {escape(sk.reason)}")
    measured = result.measured_seconds
    share = 100 * result.overhead_seconds / measured if measured else 0.0
    own = max(0.0, result.overhead_seconds - result.prepare_seconds)
    console.print(
        f"time: {result.total_seconds:.1f} s in all, {measured:.1f} s inside measured commands; "
        f"overhead {result.overhead_seconds:.2f} s ({share:.1f}% of measured): "
        f"{result.prepare_seconds:.2f} s preparing clean states (uv venv, cache folders, pip), "
        f"{own:.2f} s toolshift's own bookkeeping; the temporary venvs and caches are "
        "deleted by a background process after the run"
    )
    console.print(f"chart: {charts[0]} and {charts[1]}")
    if image_chart:
        console.print(f"image chart: {image_chart[0]} and {image_chart[1]}")


def _image_table(result: BenchResult) -> Table:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from toolshift.bench.images import image_rows

    t = Table(
        title="docker images, before vs after the migration (one build each; before/after "
        "> 1x: after is faster or smaller)",
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    for col in ("Dockerfile", "figure", "before", "after", "before/after"):
        t.add_column(col, justify="left" if col in ("Dockerfile", "figure") else "right")
    for r in image_rows(result.images):
        t.add_row(escape(r.dockerfile), r.figure, r.before, r.after, r.ratio)
    return t


def _console() -> Console:
    import os

    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = 160  # piped or saved: no reason to squeeze the table
    return console


def _history(root: Path, fmt: str) -> int:
    from rich import box
    from rich.table import Table

    from toolshift.bench.scenarios import COMPARED, Scenario, Variant
    from toolshift.bench.store import load
    from toolshift.cli.common import OK, emit_json

    runs = load(root.absolute())
    if fmt == "json":
        emit_json("bench-history", {"runs": [{"id": h.id, **_to_dict(h.result)} for h in runs]})
        return OK
    console = _console()
    if not runs:
        console.print("no bench runs recorded yet; run `toolshift bench` first")
        return OK
    scenarios = (*COMPARED, Scenario.STARTUP)
    t = Table(
        title="bench history: median seconds pip / uv / uv+bytecode",
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    t.add_column("run", justify="right")
    t.add_column("when (UTC)")
    t.add_column("pip / uv")
    t.add_column("net")
    t.add_column("n", justify="right")
    for s in scenarios:
        t.add_column(s.value, justify="right")
    for h in runs:
        r = h.result
        cells = []
        for s in scenarios:
            parts = []
            for v in (Variant.PIP, Variant.UV, Variant.UV_BYTECODE):
                ser = r.get(s, v)
                if s is Scenario.RESOLVE and v is Variant.UV_BYTECODE:
                    continue
                parts.append("-" if ser is None or not ser.ok else f"{ser.median:.2f}")
            cells.append(" / ".join(parts))
        t.add_row(
            str(h.id),
            r.started.replace("T", " ")[:16],
            f"{r.environment.pip} / {r.environment.uv}",
            "yes" if r.environment.network else "no",
            str(r.runs),
            *cells,
        )
    console.print(t)
    with_images = [h for h in runs if h.result.images]
    if with_images:
        console.print(_image_history(with_images))
    return OK


def _image_history(runs: list[HistoryRun]) -> Table:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from toolshift.bench.images import FIGURES, image_pairs, image_rows

    t = Table(
        title="bench history, docker images: before -> after (seconds; size in MB)",
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    t.add_column("run", justify="right")
    t.add_column("when (UTC)")
    t.add_column("Dockerfile")
    t.add_column("before from")
    for _, label in FIGURES:
        t.add_column(label.removeprefix("build, ").removeprefix("build "), justify="right")
    for h in runs:
        rows = image_rows(h.result.images)
        for pair in image_pairs(h.result.images):
            mine = [r for r in rows if r.dockerfile == pair.dockerfile]
            t.add_row(
                str(h.id),
                h.result.started.replace("T", " ")[:16],
                escape(pair.dockerfile),
                pair.before.entry_id if pair.before else "-",
                *(f"{r.before} -> {r.after}" for r in mine),
            )
    return t
