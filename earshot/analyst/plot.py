"""PNG charts of reports with matplotlib (headless ``Agg`` backend)."""

from __future__ import annotations

from pathlib import Path

from earshot.analyst.errors import AnalystError
from earshot.analyst.reports import Report


def render_png(report: Report, path: Path, width: float = 10.0, height: float = 5.0) -> Path:
    """Draw the report's chart to ``path`` (PNG); raises :class:`AnalystError` if it has none."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed; must precede pyplot
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    chart = report.chart
    if chart is None:
        raise AnalystError(f"the {report.title} report has no chart")
    fig, ax = plt.subplots(figsize=(width, height), dpi=100)
    try:
        if chart.kind == "lines":
            for group, values in chart.groups.items():
                ax.plot(chart.x, values, label=group, linewidth=1.4)
        elif chart.kind == "stacked" and chart.is_time_series:
            ax.stackplot(chart.x, *chart.groups.values(), labels=list(chart.groups), alpha=0.85)
        else:  # bars: one bar group per series; stacked categories pile up
            positions = list(range(len(chart.x)))
            bottom = [0.0] * len(chart.x)
            n = len(chart.groups)
            for i, (group, values) in enumerate(chart.groups.items()):
                if chart.kind == "stacked":
                    ax.bar(positions, values, bottom=bottom, label=group)
                    bottom = [b + v for b, v in zip(bottom, values, strict=True)]
                else:
                    width_each = 0.8 / n
                    ax.bar([p - 0.4 + width_each * (i + 0.5) for p in positions], values, width_each, label=group)
            ax.set_xticks(positions)
            ax.set_xticklabels([str(x) for x in chart.x], rotation=35 if len(chart.x) > 5 else 0, ha="right"
                               if len(chart.x) > 5 else "center", fontsize=8)
        if chart.is_time_series:
            locator = mdates.AutoDateLocator()  # type: ignore[no-untyped-call]
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
            ax.set_xlabel("UTC")
        ax.set_title(chart.title)
        ax.set_ylabel(chart.y_label)
        ax.grid(alpha=0.3)
        if len(chart.groups) > 1:
            ax.legend(fontsize=8, loc="best")
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)
    return path
