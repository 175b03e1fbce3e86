"""The geometry of the dashboard's SVG charts; catalog/web/templates/_charts.html draws them.

Lengths are screen coordinates, so floats are fine here; every number a reader sees is the
figure's own display string, computed exactly by catalog/services/figures.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar

WIDTH = 640
LABEL_WIDTH = 220  # department names, right-aligned before the bars
BAR_AREA = 300
ROW = 22
BAR = 14
PLOT_HEIGHT = 180
MARGIN = 40


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the display value, or why there is none (无适用事项)
    y: int
    length: float  # 0 when there is no value

    @property
    def text_x(self) -> float:
        return LABEL_WIDTH + self.length + 6


@dataclass(frozen=True)
class Chart:
    """A chart's title and description (its text alternative); the drawing's size is fixed."""

    title: str
    description: str
    width: ClassVar[int] = WIDTH


@dataclass(frozen=True)
class BarChart(Chart):
    bars: list[Bar]
    label_width: ClassVar[int] = LABEL_WIDTH
    bar_height: ClassVar[int] = BAR

    @property
    def height(self) -> int:
        return len(self.bars) * ROW + 8


def _scale(values: list[Fraction | None], percent: bool) -> Fraction:
    """The value a full bar stands for: 100% for a rate, else the largest value."""
    if percent:
        return Fraction(1)
    return max((v for v in values if v is not None), default=Fraction(0)) or Fraction(1)


def bar_chart(
    title: str, description: str, rows: list[tuple[str, Fraction | None, str]], percent: bool
) -> BarChart:
    """Horizontal bars, one per (label, value, display text), in the given order."""
    top = _scale([value for _label, value, _text in rows], percent)
    bars = [
        Bar(
            label,
            text,
            index * ROW + 4,
            float(value / top) * BAR_AREA if value is not None else 0.0,
        )
        for index, (label, value, text) in enumerate(rows)
    ]
    return BarChart(title, description, bars)


@dataclass(frozen=True)
class Point:
    label: str  # the as-of date
    text: str
    x: float
    y: float | None  # None: no value that day (nothing in scope)


@dataclass(frozen=True)
class LineChart(Chart):
    points: list[Point]
    height: ClassVar[int] = PLOT_HEIGHT + 2 * MARGIN
    top: ClassVar[int] = MARGIN
    bottom: ClassVar[int] = PLOT_HEIGHT + MARGIN
    left: ClassVar[int] = MARGIN
    right: ClassVar[int] = WIDTH - MARGIN

    @property
    def path(self) -> str:
        """The polyline through the days that have a value."""
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points if p.y is not None)


def line_chart(
    title: str, description: str, rows: list[tuple[str, Fraction | None, str]], percent: bool
) -> LineChart:
    """A line over (date, value, display text), oldest first, from 0 at the bottom."""
    top = _scale([value for _label, value, _text in rows], percent)
    step = (WIDTH - 2 * MARGIN) / max(1, len(rows) - 1)
    points = [
        Point(
            label,
            text,
            MARGIN + index * step,
            None if value is None else MARGIN + PLOT_HEIGHT - float(value / top) * PLOT_HEIGHT,
        )
        for index, (label, value, text) in enumerate(rows)
    ]
    return LineChart(title, description, points)
