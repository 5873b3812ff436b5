"""I/O edge for ``migrate --to fastapi``: read the project's ``.py`` files.

``detect`` reads packaging, container and CI files only; the codemod needs the Python sources.
:func:`with_python_sources` returns a copy of a :class:`~toolshift.model.Detected` whose
``contents`` also hold every ``.py`` file under the project root (``.gitignore`` respected;
virtual environments, caches, VCS folders and toolshift's own history skipped), so the planner
stays pure and apply can check the files did not change in between.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pathspec

from toolshift.model import Detected

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "env",
        ".tox",
        ".nox",
        ".toolshift",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "node_modules",
        "site-packages",
        "build",
        "dist",
    }
)
MAX_FILE_BYTES = 2_000_000  # generated or vendored giants are not application code


def read_python_sources(root: Path) -> dict[str, bytes]:
    """Project-relative POSIX path -> bytes of every ``.py`` file that is not ignored."""

    out: dict[str, bytes] = {}
    specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        rel_dir = here.relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        if ".gitignore" in filenames:
            try:
                text = (here / ".gitignore").read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            specs.append((rel_dir, pathspec.GitIgnoreSpec.from_lines(text.splitlines())))

        def ignored(rel: str, is_dir: bool) -> bool:
            for base, spec in reversed(specs):
                if base and not rel.startswith(base + "/"):
                    continue
                sub = rel[len(base) + 1 :] if base else rel
                result = spec.check_file(sub + "/" if is_dir else sub)
                if result.include is not None:
                    return bool(result.include)
            return False

        dirnames[:] = [
            d
            for d in sorted(dirnames)
            if d not in SKIP_DIRS
            and not d.endswith(".egg-info")
            and not (here / d / "pyvenv.cfg").exists()
            and not ignored(f"{rel_dir}/{d}" if rel_dir else d, is_dir=True)
        ]
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            rel = f"{rel_dir}/{name}" if rel_dir else name
            path = here / name
            if ignored(rel, is_dir=False) or not path.is_file():
                continue
            if path.stat().st_size > MAX_FILE_BYTES:
                continue
            out[rel] = path.read_bytes()
    return out


def with_python_sources(detected: Detected) -> Detected:
    """``detected`` plus the project's ``.py`` files (files detect already read win)."""

    sources = read_python_sources(Path(detected.project.root))
    return dataclasses.replace(detected, contents={**sources, **detected.contents})
