"""/progress as a picture (matplotlib, Agg, no display): warm-ups on a calendar of the
last weeks, soreness at each check-in over time, and the tight areas of the last days.

Sized for a phone: 1,200 pixels wide (Telegram shows photos up to 1,280), with type
large enough to read at the size a chat shows it. matplotlib is imported on first use,
so a coach that never draws a chart never pays for the import.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.drawings import ProgressChart

if TYPE_CHECKING:
    from matplotlib.axes import Axes

WIDTH_IN, HEIGHT_IN, DPI = 12.0, 15.0, 100  # 1,200 x 1,500 pixels
DONE = "#de5814"
EMPTY = "#e4e0d8"
FUTURE = "#f6f4ef"
INK = "#1e2228"
BACKGROUND = "#faf9f5"


def render(chart: ProgressChart) -> bytes:
    """The chart as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor=BACKGROUND)
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(3, 1, height_ratios=[1.25, 1, 1], hspace=0.55)
    _calendar(figure.add_subplot(grid[0]), chart)
    _soreness(figure.add_subplot(grid[1]), chart)
    _areas(figure.add_subplot(grid[2]), chart)
    figure.subplots_adjust(left=0.2, right=0.95, top=0.9, bottom=0.05)
    out = io.BytesIO()
    figure.savefig(out, format="png", facecolor=BACKGROUND)
    return out.getvalue()


def _style(axes: Axes, title: str, pad: float = 18) -> None:
    axes.set_title(title, fontsize=30, loc="left", color=INK, pad=pad)
    axes.set_facecolor(BACKGROUND)
    axes.tick_params(labelsize=22, colors=INK, length=0)
    for spine in axes.spines.values():
        spine.set_visible(False)


def _calendar(axes: Axes, chart: ProgressChart) -> None:
    from matplotlib.patches import Rectangle

    words = chart.words
    _style(axes, words.calendar_title, pad=56)  # room for the weekdays above
    monday = chart.today - timedelta(days=chart.today.weekday())
    first = monday - timedelta(weeks=chart.weeks - 1)
    done = set(chart.warmup_days)
    for week in range(chart.weeks):
        for weekday in range(7):
            day = first + timedelta(weeks=week, days=weekday)
            colour = FUTURE if day > chart.today else DONE if day in done else EMPTY
            row = chart.weeks - 1 - week  # this week at the bottom
            square = Rectangle((weekday + 0.06, row + 0.06), 0.88, 0.88, color=colour)
            axes.add_patch(square)
            if day == chart.today:
                ring = Rectangle((weekday + 0.06, row + 0.06), 0.88, 0.88, fill=False, lw=4, ec=INK)
                axes.add_patch(ring)
    axes.set_xlim(0, 7)
    axes.set_ylim(0, chart.weeks)
    axes.set_aspect("equal")
    axes.set_xticks([d + 0.5 for d in range(7)], list(words.weekdays))
    axes.xaxis.tick_top()
    labels = [_short(first + timedelta(weeks=w)) for w in range(chart.weeks)]
    axes.set_yticks([chart.weeks - 1 - w + 0.5 for w in range(chart.weeks)], labels)


def _soreness(axes: Axes, chart: ProgressChart) -> None:
    import matplotlib.dates as mdates
    from matplotlib.ticker import FuncFormatter

    words = chart.words
    _style(axes, words.soreness_title)
    axes.set_ylim(-0.5, 10.5)
    axes.set_yticks([0, 5, 10])
    axes.grid(axis="y", color=EMPTY, lw=2)
    start = chart.today - timedelta(weeks=chart.weeks) + timedelta(days=1)
    axes.set_xlim(_day_number(start), _day_number(chart.today + timedelta(days=1)))
    weeks = mdates.WeekdayLocator(byweekday=0, interval=2)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(weeks)
    axes.xaxis.set_major_formatter(FuncFormatter(_day_label))
    if not chart.soreness:
        axes.text(
            0.5, 0.5, words.no_checkins, transform=axes.transAxes,
            ha="center", va="center", fontsize=24, color=INK,
        )  # fmt: skip
        return
    when = [_day_number(moment.replace(tzinfo=None)) for moment, _ in chart.soreness]
    values = [value for _, value in chart.soreness]
    axes.plot(when, values, color=DONE, lw=4, marker="o", markersize=14)


def _day_label(number: float, _position: object = None) -> str:
    """ "9 Nov" for a day number on a date axis (days since 1970, matplotlib's epoch)."""
    return _short(date(1970, 1, 1) + timedelta(days=int(number)))


def _short(day: date) -> str:
    return f"{day.day} {day:%b}"


def _day_number(value: date | datetime) -> float:
    """A date as matplotlib places it on a date axis."""
    import matplotlib.dates as mdates

    return float(mdates.date2num(value))  # type: ignore[no-untyped-call]


def _areas(axes: Axes, chart: ProgressChart) -> None:
    from matplotlib.ticker import MaxNLocator

    words = chart.words
    _style(axes, words.areas_title)
    if not chart.areas:
        axes.set_xticks([])
        axes.set_yticks([])
        axes.text(
            0.5, 0.5, words.no_areas, transform=axes.transAxes,
            ha="center", va="center", fontsize=24, color=INK,
        )  # fmt: skip
        return
    shown = list(reversed(chart.areas[:6]))  # most days at the top
    names = [name for name, _ in shown]
    days = [count for _, count in shown]
    axes.barh(names, days, color=DONE, height=0.6)
    axes.set_ylim(-0.5, max(len(shown), 3) - 0.5)  # one area: a bar, not a block
    axes.set_xlim(0, max(max(days), 3) + 0.5)
    axes.set_xlabel(words.days_axis, fontsize=22, color=INK)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(axis="x", color=EMPTY, lw=2)
    axes.set_axisbelow(True)
