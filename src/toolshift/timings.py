"""Where a command's wall time goes: with ``TOOLSHIFT_TIMINGS=1`` each phase is printed to
stderr at exit, in ms since toolshift's first import (the interpreter's own start, ~15 ms,
comes before it).

``mark`` costs a list append, so the phases are recorded whether or not they are printed;
``benchmarks/bench_lock_overhead.py`` reads them to say when ``uv lock`` started and how long
it ran inside ``migrate``.
"""

from __future__ import annotations

import os
import sys
import time

_T0 = time.perf_counter()
_EVENTS: list[tuple[float, str]] = []
ENV = "TOOLSHIFT_TIMINGS"


def enabled() -> bool:
    return os.environ.get(ENV, "") not in ("", "0")


def mark(event: str) -> None:
    """Record that ``event`` happened now (safe from any thread)."""

    _EVENTS.append((time.perf_counter() - _T0, event))


def events() -> list[tuple[float, str]]:
    """The recorded ``(seconds since start, event)`` pairs, in time order."""

    return sorted(_EVENTS)


def report() -> None:
    """Print the recorded phases to stderr when ``TOOLSHIFT_TIMINGS`` is set."""

    if not enabled():
        return
    mark("done")
    print("toolshift timings (ms since toolshift started):", file=sys.stderr)
    for at, event in events():
        print(f"  {at * 1000:7.1f}  {event}", file=sys.stderr)
