"""How long planning ``migrate --to pip`` takes from a big existing lock, beside ``uv export``.

Copies the 379-package uv project of ``tests/fixtures/to_pip/big/input`` (pyproject.toml and a
real ``uv.lock`` with its wheel lists) to a temporary folder, then times

    toolshift migrate --to pip PROJECT --dry-run

which detects, reads the lock, resolves the runtime set and every group, renders the
requirements files and the pyproject clean-up, and writes nothing; interpreter start included.
Beside it, on the same lock, ``uv export --frozen --format requirements-txt`` (one flat file,
no grouping, no categories): the reference a person would reach for, and the ratio.
Target: median < 300 ms.

    uv run python benchmarks/bench_to_pip.py [--runs 10] [--keep]
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
from pathlib import Path

from _common import (
    REPO,
    base_parser,
    clean_env,
    finish,
    guarded,
    ms_result,
    print_with_imports,
    run,
    time_runs,
    toolshift_cmd,
    uv_path,
)

TARGET_MS = 300.0
SOURCE = REPO / "tests" / "fixtures" / "to_pip" / "big" / "input"


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def count_packages(lock: Path) -> int:
    return sum(1 for line in lock.read_text(encoding="utf-8").splitlines() if line == "[[package]]")


def main() -> int:
    parser = base_parser(__doc__ or "", default_runs=10)
    parser.add_argument("--keep", action="store_true", help="keep the copied project")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="toolshift-bench-to-pip-"))
    try:
        project = tmp / "service"
        shutil.copytree(SOURCE, project)
        packages = count_packages(project / "uv.lock")
        before = snapshot(project)
        env = clean_env()
        argv = [*toolshift_cmd(), "migrate", "--to", "pip", str(project), "--dry-run"]
        uv_argv = [uv_path(), "export", "--frozen", "--format", "requirements-txt"]

        # Checked runs first: a real plan (it writes requirements.txt and deletes uv.lock), a
        # real export, and neither may change a byte of the project.
        done = run(argv, env=env)
        if "requirements.txt" not in done.stdout or "uv.lock" not in done.stdout:
            print("bench_to_pip: the dry run did not plan requirements.txt; output was:")
            print(done.stdout + done.stderr)
            return 2
        exported = run(uv_argv, cwd=project, env=env)
        if "==" not in exported.stdout:
            print("bench_to_pip: uv export printed no pins; output was:")
            print(exported.stdout + exported.stderr)
            return 2
        if snapshot(project) != before:
            print("bench_to_pip: a dry run or uv export changed the project")
            return 2

        cpu: list[float] = []
        times = time_runs(argv, runs=args.runs, env=env, cpu_out=cpu)
        uv_cpu: list[float] = []
        uv_times = time_runs(uv_argv, runs=args.runs, cwd=project, env=env, cpu_out=uv_cpu)
        result = ms_result(
            "to-pip",
            f"`toolshift migrate --to pip --dry-run` from a {packages}-package uv.lock, wall "
            "time incl. interpreter start",
            times,
            TARGET_MS,
            cpu,
        )
        uv_ms = statistics.median(uv_times) * 1000
        result.details["uv export --frozen --format requirements-txt (same lock)"] = (
            f"median {uv_ms:.1f} ms, min {min(uv_times) * 1000:.1f} ms, CPU median "
            f"{statistics.median(uv_cpu) * 1000:.1f} ms"
        )
        result.details["ratio toolshift / uv export (medians)"] = f"{result.median / uv_ms:.2f}x"
        offenders = print_with_imports(result, argv[len(toolshift_cmd()) :])
        result.details["top imports"] = offenders
        if args.keep:
            print(f"  project kept in {project}")
        return finish([result], args)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(guarded(main))
