"""bench data types and the pure builders of the commands it times.

A *series* is one (scenario, variant[, category]) pair measured ``runs`` times after a
warm-up. Variants: ``pip``; ``uv`` as it comes (no bytecode); ``uv+bytecode``
(``--compile-bytecode``, what pip does by default and what Dockerfiles turn on with
``UV_COMPILE_BYTECODE=1``). The *raw* ratio of a scenario is pip / uv, the *fair* ratio is
pip / uv+bytecode. Nothing here runs a process.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from toolshift.docker_engine import ImageFigures


class Scenario(StrEnum):
    VENV = "venv"  # `uv venv` alone: never inside an install figure
    RESOLVE = "resolve"
    COLD = "install-cold"  # fresh, empty cache directory
    WARM = "install-warm"  # cache filled by the warm-up
    NOOP = "no-op"  # everything already installed
    STARTUP = "startup"  # first import of the service's entry module

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Scenario.VENV: "venv creation",
    Scenario.RESOLVE: "resolve",
    Scenario.COLD: "install, cold cache",
    Scenario.WARM: "install, warm cache",
    Scenario.NOOP: "no-op install",
    Scenario.STARTUP: "startup (first import)",
}

# Scenarios whose ratios are reported (venv creation is the same for both tools).
COMPARED: tuple[Scenario, ...] = (Scenario.RESOLVE, Scenario.COLD, Scenario.WARM, Scenario.NOOP)


class Variant(StrEnum):
    PIP = "pip"
    UV = "uv"
    UV_BYTECODE = "uv+bytecode"


@dataclass(frozen=True)
class Series:
    """One measured series. ``times`` are seconds of the counted runs (warm-up excluded)."""

    scenario: Scenario
    variant: Variant
    times: tuple[float, ...] = ()
    category: str = ""  # "" for the whole package set
    error: str = ""  # why it could not be measured (redacted); times then empty
    peak_rss_kib: int | None = None  # startup only: the largest peak RSS of the runs
    packages: int | None = None  # how many distributions the command installed/resolved

    @property
    def ok(self) -> bool:
        return bool(self.times) and not self.error

    @property
    def min(self) -> float:
        return min(self.times)

    @property
    def max(self) -> float:
        return max(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


@dataclass(frozen=True)
class BenchEnvironment:
    """What the figures depend on, recorded with every run."""

    cpu: str
    cores: int
    os: str
    python: str  # version of the interpreter both tools install for
    python_path: str
    pip: str
    uv: str
    index: str  # redacted URL, "find-links DIR (offline)", or "default (PyPI)"
    network: bool  # network to the index is inside the measured times

    def to_dict(self) -> dict[str, object]:
        return {
            "cpu": self.cpu,
            "cores": self.cores,
            "os": self.os,
            "python": self.python,
            "python_path": self.python_path,
            "pip": self.pip,
            "uv": self.uv,
            "index": self.index,
            "network": self.network,
        }


@dataclass(frozen=True)
class BenchOptions:
    runs: int = 5
    category_runs: int = 1
    python: str | None = None  # interpreter both tools use; default: the one running toolshift
    find_links: str | None = None  # a local wheelhouse...
    offline: bool = False  # ...with no index at all
    entry: str | None = None  # module imported by the startup scenario
    categories: bool = True
    startup: bool = True
    requirements: tuple[str, ...] = ()  # override: these requirement files, project-relative
    docker: bool = False  # measure image builds with the Docker engine that is present
    docker_entry: str | None = None  # journal entry of the "before" images; default: latest
    docker_add: str | None = None  # a requirement added for the dependency figure


@dataclass(frozen=True)
class Skipped:
    what: str
    reason: str


@dataclass(frozen=True)
class BenchResult:
    root: str
    started: str  # ISO 8601 UTC
    environment: BenchEnvironment
    package_source: str  # where the package set came from
    packages: tuple[str, ...]  # the resolved set, name==version
    runs: int
    series: tuple[Series, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    entry: str = ""  # the startup module
    total_seconds: float = 0.0  # wall time of the whole bench
    measured_seconds: float = 0.0  # sum of every timed command, warm-ups included
    prepare_seconds: float = 0.0  # clean states: venv copies, cache folders, exports
    notes: tuple[str, ...] = field(default_factory=tuple)
    # with --docker: toolshift.docker_engine.ImageFigures of the project's Dockerfiles as
    # they are now (side "after") and as a journal entry backed them up (side "before")
    images: tuple[ImageFigures, ...] = ()

    @property
    def overhead_seconds(self) -> float:
        """Everything but the measured commands."""

        return max(0.0, self.total_seconds - self.measured_seconds)

    def get(self, scenario: Scenario, variant: Variant, category: str = "") -> Series | None:
        for s in self.series:
            if s.scenario is scenario and s.variant is variant and s.category == category:
                return s
        return None

    def categories(self) -> list[str]:
        seen: list[str] = []
        for s in self.series:
            if s.category and s.category not in seen:
                seen.append(s.category)
        return seen


def ratio(slow: Series | None, fast: Series | None) -> float | None:
    """``slow.median / fast.median``; None when either is missing or zero."""

    if slow is None or fast is None or not slow.ok or not fast.ok or fast.median <= 0:
        return None
    return slow.median / fast.median


# --------------------------------------------------------------------------- command builders


@dataclass(frozen=True)
class IndexArgs:
    """The same package source for both tools: the index the requirement files name (PyPI
    by default), or a local wheelhouse with no index (``offline``)."""

    find_links: str | None = None
    offline: bool = False

    def pip(self) -> list[str]:
        out: list[str] = []
        if self.offline:
            out.append("--no-index")
        if self.find_links:
            out += ["--find-links", self.find_links]
        return out

    def uv(self) -> list[str]:
        out: list[str] = []
        if self.offline:
            out += ["--no-index", "--offline"]
        if self.find_links:
            out += ["--find-links", self.find_links]
        return out


def pip_resolve(python: str, reqs: Sequence[str], cache: str, index: IndexArgs) -> list[str]:
    return [
        python,
        "-m",
        "pip",
        "install",
        "--dry-run",
        "--ignore-installed",
        "--quiet",
        "--report",
        "-",
        "--cache-dir",
        cache,
        *index.pip(),
        *_dash_r(reqs),
    ]


def uv_resolve(
    uv: str, python: str, reqs: Sequence[str], cache: str, index: IndexArgs
) -> list[str]:
    return [
        uv,
        "pip",
        "compile",
        "--quiet",
        "--no-header",
        "--no-annotate",
        "--python",
        python,
        "--cache-dir",
        cache,
        *index.uv(),
        *reqs,
    ]


def pip_install(
    python: str, reqs: Sequence[str], cache: str, index: IndexArgs, *, no_deps: bool = False
) -> list[str]:
    return [
        python,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--cache-dir",
        cache,
        *(["--no-deps"] if no_deps else []),
        *index.pip(),
        *_dash_r(reqs),
    ]


def uv_install(
    uv: str,
    python: str,
    reqs: Sequence[str],
    cache: str,
    index: IndexArgs,
    *,
    bytecode: bool,
    no_deps: bool = False,
) -> list[str]:
    return [
        uv,
        "pip",
        "install",
        "--quiet",
        "--python",
        python,
        "--cache-dir",
        cache,
        *(["--compile-bytecode"] if bytecode else []),
        *(["--no-deps"] if no_deps else []),
        *index.uv(),
        *_dash_r(reqs),
    ]


def _dash_r(reqs: Sequence[str]) -> list[str]:
    out: list[str] = []
    for r in reqs:
        out += ["-r", r]
    return out


def parse_pins(text: str) -> list[tuple[str, str]]:
    """``(name, version)`` of every ``name==version`` line of a compiled requirements text
    (extras and markers dropped); other lines are ignored."""

    out: list[tuple[str, str]] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].split(";", 1)[0].strip()
        if not line or line.startswith("-") or "==" not in line:
            continue
        name, _, version = line.partition("==")
        name = name.split("[", 1)[0].strip()
        version = version.strip()
        if name and version:
            out.append((name, version))
    return out


# --------------------------------------------------------------------------- summaries (pure)


def fmt_seconds(s: Series | None) -> str:
    if s is None:
        return "-"
    if not s.ok:
        return "failed"
    if len(s.times) == 1:
        return f"{s.median:.3f} s"
    return f"{s.median:.3f} s ({s.min:.3f}-{s.max:.3f})"


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}x"


@dataclass(frozen=True)
class Row:
    label: str
    pip: str
    uv: str
    uv_bytecode: str
    raw: str  # pip / uv
    fair: str  # pip / uv+bytecode


def summary_rows(result: BenchResult, category: str = "") -> list[Row]:
    """One row per compared scenario (and startup for the whole set)."""

    rows: list[Row] = []
    scenarios: tuple[Scenario, ...] = COMPARED if category else (*COMPARED, Scenario.STARTUP)
    for scenario in scenarios:
        pip = result.get(scenario, Variant.PIP, category)
        uv = result.get(scenario, Variant.UV, category)
        uvb = result.get(scenario, Variant.UV_BYTECODE, category)
        if pip is None and uv is None and uvb is None:
            continue
        rows.append(
            Row(
                scenario.label,
                fmt_seconds(pip),
                fmt_seconds(uv),
                fmt_seconds(uvb) if scenario is not Scenario.RESOLVE else "n/a",
                fmt_ratio(ratio(pip, uv)),
                fmt_ratio(ratio(pip, uvb)) if scenario is not Scenario.RESOLVE else "n/a",
            )
        )
    return rows


def measured_statement(result: BenchResult) -> str:
    """What the figures include, in one sentence built from the recorded environment."""

    env = result.environment
    net = (
        "network time to the index is included"
        if env.network
        else "no network: packages came from local wheel files"
    )
    return (
        f"pip {env.pip} and uv {env.uv} on Python {env.python}, {env.os}, "
        f"{env.cpu} ({env.cores} cores); index: {env.index}; {net}; "
        f"package set: {len(result.packages)} distributions from {result.package_source}; "
        f"{result.runs} counted run(s) after one warm-up per figure"
    )


def markdown_table(result: BenchResult) -> str:
    rows = summary_rows(result)
    out = [
        "| scenario | pip | uv | uv + bytecode | pip / uv | pip / uv + bytecode |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    out += [
        f"| {r.label} | {r.pip} | {r.uv} | {r.uv_bytecode} | {r.raw} | {r.fair} |" for r in rows
    ]
    return "\n".join(out) + "\n"


def category_markdown(result: BenchResult) -> str:
    """Per-category figures (each category's packages installed alone, ``--no-deps``);
    empty when none were measured."""

    cats = result.categories()
    if not cats:
        return ""

    def med(s: Series | None) -> str:
        return "-" if s is None else ("failed" if not s.ok else f"{s.median:.2f} s")

    out = [
        "| category | packages | cold: pip | uv | uv + bytecode | warm: pip | uv "
        "| uv + bytecode | warm pip / uv |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for cat in cats:
        n = next((s.packages for s in result.series if s.category == cat and s.packages), 0)
        cells = [cat, str(n)]
        for scenario in (Scenario.COLD, Scenario.WARM):
            cells += [med(result.get(scenario, v, cat)) for v in Variant]
        warm = ratio(
            result.get(Scenario.WARM, Variant.PIP, cat), result.get(Scenario.WARM, Variant.UV, cat)
        )
        cells.append(fmt_ratio(warm))
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"
