"""matplotlib without a display: one place that picks the backend and saves charts into the results folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def new_figure(width: float = 6.4, height: float = 4.0, columns: int = 1) -> tuple[Any, Any]:
    """A (figure, axes) pair drawn off screen; `columns` > 1 gives a row of axes."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and in CI
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(1, columns, figsize=(width, height), layout="constrained")
    return figure, axes


def save(figure: Any, directory: Path, name: str) -> str:
    """Write the figure as `<directory>/<name>` (PNG), close it, and return the name for the report."""
    from matplotlib import pyplot

    directory.mkdir(parents=True, exist_ok=True)
    figure.savefig(directory / name, dpi=110)
    pyplot.close(figure)
    return name
