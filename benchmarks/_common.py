"""Shared helpers for the benchmark scripts: a clean environment, timing, and the printed report.

Every benchmark runs toolshift (and uv) as a child process, the way a person does, so the figures
include interpreter start-up. The child environment leaves the machine's pip/uv configuration out
(``PIP_CONFIG_FILE=/dev/null``, no ``PIP_*``/``UV_*``/``VIRTUAL_ENV``, an empty config home for
uv, bytecode caching on): what is measured is toolshift, not whatever index or constraints file
the machine happens to carry.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / "benchmarks" / "out"

# PYTHONDONTWRITEBYTECODE too: with it, every run compiles every module from source again
# (~0.3 s for `migrate`), which a person's installed toolshift does not pay after its first run.
_SCRUB_NAMES = frozenset(
    {
        "VIRTUAL_ENV",
        "CONDA_PREFIX",
        "PYTHONPATH",
        "PYTHONHOME",
        "PYTHONSTARTUP",
        "PIPENV_ACTIVE",
        "PYTHONDONTWRITEBYTECODE",
    }
)


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment every measured child process gets (see the module docstring)."""

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in _SCRUB_NAMES and not k.startswith(("PIP_", "UV_"))
    }
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    # Not UV_NO_CONFIG: it would also hide the project's own [tool.uv] settings (indexes,
    # find-links), which toolshift writes and `uv lock` must see. An empty config home keeps
    # the user's and the system's uv.toml out instead.
    empty = OUT_DIR / "empty-config"
    empty.mkdir(parents=True, exist_ok=True)
    env["XDG_CONFIG_HOME"] = str(empty)
    env["XDG_CONFIG_DIRS"] = str(empty)
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env["NO_COLOR"] = "1"
    if extra:
        env.update(extra)
    return env


def toolshift_cmd() -> list[str]:
    """The installed ``toolshift`` script next to this interpreter, else ``python -m``."""

    script = Path(sys.executable).with_name("toolshift")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "toolshift"]


def uv_path() -> str:
    """The uv toolshift itself would run (its own discovery: TOOLSHIFT_UV, bundled, PATH)."""

    from toolshift.tools import find_uv

    return find_uv().path


class CommandFailed(RuntimeError):
    pass


def run(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    ok_codes: Sequence[int] = (0,),
    timeout: float = 600.0,
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        list(argv),
        cwd=cwd,
        env=dict(env) if env is not None else clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode not in ok_codes:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-30:])
        raise CommandFailed(f"{' '.join(argv)} exited {done.returncode}:\n{tail}")
    return done


def time_runs(
    argv: Sequence[str],
    *,
    runs: int,
    warmup: int = 1,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    ok_codes: Sequence[int] = (0,),
    setup: Callable[[], None] | None = None,
    cpu_out: list[float] | None = None,
) -> list[float]:
    """Wall-clock seconds of ``runs`` executions (after ``warmup`` untimed ones).

    ``setup`` runs before every execution, outside the timed part. ``cpu_out`` receives the CPU
    seconds (user + system) of each timed execution and its children: on a busy machine the
    wall time grows with the load, the CPU time much less.
    """

    times: list[float] = []
    for i in range(warmup + runs):
        if setup is not None:
            setup()
        before = _children_cpu()
        start = time.perf_counter()
        run(argv, cwd=cwd, env=env, ok_codes=ok_codes)
        elapsed = time.perf_counter() - start
        if i >= warmup:
            times.append(elapsed)
            if cpu_out is not None:
                cpu_out.append(_children_cpu() - before)
    return times


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Result:
    """One measured figure against its target."""

    name: str
    what: str
    unit: str  # "ms" or "x"
    median: float
    minimum: float
    maximum: float
    runs: int
    target: str  # e.g. "< 150 ms"
    ok: bool
    details: dict[str, object] = field(default_factory=dict)


def ms_result(
    name: str, what: str, seconds: list[float], limit_ms: float, cpu: list[float] | None = None
) -> Result:
    ms = [s * 1000 for s in seconds]
    med = statistics.median(ms)
    details: dict[str, object] = {}
    if cpu:
        details["CPU time (user+sys, incl. children)"] = (
            f"median {statistics.median(cpu) * 1000:.1f} ms"
        )
    return Result(
        name=name,
        what=what,
        unit="ms",
        median=med,
        minimum=min(ms),
        maximum=max(ms),
        runs=len(ms),
        target=f"< {limit_ms:g} ms",
        ok=med < limit_ms,
        details=details,
    )


def environment() -> dict[str, str]:
    uv = shutil.which("uv") or ""
    try:
        uv = uv_path()
        uv_version = run([uv, "--version"]).stdout.strip()
    except Exception as exc:  # a benchmark still reports what it can
        uv_version = f"unknown ({exc})"
    from toolshift import __version__

    return {
        "toolshift": __version__,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "uv": uv_version,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": str(os.cpu_count()),
        "load average (1, 5, 15 min)": load_average(),
    }


def load_average() -> str:
    """Other work on the machine skews every figure; the JSON and the summary say how much."""

    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def print_result(r: Result) -> None:
    if r.unit == "ms":
        figures = f"median {r.median:.1f} ms   min {r.minimum:.1f} ms   max {r.maximum:.1f} ms"
    else:
        figures = f"median {r.median:.3f}x   min {r.minimum:.3f}x   max {r.maximum:.3f}x"
    verdict = "met" if r.ok else "MISSED"
    print(f"{r.name}: {r.what} ({r.runs} runs)")
    print(f"  {figures}")
    for key, value in r.details.items():
        print(f"  {key}: {value}")
    print(f"  target {r.target}: {verdict}")


def base_parser(description: str, default_runs: int) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--runs",
        type=int,
        default=default_runs,
        help=f"timed runs (default: {default_runs})",
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a target is missed (default: 0)"
    )
    return parser


def finish(results: list[Result], args: argparse.Namespace) -> int:
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        doc = {
            "environment": environment(),
            "results": [asdict(r) for r in results],
        }
        args.json.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    if args.strict and not all(r.ok for r in results):
        return 1
    return 0


_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)\s*$")


@dataclass(frozen=True)
class ImportRow:
    module: str
    self_us: int
    cumulative_us: int
    depth: int


def parse_importtime(stderr: str) -> list[ImportRow]:
    rows: list[ImportRow] = []
    for line in stderr.splitlines():
        m = _LINE.match(line)
        if m:
            depth = (len(m.group(3)) - 1) // 2
            rows.append(ImportRow(m.group(4), int(m.group(1)), int(m.group(2)), depth))
    return rows


def by_package(rows: list[ImportRow]) -> list[tuple[str, int, int]]:
    """(top-level package, summed self time in us, modules imported), largest first."""

    total: dict[str, int] = defaultdict(int)
    count: dict[str, int] = defaultdict(int)
    for r in rows:
        root = r.module.split(".")[0]
        total[root] += r.self_us
        count[root] += 1
    return sorted(((k, total[k], count[k]) for k in total), key=lambda t: -t[1])


def importtime_report(toolshift_args: Sequence[str], top: int = 10) -> tuple[int, list[str]]:
    """Total import time (us) of ``toolshift ARGS`` and printable lines of the worst offenders,
    by top-level package. Median of three runs per package, so one noisy run does not decide.
    """

    samples: list[list[ImportRow]] = []
    for _ in range(3):
        done = run(
            [sys.executable, "-X", "importtime", "-m", "toolshift", *toolshift_args],
            env=clean_env(),
        )
        samples.append(parse_importtime(done.stderr))
    totals = [sum(r.self_us for r in rows) for rows in samples]
    per_pkg: dict[str, list[int]] = defaultdict(list)
    mods: dict[str, int] = {}
    for rows in samples:
        for name, us, n in by_package(rows):
            per_pkg[name].append(us)
            mods[name] = n
    ranked = sorted(per_pkg, key=lambda k: -statistics.median(per_pkg[k]))
    lines = []
    for name in ranked[:top]:
        kind = "stdlib" if name in sys.stdlib_module_names or name.startswith("_") else "3rd-party"
        if name == "toolshift":
            kind = "toolshift"
        med = statistics.median(per_pkg[name]) / 1000
        lines.append(f"{name:<24} {med:7.1f} ms  {mods[name]:4d} modules  ({kind})")
    return int(statistics.median(totals)), lines


def print_with_imports(
    result: Result,
    toolshift_args: Sequence[str],
    label: str = "imports (python -X importtime)",
) -> list[str]:
    """Record the total import time of ``toolshift ARGS`` under ``label``, print ``result`` and
    the worst importers by package; returns those lines."""

    total_us, offenders = importtime_report(toolshift_args)
    result.details[label] = f"{total_us / 1000:.1f} ms"
    print_result(result)
    print("  import time by top-level package (sum of self times, median of 3):")
    for line in offenders:
        print(f"    {line}")
    return offenders


def guarded(main: Callable[[], int]) -> int:
    """Run a benchmark's ``main``; a failing command is reported in a few lines, exit 2."""

    try:
        return main()
    except CommandFailed as exc:
        name = Path(sys.argv[0]).stem
        print(f"{name}: could not measure: {exc}", file=sys.stderr)
        return 2
