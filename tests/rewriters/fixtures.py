"""Before/after fixture pairs under ``tests/fixtures/rewriters/<rewriter>/<case>/``.

Each case holds ``before``, ``after`` (absent: the input must stay untouched) and optionally
``ctx.json`` (RewriteContext fields; defaults: direction "uv", uv_version "0.9.5").
Set ``TOOLSHIFT_REGEN=1`` to write the current output as ``after`` (then review the diff).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from toolshift.rewriters import RewriteContext, RewriteResult

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "rewriters"


def case_dirs(rewriter: str) -> list[Path]:
    return sorted(p for p in (ROOT / rewriter).iterdir() if (p / "before").is_file())


def context(case: Path, **overrides: object) -> RewriteContext:
    kw: dict[str, object] = {"direction": "uv", "uv_version": "0.9.5"}
    if (case / "ctx.json").is_file():
        kw.update(json.loads((case / "ctx.json").read_text(encoding="utf-8")))
    kw.update(overrides)
    return RewriteContext(**kw)  # type: ignore[arg-type]


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def check_case(case: Path, rewrite: Callable[[str, RewriteContext], RewriteResult]) -> None:
    """before -> after, idempotence, CRLF kept, and after is a fixed point."""

    ctx = context(case)
    before = read(case / "before")
    res = rewrite(before, ctx)
    after_path = case / "after"
    if os.environ.get("TOOLSHIFT_REGEN") and res.text != before:
        after_path.write_bytes(res.text.encode("utf-8"))
    expected = read(after_path) if after_path.is_file() else before
    assert res.text == expected
    if expected == before:
        assert not res.rules, res.rules
    else:
        assert res.rules
    again = rewrite(res.text, ctx)
    assert again.text == res.text, "not idempotent"
    assert not again.rules
    if "\r\n" not in before and "\n" in before:
        crlf = rewrite(before.replace("\n", "\r\n"), ctx)
        assert crlf.text == expected.replace("\n", "\r\n")
