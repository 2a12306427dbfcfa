"""Pictures of load balancing: which pod served how many requests."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure


def plot_backends(counts: dict[str, pd.Series] | pd.Series, title: str = "Which pod served each request") -> Figure:
    """A bar chart per scenario (one panel each), pods on the x axis, requests on the y axis."""
    panels = {"": counts} if isinstance(counts, pd.Series) else counts
    pods = sorted({pod for series in panels.values() for pod in series.index})
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.2), sharey=True, squeeze=False)
    for ax, (label, series) in zip(axes[0], panels.items()):
        values = [int(series.get(pod, 0)) for pod in pods]
        bars = ax.bar(range(len(pods)), values, color="#3b7dd8")
        ax.bar_label(bars, padding=2, fontsize=8)
        ax.set_xticks(range(len(pods)), [p.rsplit("-", 1)[-1] if len(p) > 14 else p for p in pods], rotation=0, fontsize=8)
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("pod")
        ax.spines[["top", "right"]].set_visible(False)
    axes[0][0].set_ylabel("requests")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    plt.close(fig)
    return fig
