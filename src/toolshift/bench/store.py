"""bench history (I/O): every run in ``.toolshift/bench.sqlite`` (stdlib sqlite3).

Three tables: ``runs`` (one row per ``toolshift bench``, with the environment as JSON),
``series`` (one row per measured series: scenario, variant, category, n, min/median/max, or
the error) and ``images`` (``bench --docker``: one row per Dockerfile and side, before or
after: cold/cached/dependency-changed build seconds, image size, what was pulled). The schema
carries a version in ``PRAGMA user_version``; an older file is migrated in place (its rows
kept, see :data:`_MIGRATIONS`), a newer one is refused rather than misread.
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
from toolshift.docker_engine import ImageFigures
from toolshift.errors import InputError

DB_NAME = "bench.sqlite"
SCHEMA_VERSION = 2

_IMAGES = """
CREATE TABLE IF NOT EXISTS images (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    side TEXT NOT NULL,              -- before | after
    dockerfile TEXT NOT NULL,
    dependency_file TEXT NOT NULL,
    entry_id TEXT NOT NULL,          -- the journal entry a before context came from
    cold REAL NOT NULL,              -- seconds; 0 when it failed
    cached REAL NOT NULL,
    dependency_changed REAL NOT NULL,
    size_bytes INTEGER NOT NULL,
    base_images TEXT NOT NULL,       -- JSON list
    pulled TEXT NOT NULL,            -- JSON list: pulled before measuring
    fetched_in_build TEXT NOT NULL,  -- JSON list: downloaded inside the cold figure
    cache_mount INTEGER NOT NULL,
    dependency_change TEXT NOT NULL, -- "" = a comment line appended (DEPENDENCY_CHANGE)
    error TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS images_run ON images(run_id);
"""

_SCHEMA = (
    """
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
    skipped TEXT NOT NULL,           -- JSON list of [what, reason]
    notes TEXT NOT NULL DEFAULT '[]' -- JSON list (schema 2)
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
    + _IMAGES
)

# schema N -> N + 1, applied in order to an older file (its rows are kept)
_MIGRATIONS: dict[int, str] = {
    1: "ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '[]';\n" + _IMAGES,
}


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
    if version == 0 and not _has_table(con, "runs"):
        con.executescript(_SCHEMA)
    else:
        for step in range(max(version, 1), SCHEMA_VERSION):
            # one transaction per step (SQLite's DDL is transactional): all of it or none
            con.executescript(
                f"BEGIN; {_MIGRATIONS[step]} PRAGMA user_version = {step + 1}; COMMIT;"
            )
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return con


def _has_table(con: sqlite3.Connection, name: str) -> bool:
    row = con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,))
    return row.fetchone() is not None


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
                " prepare_seconds, skipped, notes) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
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
                    json.dumps(list(result.notes)),
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
            con.executemany(
                "INSERT INTO images (run_id, side, dockerfile, dependency_file, entry_id, cold,"
                " cached, dependency_changed, size_bytes, base_images, pulled,"
                " fetched_in_build, cache_mount, dependency_change, error)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        run_id,
                        im.side,
                        im.dockerfile,
                        im.dependency_file,
                        im.entry_id,
                        im.cold,
                        im.cached,
                        im.dependency_changed,
                        im.size_bytes,
                        json.dumps(list(im.base_images)),
                        json.dumps(list(im.pulled)),
                        json.dumps(list(im.fetched_in_build)),
                        int(im.cache_mount),
                        im.dependency_change,
                        im.error,
                    )
                    for im in result.images
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
            " total_seconds, measured_seconds, prepare_seconds, skipped, notes FROM runs"
            " ORDER BY id"
        ).fetchall()
        out: list[HistoryRun] = []
        for row in runs:
            series = con.execute(
                "SELECT scenario, variant, category, times, error, peak_rss_kib, packages"
                " FROM series WHERE run_id = ? ORDER BY rowid",
                (row[0],),
            ).fetchall()
            images = con.execute(
                "SELECT side, dockerfile, dependency_file, entry_id, cold, cached,"
                " dependency_changed, size_bytes, base_images, pulled, fetched_in_build,"
                " cache_mount, dependency_change, error FROM images WHERE run_id = ?"
                " ORDER BY rowid",
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
                notes=tuple(str(n) for n in json.loads(row[12])),
                images=tuple(
                    ImageFigures(
                        dockerfile=str(i[1]),
                        cold=float(i[4]),
                        cached=float(i[5]),
                        dependency_changed=float(i[6]),
                        size_bytes=int(i[7]),
                        error=str(i[13]),
                        dependency_change=str(i[12]),
                        side=str(i[0]),
                        dependency_file=str(i[2]),
                        entry_id=str(i[3]),
                        base_images=tuple(json.loads(i[8])),
                        pulled=tuple(json.loads(i[9])),
                        fetched_in_build=tuple(json.loads(i[10])),
                        cache_mount=bool(i[11]),
                    )
                    for i in images
                ),
            )
            out.append(HistoryRun(int(row[0]), result))
        return out
    finally:
        con.close()
