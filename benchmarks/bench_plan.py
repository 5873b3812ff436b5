"""How long planning a migration takes on a large requirements set, interpreter start included.

Generates a pip project in a temporary folder: 200 requirements across 4 files (runtime, dev,
test, docs; with ``-r`` includes, comments, extras and environment markers) plus a Dockerfile and
a GitHub Actions workflow, then times

    toolshift migrate --to uv PROJECT --dry-run --no-lock

which detects, reads, models, plans and renders everything but writes nothing and does not lock.
Target: median < 300 ms.

    uv run python benchmarks/bench_plan.py [--runs 10] [--keep]
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from _common import (
    base_parser,
    clean_env,
    finish,
    guarded,
    ms_result,
    print_with_imports,
    run,
    time_runs,
    toolshift_cmd,
)

TARGET_MS = 300.0

# (file, how many requirements, includes)
FILES: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("requirements.txt", 80, ()),
    ("requirements-dev.txt", 50, ("requirements.txt",)),
    ("requirements-test.txt", 40, ("requirements.txt",)),
    ("requirements-docs.txt", 30, ()),
)

DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
USER nobody
CMD ["python", "-m", "service"]
"""

WORKFLOW = """\
name: ci
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
          cache: pip
      - run: pip install -r requirements-dev.txt -r requirements-test.txt
      - run: pytest
"""


def _version(name: str) -> str:
    h = hashlib.sha256(name.encode()).digest()
    return f"{h[0] % 9 + 1}.{h[1] % 20}.{h[2] % 10}"


def requirement_line(group: str, i: int) -> str:
    """A plausible requirements line; every tenth carries an extra, every seventh a marker."""

    name = f"{group}-pkg-{i:03d}"
    line = name
    if i % 10 == 3:
        line += "[extra]"
    line += f"=={_version(name)}"
    if i % 7 == 5:
        line += '; sys_platform != "win32"'
    elif i % 13 == 6:
        line += '; python_version < "3.13"'
    if i % 9 == 0:
        line += "  # pinned: see the changelog before upgrading"
    return line


def write_project(root: Path) -> int:
    """Write the generated project into ``root``; returns how many requirements it holds."""

    total = 0
    for fname, count, includes in FILES:
        group = fname.removeprefix("requirements").removesuffix(".txt").lstrip("-") or "main"
        lines = [f"# {group} dependencies (generated for the planning benchmark)"]
        lines += [f"-r {inc}" for inc in includes]
        for i in range(count):
            if i % 20 == 0:
                lines.append("")
                lines.append(f"# section {i // 20 + 1}")
            lines.append(requirement_line(group, i))
        total += count
        (root / fname).write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / ".python-version").write_text("3.12\n", encoding="utf-8")
    (root / "Dockerfile").write_text(DOCKERFILE, encoding="utf-8")
    wf = root / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "ci.yml").write_text(WORKFLOW, encoding="utf-8")
    pkg = root / "service"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "__main__.py").write_text('print("service")\n', encoding="utf-8")
    return total


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def main() -> int:
    parser = base_parser(__doc__ or "", default_runs=10)
    parser.add_argument("--keep", action="store_true", help="keep the generated project")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="toolshift-bench-plan-"))
    try:
        project = tmp / "service"
        project.mkdir()
        n = write_project(project)
        before = snapshot(project)
        argv = [*toolshift_cmd(), "migrate", "--to", "uv", str(project), "--dry-run", "--no-lock"]
        env = clean_env()

        # One checked run first: the plan must be real (it mentions pyproject.toml) and a
        # dry run must leave every byte as it was.
        done = run(argv, env=env)
        if "pyproject.toml" not in done.stdout + done.stderr:
            print("bench_plan: the dry run did not mention pyproject.toml; output was:")
            print(done.stdout + done.stderr)
            return 2
        if snapshot(project) != before:
            print("bench_plan: --dry-run changed the project")
            return 2

        cpu: list[float] = []
        times = time_runs(argv, runs=args.runs, env=env, cpu_out=cpu)
        result = ms_result(
            "plan",
            f"`toolshift migrate --to uv --dry-run --no-lock`, {n} requirements in "
            f"{len(FILES)} files, wall time incl. interpreter start",
            times,
            TARGET_MS,
            cpu,
        )
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
