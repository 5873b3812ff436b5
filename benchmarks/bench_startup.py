"""How long ``toolshift --help`` takes, wall clock, interpreter start included.

Target: median < 150 ms. Also prints the interpreter's own start-up for comparison, and the
import-time offenders (``python -X importtime``) grouped by top-level package, so a slow start
points straight at the import to make lazy.

    uv run python benchmarks/bench_startup.py [--runs 20]
"""

from __future__ import annotations

import re
import statistics
import sys
from collections import defaultdict
from dataclasses import dataclass

from _common import (
    Result,
    base_parser,
    clean_env,
    finish,
    guarded,
    ms_result,
    print_result,
    run,
    time_runs,
    toolshift_cmd,
)

TARGET_MS = 150.0

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


def importtime_report(top: int = 10) -> tuple[int, list[str]]:
    """Total import time (us) of ``toolshift --help`` and printable lines of the worst offenders.

    Median of three runs per package, so one noisy run does not decide the verdict.
    """

    samples: list[list[ImportRow]] = []
    for _ in range(3):
        done = run(
            [sys.executable, "-X", "importtime", "-m", "toolshift", "--help"], env=clean_env()
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


def heavy_third_party(rows_text: list[str]) -> list[str]:
    return [line.split()[0] for line in rows_text if line.endswith("(3rd-party)")]


def main() -> int:
    args = base_parser(__doc__ or "", default_runs=20).parse_args()
    env = clean_env()

    cpu: list[float] = []
    help_times = time_runs([*toolshift_cmd(), "--help"], runs=args.runs, env=env, cpu_out=cpu)
    bare_times = time_runs([sys.executable, "-c", "pass"], runs=args.runs, env=env)

    result: Result = ms_result(
        "startup",
        "`toolshift --help` wall time, interpreter start included",
        help_times,
        TARGET_MS,
        cpu,
    )
    total_us, offenders = importtime_report()
    result.details["interpreter alone (python -c pass)"] = (
        f"median {statistics.median(bare_times) * 1000:.1f} ms"
    )
    result.details["imports during --help (python -X importtime)"] = f"{total_us / 1000:.1f} ms"
    print_result(result)
    print("  import time by top-level package (sum of self times, median of 3):")
    for line in offenders:
        print(f"    {line}")
    third = heavy_third_party(offenders)
    if third:
        print(f"  third-party packages imported by --help: {', '.join(third)}")
        print("  (each one could be imported lazily inside the command that needs it)")
    result.details["top imports"] = offenders
    return finish([result], args)


if __name__ == "__main__":
    raise SystemExit(guarded(main))
