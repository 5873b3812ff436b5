"""What toolshift adds on top of the lock it runs: end-to-end migrate vs ``uv lock`` alone.

For each run, on a fresh copy of a pip project:

1. ``toolshift migrate --to uv PROJECT --yes`` (detect, plan, write, journal, ``uv lock``), timed;
2. the ``uv.lock`` it produced is removed and ``uv lock`` alone is timed on the pyproject.toml
   toolshift wrote, with the same uv binary toolshift uses.

The figure is the ratio (1) / (2), median over the runs. Target: <= 1.10.

Offline (default): the project installs from a local wheelhouse of generated wheels
(``tests/wheelhouse.py``) through ``--no-index --find-links``, so nothing touches the network.
The lock of a small local wheelhouse is quick, so the fixed cost of starting toolshift weighs more
there than on a real project: the absolute overhead in ms is printed too.

With ``--network`` the project is a copy of ``examples/fastapi-service`` and both lock against
PyPI (metadata cached by uv after the warm-up run).

``--project DIR`` benchmarks any pip project instead (a copy of it; nothing in DIR is touched).

Each round also times ``migrate`` with ``TOOLSHIFT_SHADOW_LOCK=0`` (uv lock run after planning
and writing, in the project, the way toolshift locked before the shadow lock): the figure the
shadow lock is measured against. toolshift's own bytecode is compiled first (this machine sets
PYTHONDONTWRITEBYTECODE, so an install that was never compiled would recompile every run).

With ``--cold`` every run (toolshift's and uv's alike) starts from an empty uv cache, as the first
migration of a project on a new machine does: ``XDG_CACHE_HOME`` points at a fresh folder, which
toolshift passes on to uv (it scrubs ``UV_*``, so ``UV_CACHE_DIR`` would not reach it).

    uv run python benchmarks/bench_lock_overhead.py [--runs 5] [--network] [--cold] [--project DIR]
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from _common import (
    REPO,
    Result,
    base_parser,
    clean_env,
    finish,
    guarded,
    print_result,
    run,
    toolshift_cmd,
    uv_path,
)

TARGET_RATIO = 1.10
N_PACKAGES = 60


def build_offline_project(root: Path) -> Path:
    """A wheelhouse of N_PACKAGES linked packages and a pip project that pins 40 of them."""

    sys.path.insert(0, str(REPO / "tests"))
    from wheelhouse import WheelSpec, build_wheelhouse

    specs = []
    for i in range(N_PACKAGES):
        # Dependencies only point at higher numbers: a connected graph, no cycles.
        deps = tuple(f"bench-{j:03d}>=1.0" for j in (i + 1, i + 5, i * 2 + 3) if j < N_PACKAGES)
        for version in ("1.0.0", "1.1.0", "2.0.0"):
            specs.append(WheelSpec(f"bench-{i:03d}", version, requires=deps))
    wheels = build_wheelhouse(root / "wheels", specs)

    project = root / "template"
    project.mkdir()
    runtime = [
        "# Runtime dependencies, installed from the local wheelhouse only.",
        "--no-index",
        f"--find-links {wheels.as_posix()}",
        "",
    ]
    runtime += [f"bench-{i:03d}==1.1.0" for i in range(30)]
    dev = ["-r requirements.txt", ""]
    dev += [f"bench-{i:03d}==2.0.0" for i in range(30, 40)]
    (project / "requirements.txt").write_text("\n".join(runtime) + "\n", encoding="utf-8")
    (project / "requirements-dev.txt").write_text("\n".join(dev) + "\n", encoding="utf-8")
    py = f"{sys.version_info.major}.{sys.version_info.minor}"
    (project / ".python-version").write_text(py + "\n", encoding="utf-8")
    return project


def build_network_project(root: Path) -> Path:
    project = root / "template"
    shutil.copytree(
        REPO / "examples" / "fastapi-service",
        project,
        ignore=shutil.ignore_patterns(".venv", "__pycache__", ".toolshift", "uv.lock"),
    )
    # Lock for the interpreter running the benchmark (a fresh machine may lack 3.12).
    py = f"{sys.version_info.major}.{sys.version_info.minor}"
    (project / ".python-version").write_text(py + "\n", encoding="utf-8")
    return project


def locked_packages(lock: Path) -> set[tuple[str, str]]:
    doc = tomllib.loads(lock.read_text(encoding="utf-8"))
    return {(p["name"], str(p.get("version", ""))) for p in doc.get("package", [])}


def lock_phases(stderr: str) -> dict[str, float]:
    """From ``TOOLSHIFT_TIMINGS`` output: when uv lock started, how long it ran, and what
    came after it (ms)."""

    at: dict[str, float] = {}
    for line in stderr.split("toolshift timings", 1)[-1].splitlines()[1:]:
        ms, _, event = line.strip().partition("  ")
        try:
            at[event.split(" (")[0].split(",")[0]] = float(ms)
        except ValueError:
            continue
    if "uv lock started" not in at or "uv lock finished" not in at or "done" not in at:
        return {}
    return {
        "uv lock started after": at["uv lock started"],
        "uv lock ran (inside migrate)": at["uv lock finished"] - at["uv lock started"],
        "from uv lock finished to exit": at["done"] - at["uv lock finished"],
    }


def main() -> int:
    parser = base_parser(__doc__ or "", default_runs=5)
    parser.add_argument(
        "--network", action="store_true", help="lock the bundled example against PyPI"
    )
    parser.add_argument(
        "--cold", action="store_true", help="an empty uv cache for every run (default: warm)"
    )
    parser.add_argument("--project", type=Path, help="a pip project to copy and migrate")
    args = parser.parse_args()

    import compileall

    import toolshift

    compileall.compile_dir(Path(toolshift.__file__).parent, quiet=1)
    tmp = Path(tempfile.mkdtemp(prefix="toolshift-bench-lock-"))
    try:
        if args.project:
            template = tmp / "template"
            shutil.copytree(
                args.project,
                template,
                ignore=shutil.ignore_patterns(".venv", "__pycache__", ".toolshift", ".git"),
            )
        elif args.network:
            template = build_network_project(tmp)
        else:
            template = build_offline_project(tmp)
        uv = uv_path()
        migrate_s: list[float] = []
        serial_s: list[float] = []
        lock_s: list[float] = []

        def env_for(i: int, who: str) -> dict[str, str]:
            """--cold: an empty uv cache of its own for each run; else uv's usual cache."""

            if args.cold:
                return clean_env({"XDG_CACHE_HOME": str(tmp / f"cache-{i}-{who}")})
            return clean_env()

        phases: dict[str, list[float]] = {}

        def timed_migrate(work: Path, env: dict[str, str]) -> float:
            shutil.copytree(template, work)
            start = time.perf_counter()
            done = run(
                [*toolshift_cmd(), "migrate", "--to", "uv", str(work), "--yes"],
                env={**env, "TOOLSHIFT_TIMINGS": "1"},
            )
            elapsed = time.perf_counter() - start
            if env.get("TOOLSHIFT_SHADOW_LOCK") != "0":
                for name, ms in lock_phases(done.stderr).items():
                    phases.setdefault(name, []).append(ms)
            return elapsed

        for i in range(args.runs + 1):  # the first round warms uv's cache and is not counted
            serial = tmp / f"serial-{i}"
            t_serial = timed_migrate(serial, {**env_for(i, "serial"), "TOOLSHIFT_SHADOW_LOCK": "0"})
            shutil.rmtree(serial, ignore_errors=True)

            work = tmp / f"run-{i}"
            t_migrate = timed_migrate(work, env_for(i, "toolshift"))

            lock = work / "uv.lock"
            if not lock.exists():
                print("bench_lock_overhead: toolshift migrate did not produce uv.lock")
                return 2
            by_toolshift = locked_packages(lock)
            lock.unlink()

            start = time.perf_counter()
            run([uv, "lock"], cwd=work, env=env_for(i, "uv"))
            t_lock = time.perf_counter() - start

            if locked_packages(lock) != by_toolshift:
                print("bench_lock_overhead: toolshift's lock and uv's differ; not comparable")
                return 2
            if i > 0:
                migrate_s.append(t_migrate)
                serial_s.append(t_serial)
                lock_s.append(t_lock)
            shutil.rmtree(work, ignore_errors=True)
            for cache in tmp.glob("cache-*"):
                shutil.rmtree(cache, ignore_errors=True)

        ratios = [m / lk for m, lk in zip(migrate_s, lock_s, strict=True)]
        med = statistics.median(ratios)
        if args.project:
            source = f"{args.project.name}, its own indexes"
        else:
            source = "PyPI, examples/fastapi-service" if args.network else "offline wheelhouse"
        source += ", cold uv cache" if args.cold else ", warm uv cache"
        result = Result(
            name="lock-overhead",
            what=f"`toolshift migrate --to uv --yes` / `uv lock` alone ({source})",
            unit="x",
            median=med,
            minimum=min(ratios),
            maximum=max(ratios),
            runs=len(ratios),
            target=f"<= {TARGET_RATIO:.2f}",
            ok=med <= TARGET_RATIO,
        )
        result.details["toolshift migrate --yes"] = (
            f"median {statistics.median(migrate_s) * 1000:.0f} ms"
        )
        result.details["uv lock alone"] = f"median {statistics.median(lock_s) * 1000:.0f} ms"
        serial_ratio = statistics.median(s / lk for s, lk in zip(serial_s, lock_s, strict=True))
        result.details["migrate with TOOLSHIFT_SHADOW_LOCK=0"] = (
            f"median {statistics.median(serial_s) * 1000:.0f} ms ({serial_ratio:.3f}x)"
        )
        overhead = statistics.median(m - lk for m, lk in zip(migrate_s, lock_s, strict=True))
        result.details["absolute overhead"] = f"median {overhead * 1000:.0f} ms"
        for name, values in phases.items():
            if len(values) > 1:  # the warm-up round is left out, as for the other figures
                values = values[1:]
            result.details[name] = f"median {statistics.median(values):.0f} ms"
        result.details["packages locked"] = len(by_toolshift)
        print_result(result)
        return finish([result], args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(guarded(main))
