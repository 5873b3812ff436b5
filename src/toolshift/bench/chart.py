"""bench chart (I/O): bars per scenario, pip vs uv vs uv+bytecode, min-max whiskers.

matplotlib is imported here only, inside :func:`write_chart`, with the Agg backend (no
display), so no other command pays for it.
"""

from __future__ import annotations

from pathlib import Path

from toolshift.bench.scenarios import COMPARED, BenchResult, Scenario, Variant

COLORS = {Variant.PIP: "#4c72b0", Variant.UV: "#dd8452", Variant.UV_BYTECODE: "#55a868"}
CHART_NAME = "bench"


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
        ax.legend(fontsize=8)
        ax.grid(axis="y", alpha=0.3)
        fig.tight_layout()
        out_dir.mkdir(parents=True, exist_ok=True)
        png = out_dir / f"{name}.png"
        svg = out_dir / f"{name}.svg"
        fig.savefig(png, format="png", metadata={"Software": None})
        # A fixed hash salt and no date keep the SVG the same for the same figures.
        matplotlib.rcParams["svg.hashsalt"] = "toolshift"
        fig.savefig(svg, format="svg", metadata={"Date": None})
    finally:
        plt.close(fig)
    return png, svg
