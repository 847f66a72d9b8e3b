"""The call list's rows written in Python (calls.call_list.rows) are the template partial's
markup byte for byte, for ordinary calls and for every edge value the pages survive, in the
list as it is and embedded, in two time zones."""

from __future__ import annotations

import copy

import pytest
from django.template import Context, Engine
from django.utils import timezone

from calls.call_list import rows
from calls.phoneinc.parsing import parse_call
from tests.test_extreme_values import BASE, SHOWN

# The partial as the template had it: the reference the Python rows must match.
REFERENCE = (
    "{% load calls_format %}{% for call, started in rows %}\n"
    '<tr{% if call.is_missed or call.is_live %} class="{% if call.is_missed %}missed{% endif %}'
    "{% if call.is_missed and call.is_live %} {% endif %}{% if call.is_live %}live{% endif %}"
    '"{% endif %}><td class="direction direction-{{ call.direction }}">'
    '{{ call.direction|capfirst|default:"Unknown" }}</td>\n'
    '<td class="party">{% with number=call.remote_number %}{% if not call.is_withheld %}'
    '<a href="?phone_number={{ number|urlencode }}{% if embedded %}&amp;embed=1{% endif %}">'
    '{{ number|phone:region }}</a>{% else %}<span class="withheld">{{ number|phone:region }}'
    "</span>{% endif %}{% endwith %}</td>\n"
    '<td class="line{% if not call.main_number_name %} empty{% endif %}">'
    '{{ call.main_number_name|default:"—" }}</td>\n'
    '<td class="state"><span class="badge badge-{{ call.state|state_tone }}">'
    "{{ call.state|state_label }}</span>{% if call.is_missed %} "
    '<span class="badge badge-missed">Missed</span>{% endif %}</td>\n'
    '<td class="started">{% if call.started_at %}<time datetime="{{ call.started_at|date:\'c\' }}"'
    ' title="{{ call.started_at|absolute }}">{{ started }}</time>{% else %}'
    '<span class="muted">Not started</span>{% endif %}</td>\n'
    '<td class="num">{% if call.is_live %}<span class="muted">live</span>{% else %}'
    "{{ call.duration|duration }}{% endif %}</td>\n"
    '<td class="employees{% if not call.employees %} empty{% endif %}">'
    "{% for employee in call.employees %}{{ employee.name }}{% if not forloop.last %}, "
    '{% endif %}{% empty %}<span class="muted">—</span>{% endfor %}</td>\n'
    '<td class="details">{% if call.has_valid_id %}<a href="{% url \'calls:detail\' call.id %}'
    '{% if embedded %}?embed=1{% endif %}" hx-boost="false">Details<span class="visually-hidden">'
    " of the call with {{ call.remote_number|phone:region }}</span></a>{% endif %}</td></tr>"
    "{% endfor %}"
)


def calls() -> list:
    found = [parse_call(copy.deepcopy(BASE))]
    for param in SHOWN:
        try:
            found.append(parse_call({**copy.deepcopy(BASE), **param.values[0]}))
        except Exception:  # a value the page shows as a bad answer: no row to write
            continue
    return found


@pytest.mark.parametrize("embedded", [False, True])
@pytest.mark.parametrize("zone", ["America/New_York", "Pacific/Kiritimati"])
@pytest.mark.parametrize("region", ["US", "GB"])
def test_python_rows_are_the_partials_markup(embedded, zone, region):
    pairs = [(call, f"{n} min ago <&>") for n, call in enumerate(calls())]
    assert len(pairs) > 40
    engine = Engine.get_default()
    with timezone.override(zone):
        expected = engine.from_string(REFERENCE).render(
            Context({"rows": pairs, "region": region, "embedded": embedded})
        )
        written = rows.rows(pairs, region, embedded)
    assert written == expected
