"""Run every benchmark, print each one's figures, then a summary against the targets.

    uv run python benchmarks/run_all.py [--quick] [--network] [--strict]

Results are also written as JSON to ``benchmarks/out/`` (ignored by git), with the environment
(toolshift, Python, uv, platform, CPUs) they were measured on.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from _common import OUT_DIR, clean_env, load_average

HERE = Path(__file__).resolve().parent

# script, runs (normal, --quick)
BENCHMARKS: tuple[tuple[str, int, int], ...] = (
    ("bench_startup.py", 20, 5),
    ("bench_plan.py", 10, 3),
    ("bench_to_pip.py", 10, 3),
    ("bench_lock_overhead.py", 5, 2),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs, rougher figures")
    parser.add_argument(
        "--network", action="store_true", help="lock against PyPI instead of a local wheelhouse"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    failed: list[str] = []
    summary: list[tuple[str, str, str, str]] = []
    for script, runs, quick_runs in BENCHMARKS:
        name = script.removesuffix(".py").removeprefix("bench_").replace("_", "-")
        out = OUT_DIR / f"{script.removesuffix('.py')}.json"
        out.unlink(missing_ok=True)
        argv = [
            sys.executable,
            str(HERE / script),
            "--runs",
            str(quick_runs if args.quick else runs),
        ]
        argv += ["--json", str(out)]
        if args.network and script == "bench_lock_overhead.py":
            argv.append("--network")
        print(f"== {name}", flush=True)
        # The scripts scrub the environment of the processes they time; this keeps the
        # machine's pip configuration away from the scripts themselves as well.
        code = subprocess.call(argv, env=clean_env(), stdin=subprocess.DEVNULL)
        print(flush=True)
        if code != 0 or not out.exists():
            failed.append(name)
            summary.append((name, "-", "-", f"ERROR (exit {code})"))
            continue
        for r in json.loads(out.read_text(encoding="utf-8"))["results"]:
            figure = f"{r['median']:.1f} ms" if r["unit"] == "ms" else f"{r['median']:.3f}x"
            summary.append((r["name"], figure, r["target"], "met" if r["ok"] else "MISSED"))

    print(f"== summary (load average now: {load_average()}, on {os.cpu_count()} CPUs)")
    width = max(len(s[0]) for s in summary)
    for name, figure, target, verdict in summary:
        print(f"  {name:<{width}}  {figure:>10}  target {target:<10}  {verdict}")
    print(f"  (JSON in {OUT_DIR.relative_to(HERE.parent)}/)")
    if failed:
        return 2
    if args.strict and any(s[3] != "met" for s in summary):
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
