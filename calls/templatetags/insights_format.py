"""Template filters and tags of the insights page and the links to it (calls.insights.format)."""

from __future__ import annotations

from django import template

from calls.insights import format as insights_format

register = template.Library()

register.filter("percent", insights_format.percent)
register.filter("seconds", insights_format.seconds)
register.filter("moment", insights_format.moment)
register.filter("wait", insights_format.wait)


@register.simple_tag(takes_context=True)
def filters_query(context, query) -> str:
    return insights_format.filters_query(query, bool(context.get("embedded")))
