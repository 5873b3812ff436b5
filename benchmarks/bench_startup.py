"""How long ``toolshift --help`` takes, wall clock, interpreter start included.

Target: median < 150 ms. Also prints the interpreter's own start-up for comparison, and the
import-time offenders (``python -X importtime``) grouped by top-level package, so a slow start
points straight at the import to make lazy.

    uv run python benchmarks/bench_startup.py [--runs 20]
"""

from __future__ import annotations

import statistics
import sys

from _common import (
    Result,
    base_parser,
    clean_env,
    finish,
    guarded,
    ms_result,
    print_with_imports,
    time_runs,
    toolshift_cmd,
)

TARGET_MS = 150.0


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
    result.details["interpreter alone (python -c pass)"] = (
        f"median {statistics.median(bare_times) * 1000:.1f} ms"
    )
    offenders = print_with_imports(
        result, ["--help"], "imports during --help (python -X importtime)"
    )
    third = heavy_third_party(offenders)
    if third:
        print(f"  third-party packages imported by --help: {', '.join(third)}")
        print("  (each one could be imported lazily inside the command that needs it)")
    result.details["top imports"] = offenders
    return finish([result], args)


if __name__ == "__main__":
    raise SystemExit(guarded(main))
