"""A tag's mentions per month as a small SVG bar chart, drawn at publish time: no charting
library and no script in the reader's browser. Inline in the page, styled by its CSS."""

from __future__ import annotations

from html import escape

_WIDTH, _HEIGHT, _LABEL = 600, 150, 20  # the drawing's units (it scales to the page)


def month_chart(months: list[tuple[str, int]], tag: str) -> str:
    """``<svg>`` with one bar per month (``YYYY-MM``, mentions), its first and last month and
    the highest count labelled, and each bar's month and count as its tooltip; "" when there
    is nothing to draw."""
    if not months:
        return ""
    peak = max(n for _, n in months) or 1
    total = sum(n for _, n in months)
    step = _WIDTH / len(months)
    plot = _HEIGHT - 2 * _LABEL  # a label row above the bars (the peak) and one below
    bars = []
    for i, (month, count) in enumerate(months):
        height = round(plot * count / peak, 1)
        x, width = round(i * step, 2), round(max(step * 0.8, 1), 2)
        bars.append(
            f'<rect class="bar-rect" x="{x}" y="{round(_LABEL + plot - height, 1)}" width="{width}"'
            f' height="{height}"><title>{escape(month)}: {count}</title></rect>'
        )
    label = (
        f"Mentions of #{tag} per month: {total} from {months[0][0]} to {months[-1][0]},"
        f" at most {peak} in a month"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img"'
        f' aria-label="{escape(label)}">'
        + "".join(bars)
        + f'<text x="0" y="{_HEIGHT - 3}">{escape(months[0][0])}</text>'
        + f'<text x="{_WIDTH}" y="{_HEIGHT - 3}" text-anchor="end">{escape(months[-1][0])}</text>'
        + f'<text x="0" y="{_LABEL - 6}">at most {peak} a month</text>'
        + "</svg>"
    )
