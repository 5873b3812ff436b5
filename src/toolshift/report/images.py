"""report: the "Images" section (Markdown) from recorded ``bench --docker`` figures, pure.

:func:`render_image_section` takes a :class:`toolshift.bench.scenarios.BenchResult` (from
``toolshift.bench.store.load``) and returns the section, or "" when that run measured no image,
so a report can always call it. :func:`latest_with_images` picks the newest recorded run that
has image figures (a later run without ``--docker`` does not hide them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from toolshift.bench.images import BEFORE, image_rows, image_statement_parts

if TYPE_CHECKING:
    from toolshift.bench.scenarios import BenchResult
    from toolshift.bench.store import HistoryRun


def latest_with_images(runs: Sequence[HistoryRun]) -> HistoryRun | None:
    return next((h for h in reversed(runs) if h.result.images), None)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_image_section(
    result: BenchResult | None,
    *,
    run_id: int | None = None,
    chart: str | None = None,
    heading: str = "###",
) -> str:
    """Markdown: a heading, what was measured, one table row per Dockerfile and figure
    (before, after, before / after), failures with their reason, and the chart if given.
    "" when ``result`` is None or holds no image figures."""

    if result is None or not result.images:
        return ""
    out = [f"{heading} Images", ""]
    run = (
        f"Run {run_id} of `toolshift bench --docker`"
        if run_id is not None
        else ("`toolshift bench --docker`")
    )
    out.append(f"{run}, {_cell(result.started)}, measured:")
    out.append("")
    out += [f"- {_cell(part)}" for part in image_statement_parts(result.images, result.notes)]
    out.append("")
    out.append("| Dockerfile | figure | before | after | before / after |")
    out.append("|---|---|---:|---:|---:|")
    for r in image_rows(result.images):
        cells = (f"`{_cell(r.dockerfile)}`", r.figure, r.before, r.after, r.ratio)
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    out.append("")
    if not any(im.side == BEFORE for im in result.images):
        why = next(
            (s.reason for s in result.skipped if s.what.endswith("before the migration")),
            "no journal entry to rebuild it from",
        )
        out.append(f"No before figures: {_cell(why)}.")
        out.append("")
    for im in result.images:
        if im.error:
            last = im.error.strip().splitlines()[-1:] or [""]
            out.append(
                f"The {im.side} build of `{_cell(im.dockerfile)}` failed: `{_cell(last[0])}`"
            )
            out.append("")
    if chart:
        out.append(f"![image builds before vs after]({chart})")
        out.append("")
    return "\n".join(out)
