"""Every rewrite rule toolshift applies, with a stable id and a one-line description.

Users pass ids to ``--disable``. Ranges: TS1xx packaging, TS2xx containers, TS3xx CI,
FF0xx Flask -> FastAPI. Add new rules here; never reuse a retired id.
"""

from __future__ import annotations

RULES: dict[str, str] = {
    "TS101": "create or update [project] in pyproject.toml (name, requires-python, dependencies)",
    "TS102": "move dev/test/docs requirement files to PEP 735 [dependency-groups]",
    "TS103": "move -c constraint files to [tool.uv] constraint-dependencies",
    "TS104": "move index options to [[tool.uv.index]] (credentials left to environment variables)",
    "TS105": "move VCS, path, URL and editable requirements to [tool.uv.sources]",
    "TS106": "mark a service that is not a package with [tool.uv] package = false",
    "TS107": "remove requirements files that pyproject.toml now replaces",
    "TS108": "lock with uv, keeping the versions pinned today",
}


def describe(rule: str) -> str:
    return RULES.get(rule, "unknown rule")
