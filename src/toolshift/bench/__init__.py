"""bench: measure pip against uv on one project, like with like, and keep the history.

Beside the pipeline (see ARCHITECTURE.md). :mod:`.scenarios` holds the data types and the pure
command builders, :mod:`.runner` prepares clean states and times the commands, :mod:`.store`
keeps every run in ``.toolshift/bench.sqlite`` and :mod:`.chart` draws the bars (matplotlib,
imported lazily).
"""

from __future__ import annotations

from toolshift.bench.scenarios import (
    BenchEnvironment,
    BenchOptions,
    BenchResult,
    Scenario,
    Series,
    Variant,
)

__all__ = ["BenchEnvironment", "BenchOptions", "BenchResult", "Scenario", "Series", "Variant"]
