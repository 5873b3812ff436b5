"""bench history (I/O): every run in ``.toolshift/bench.sqlite`` (stdlib sqlite3).

Two tables: ``runs`` (one row per ``toolshift bench``, with the environment as JSON) and
``series`` (one row per measured series: scenario, variant, category, n, min/median/max, or
the error). The schema carries a version in ``PRAGMA user_version``; a newer file than this
code understands is refused rather than misread.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from toolshift.bench.scenarios import (
    BenchEnvironment,
    BenchResult,
    Scenario,
    Series,
    Skipped,
    Variant,
)
from toolshift.errors import InputError

DB_NAME = "bench.sqlite"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started TEXT NOT NULL,
    root TEXT NOT NULL,
    package_source TEXT NOT NULL,
    packages TEXT NOT NULL,          -- JSON list of name==version
    runs INTEGER NOT NULL,
    entry TEXT NOT NULL,
    environment TEXT NOT NULL,       -- JSON (BenchEnvironment)
    network INTEGER NOT NULL,
    index_used TEXT NOT NULL,
    total_seconds REAL NOT NULL,
    measured_seconds REAL NOT NULL,
    prepare_seconds REAL NOT NULL,
    skipped TEXT NOT NULL            -- JSON list of [what, reason]
);
CREATE TABLE IF NOT EXISTS series (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    scenario TEXT NOT NULL,
    variant TEXT NOT NULL,
    category TEXT NOT NULL,
    times TEXT NOT NULL,             -- JSON list of seconds (counted runs)
    n INTEGER NOT NULL,
    min REAL, median REAL, max REAL,
    peak_rss_kib INTEGER,
    packages INTEGER,
    error TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS series_run ON series(run_id);
"""


def db_path(root: Path) -> Path:
    from toolshift.apply import STATE_DIR

    return root / STATE_DIR / DB_NAME


def _connect(path: Path) -> sqlite3.Connection:
    try:
        con = sqlite3.connect(path)
        version = int(con.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise InputError(
            f"not a bench history database ({exc})",
            path=str(path),
            hint="move the file away; the next `toolshift bench` starts a new one",
        ) from None
    if version > SCHEMA_VERSION:
        con.close()
        raise InputError(
            f"bench history schema {version} is newer than this toolshift understands",
            path=str(path),
            hint="upgrade toolshift",
        )
    con.executescript(_SCHEMA)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return con


def save(root: Path, result: BenchResult) -> int:
    """Append ``result`` to the project's history; returns the run id."""

    from toolshift.apply import ensure_state_dir

    ensure_state_dir(root)
    con = _connect(db_path(root))
    try:
        with con:
            cur = con.execute(
                "INSERT INTO runs (started, root, package_source, packages, runs, entry,"
                " environment, network, index_used, total_seconds, measured_seconds,"
                " prepare_seconds, skipped) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    result.started,
                    result.root,
                    result.package_source,
                    json.dumps(list(result.packages)),
                    result.runs,
                    result.entry,
                    json.dumps(result.environment.to_dict()),
                    int(result.environment.network),
                    result.environment.index,
                    result.total_seconds,
                    result.measured_seconds,
                    result.prepare_seconds,
                    json.dumps([[s.what, s.reason] for s in result.skipped]),
                ),
            )
            run_id = int(cur.lastrowid or 0)
            con.executemany(
                "INSERT INTO series (run_id, scenario, variant, category, times, n, min,"
                " median, max, peak_rss_kib, packages, error) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        run_id,
                        s.scenario.value,
                        s.variant.value,
                        s.category,
                        json.dumps(list(s.times)),
                        len(s.times),
                        s.min if s.ok else None,
                        s.median if s.ok else None,
                        s.max if s.ok else None,
                        s.peak_rss_kib,
                        s.packages,
                        s.error,
                    )
                    for s in result.series
                ],
            )
    finally:
        con.close()
    return run_id


@dataclass(frozen=True)
class HistoryRun:
    id: int
    result: BenchResult


def load(root: Path) -> list[HistoryRun]:
    """Every recorded run, oldest first; empty when there is no history yet."""

    path = db_path(root)
    if not path.is_file():
        return []
    con = _connect(path)
    try:
        runs = con.execute(
            "SELECT id, started, root, package_source, packages, runs, entry, environment,"
            " total_seconds, measured_seconds, prepare_seconds, skipped FROM runs ORDER BY id"
        ).fetchall()
        out: list[HistoryRun] = []
        for row in runs:
            series = con.execute(
                "SELECT scenario, variant, category, times, error, peak_rss_kib, packages"
                " FROM series WHERE run_id = ? ORDER BY rowid",
                (row[0],),
            ).fetchall()
            env = json.loads(row[7])
            result = BenchResult(
                root=row[2],
                started=row[1],
                environment=BenchEnvironment(
                    cpu=str(env.get("cpu", "")),
                    cores=int(env.get("cores", 0)),
                    os=str(env.get("os", "")),
                    python=str(env.get("python", "")),
                    python_path=str(env.get("python_path", "")),
                    pip=str(env.get("pip", "")),
                    uv=str(env.get("uv", "")),
                    index=str(env.get("index", "")),
                    network=bool(env.get("network", False)),
                ),
                package_source=row[3],
                packages=tuple(json.loads(row[4])),
                runs=int(row[5]),
                series=tuple(
                    Series(
                        Scenario(s[0]),
                        Variant(s[1]),
                        tuple(float(t) for t in json.loads(s[3])),
                        category=s[2],
                        error=s[4],
                        peak_rss_kib=s[5],
                        packages=s[6],
                    )
                    for s in series
                ),
                skipped=tuple(Skipped(str(w), str(r)) for w, r in json.loads(row[11])),
                entry=row[6],
                total_seconds=float(row[8]),
                measured_seconds=float(row[9]),
                prepare_seconds=float(row[10]),
            )
            out.append(HistoryRun(int(row[0]), result))
        return out
    finally:
        con.close()
