"""The call search: `/calls/search/?q=…`, what was said in the company's stored calls.

Open to members who may read transcripts, for a company whose history keeps summaries or
transcripts (otherwise a page says what search needs). An empty search shows the form and how
to search; a search a form check refuses is a 400 that says why. Searches not kept already
count against the member's searches per minute, and each is logged by what it asked for (how
many words, which filters), never by its words.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from calls.accounts.tenancy import company_required, content_forbidden
from calls.answers import quotas
from calls.answers.store import shared
from calls.filters import periods
from calls.models import Company
from calls.pages import render_page
from calls.phoneinc import RateLimited
from calls.responses import fragment_for
from calls.search import engine
from calls.search.forms import SearchForm, cursor_of

log = logging.getLogger("phonedash.search")

FILTERS = ("line", "direction", "employee")


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@company_required
def search(request: HttpRequest, company: Company) -> HttpResponse:
    scope = request.scope
    if not scope.content:
        return content_forbidden(request)
    fragment = fragment_for(request, "results")
    template = f"calls/search.html#{fragment}" if fragment else "calls/search.html"
    context: dict = {"company": company, "fragment": fragment}
    if not company.keeps(Company.SUMMARIES):
        context["unavailable"] = True
        context["is_admin"] = request.member.is_admin
        return render_page(request, template, context)
    form = SearchForm(
        request.GET or None, region=company.region, company=company, lines=scope.lines
    )
    context["form"] = form
    if not form.is_bound:
        return render_page(request, template, context)
    if not form.is_valid():
        return render_page(request, template, context, status=400)
    words = form.words
    context.update(q=form.cleaned_data["q"], period=form.period)
    if words.is_empty:  # nothing typed yet, or only words to leave out
        context["only_left_out"] = bool(words.excluded)
        return render_page(request, template, context)
    query = form.query(lines=scope.lines)
    offset = form.offset
    started = time.perf_counter()
    kept = engine.is_kept(company, query, words, offset)
    if not kept:
        try:
            limit = settings.PHONEDASH_SEARCHES_PER_MINUTE
            too_fast = f"You are searching faster than phonedash allows ({limit} a minute);"
            quotas.charge_search(shared, company, request.user.pk, too_fast)
        except RateLimited as error:
            context["error"] = error
            response = render_page(request, template, context, status=error.status)
            response["Retry-After"] = str(error.retry_after)
            return response
    found = engine.find(company, query, words, offset)
    filters = [name for name in FILTERS if form.cleaned_data.get(name)]
    log.info(
        "search: company %s, %d terms, %d left out, %s, filters [%s], page %d, %d found, %s, "
        "%.0f ms",
        company.pk,
        len(words.terms),
        len(words.excluded),
        f"{form.period.days} days" if form.period else "all kept days",
        ",".join(filters),
        offset // engine.PAGE + 1,
        found.total,
        "kept" if kept else "searched",
        (time.perf_counter() - started) * 1000,
    )
    params = form.link_params()
    if request.embedded:
        params["embed"] = "1"
    here = {**params, "cursor": cursor_of(offset)} if offset else params
    context.update(
        found=found,
        offset=offset,
        shown_to=offset + len(found.results),
        detail_query=urlencode({"q": context["q"]}),
        more_query=urlencode({**params, "cursor": cursor_of(found.next_offset)})
        if found.next_offset is not None
        else None,
        first_query=urlencode(params) if offset else None,
        scope_limited=scope.is_limited,
    )
    version = None if fragment else page_version(request, company, form)
    response = render_page(request, template, context, version=version)
    if fragment:
        response["HX-Push-Url"] = f"{request.path}?{urlencode(here)}"
    return response


def page_version(request: HttpRequest, company: Company, form: SearchForm) -> tuple:
    """Everything a page of results shows besides the layout (calls.pages): the history as it
    stood, the days its period meant, the company's name, zone and region, the member's scope,
    the search as asked and the embedded switch."""
    read = periods.read_at(company, form.period) if form.period else company.history_version
    return (
        "calls:search",
        company.pk,
        company.name,
        company.timezone,
        company.region,
        read,
        request.scope,
        request.embedded,
        tuple(sorted(request.GET.items())),
    )
