"""bench chart (I/O): bars per scenario, pip vs uv vs uv+bytecode, min-max whiskers; and,
with ``--docker``, a second chart of the image figures before vs after the migration.

matplotlib is imported here only, inside :func:`write_chart` and :func:`write_image_chart`,
with the Agg backend (no display), so no other command pays for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from toolshift.bench.scenarios import COMPARED, BenchResult, Scenario, Variant

COLORS = {Variant.PIP: "#4c72b0", Variant.UV: "#dd8452", Variant.UV_BYTECODE: "#55a868"}
CHART_NAME = "bench"
IMAGE_CHART_NAME = "bench-images"
SIDE_COLORS = {"before": "#8c8c8c", "after": "#dd8452"}


def _save(fig: Any, out_dir: Path, name: str) -> tuple[Path, Path]:
    import matplotlib

    out_dir.mkdir(parents=True, exist_ok=True)
    png = out_dir / f"{name}.png"
    svg = out_dir / f"{name}.svg"
    fig.savefig(png, format="png", metadata={"Software": None})
    # A fixed hash salt and no date keep the SVG the same for the same figures.
    matplotlib.rcParams["svg.hashsalt"] = "toolshift"
    fig.savefig(svg, format="svg", metadata={"Date": None})
    return png, svg


def write_chart(result: BenchResult, out_dir: Path, name: str = CHART_NAME) -> tuple[Path, Path]:
    """Write ``name.png`` and ``name.svg`` into ``out_dir``; returns both paths."""

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scenarios = [*COMPARED, Scenario.STARTUP]
    variants = (Variant.PIP, Variant.UV, Variant.UV_BYTECODE)
    width = 0.26
    fig, ax = plt.subplots(figsize=(9, 4.8), dpi=100)
    try:
        for k, variant in enumerate(variants):
            xs: list[float] = []
            heights: list[float] = []
            lows: list[float] = []
            highs: list[float] = []
            for i, scenario in enumerate(scenarios):
                s = result.get(scenario, variant)
                if s is None or not s.ok:
                    continue
                xs.append(i + (k - 1) * width)
                heights.append(s.median)
                lows.append(s.median - s.min)
                highs.append(s.max - s.median)
            if xs:
                ax.bar(
                    xs,
                    heights,
                    width,
                    yerr=[lows, highs],
                    capsize=3,
                    label=variant.value,
                    color=COLORS[variant],
                )
        ax.set_xticks(range(len(scenarios)), [s.label for s in scenarios], fontsize=8)
        ax.set_ylabel("seconds (median; whiskers: min-max)")
        env = result.environment
        where = "network to the index included" if env.network else "local wheels, no network"
        ax.set_title(
            f"pip {env.pip} vs uv {env.uv}, Python {env.python}, "
            f"{result.runs} run(s) each; {where}",
            fontsize=9,
        )
        if ax.get_legend_handles_labels()[0]:  # nothing measured: no legend (and no warning)
            ax.legend(fontsize=8)
        ax.grid(axis="y", alpha=0.3)
        fig.tight_layout()
        png, svg = _save(fig, out_dir, name)
    finally:
        plt.close(fig)
    return png, svg


def write_image_chart(
    result: BenchResult, out_dir: Path, name: str = IMAGE_CHART_NAME
) -> tuple[Path, Path] | None:
    """``bench --docker``: write ``name.png`` and ``name.svg``, two panels (build seconds;
    image size in MB: they share no axis), a bar for before and one for after per Dockerfile.
    None, and nothing written, when no image was measured."""

    from toolshift.bench.images import BEFORE, FIGURES, SIDES, image_pairs

    pairs = image_pairs(result.images)
    if not any(im.cold > 0 for im in result.images):
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    timed = [(attr, label) for attr, label in FIGURES if attr != "size_bytes"]
    short = {"cold": "cold", "cached": "cached", "dependency_changed": "dependency\nfile changed"}
    width = 0.38
    fig, (ax_t, ax_s) = plt.subplots(
        1, 2, figsize=(10, 4.6), dpi=100, gridspec_kw={"width_ratios": [3, 1]}
    )
    try:
        multi = len(pairs) > 1
        labels = [
            (f"{p.dockerfile}\n" if multi else "") + short[attr] for p in pairs for attr, _ in timed
        ]
        for k, side in enumerate(SIDES):
            xs: list[float] = []
            heights: list[float] = []
            sx: list[float] = []
            sizes: list[float] = []
            for i, pair in enumerate(pairs):
                im = pair.before if side == BEFORE else pair.after
                if im is None:
                    continue
                for j, (attr, _) in enumerate(timed):
                    if getattr(im, attr) > 0:  # 0: not measured (that build failed)
                        xs.append(i * len(timed) + j + (k - 0.5) * width)
                        heights.append(float(getattr(im, attr)))
                if im.size_bytes > 0:
                    sx.append(i + (k - 0.5) * width)
                    sizes.append(im.size_bytes / 1e6)
            if xs:
                ax_t.bar(xs, heights, width, label=side, color=SIDE_COLORS[side])
                ax_s.bar(sx, sizes, width, label=side, color=SIDE_COLORS[side])
        ax_t.set_xticks(range(len(labels)), labels, fontsize=8)
        ax_t.set_ylabel("seconds (one build each)")
        ax_t.set_title("docker build: before vs after the migration", fontsize=9)
        if ax_t.get_legend_handles_labels()[0]:
            ax_t.legend(fontsize=8)
        ax_t.grid(axis="y", alpha=0.3)
        ax_s.set_xticks(range(len(pairs)), [p.dockerfile for p in pairs], fontsize=8)
        ax_s.set_xlim(-0.75, len(pairs) - 0.25)  # one Dockerfile: bars, not a wall
        ax_s.set_ylabel("MB")
        ax_s.set_title("image size", fontsize=9)
        ax_s.grid(axis="y", alpha=0.3)
        fig.tight_layout()
        png, svg = _save(fig, out_dir, name)
    finally:
        plt.close(fig)
    return png, svg
