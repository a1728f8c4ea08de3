"""The console's numbers: conversations, handoffs and "not understood" per day and language, the median time
to a person's first reply, and the bar geometry of the SVG charts (drawn by the templates, no script)."""
from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Mapping, Sequence, Tuple

from sanic import response
from sanic.request import Request

from bot.console.context import Console
from bot.handoff import workflow
from bot.models import utc_now
from bot.transcripts import DailyNumbers, median_minutes

STATS_DAYS = 14
MEASURES = ("conversations", "handoffs", "fallbacks")
NOTICES: dict = {}


async def stats(console: Console, request: Request) -> response.HTTPResponse:
    since = dt.datetime.combine(utc_now().date() - dt.timedelta(days=STATS_DAYS - 1), dt.time())
    numbers = console.transcripts.daily_numbers(since)
    with console.sessions() as session:
        recent = workflow.handoffs_since(session, since)
    for item in recent:
        numbers.add("handoffs", item.created_at.date(), item.language)
    median = median_minutes([h.first_reply_at - h.created_at for h in recent if h.first_reply_at])
    days = [since.date() + dt.timedelta(days=i) for i in range(STATS_DAYS)]
    return console.page(request, "stats.html", numbers=numbers, days=days, median=median,
                        chart=daily_chart(numbers, days), measures=MEASURES)


def daily_chart(numbers: DailyNumbers, days: List[dt.date]) -> Dict[str, Any]:
    """Bar geometry for the stats page's SVG: three bars per day (conversations, handoffs, fallbacks)."""
    peak = max([numbers.total(m, d) for m in MEASURES for d in days] + [1])
    height, bar, gap = 200, 10, 14
    bars = []
    for i, day in enumerate(days):
        for j, measure in enumerate(MEASURES):
            value = numbers.total(measure, day)
            h = round(height * value / peak)
            bars.append({"x": 40 + i * (3 * bar + gap) + j * bar, "y": 10 + height - h, "height": h,
                         "measure": measure, "value": value, "day": day})
    labels = [{"x": 40 + i * (3 * bar + gap), "text": d.strftime("%d-%m")} for i, d in enumerate(days)]
    return {"bars": bars, "labels": labels, "peak": peak, "width": 60 + len(days) * (3 * bar + gap),
            "height": height, "bar": bar}


def themes_chart(counts: Mapping[Tuple[str, str, str], int]) -> Tuple[Dict[str, Any], List[str]]:
    """The themes report's chart (one bar per month, stacked by body) and its months, from
    Counter[(month, body, theme)]."""
    months = sorted({month for month, _, _ in counts})
    per_body = {body: [sum(n for (m, b, _), n in counts.items() if m == month and b == body) for month in months]
                for body in sorted({b for _, b, _ in counts})}
    return stacked_chart(months, per_body), months


def stacked_chart(months: Sequence[str], per_body: Mapping[str, List[int]]) -> Dict[str, Any]:
    """Bar geometry for the themes page: one bar per month, stacked by body."""
    height, bar, gap = 200, 28, 16
    peak = max([sum(values[i] for values in per_body.values()) for i in range(len(months))] + [1])
    bars, labels = [], []
    for i, month in enumerate(months):
        x, top = 40 + i * (bar + gap), 10 + height
        for body, values in per_body.items():
            h = round(height * values[i] / peak)
            top -= h
            bars.append({"x": x, "y": top, "height": h, "body": body, "value": values[i], "month": month})
        labels.append({"x": x, "text": month})
    return {"bars": bars, "labels": labels, "peak": peak, "width": 60 + len(months) * (bar + gap),
            "height": height, "bar": bar, "bodies": list(per_body)}
