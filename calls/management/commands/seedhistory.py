"""seedhistory --company NAME --calls N --days D [--transcripts M]: synthetic call history.

Fills a company's history with N plausible calls over its last D days, M of them with a
transcript (calls.history.seeding says how they are made), for trials and benchmarks. Rows go
in by batches of seeding.BATCH, each written by bulk_create in its own transaction: memory
stays flat, and a run stopped half-way keeps the batches it wrote. Bad input is refused before
anything is written.
"""

from __future__ import annotations

import time

from django.core.management import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from calls.history import seeding, store, synthetic
from calls.models import Company, StoredCall

PROGRESS_EVERY = 0.2  # seconds between redraws of the progress bar
BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Fill a company's call history with N synthetic calls over its last D days, M of them "
        "with transcripts, for trials and benchmarks."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--company", metavar="NAME", required=True)
        parser.add_argument("--calls", metavar="N", type=int, required=True)
        parser.add_argument("--days", metavar="D", type=int, required=True)
        parser.add_argument(
            "--transcripts",
            metavar="M",
            type=int,
            default=0,
            help="how many of the calls have a transcript (default 0; the company's history "
            "must keep transcripts)",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="no progress bar on standard error"
        )

    def handle(self, *args, **options) -> None:
        name = options["company"].strip()
        calls, days, transcripts = options["calls"], options["days"], options["transcripts"]
        company = Company.objects.filter(name__iexact=name).first()
        if company is None:
            raise CommandError(f"No company named {name!r}.")
        try:
            seeding.check(company, calls, days, transcripts)
        except ValueError as error:
            raise CommandError(str(error)) from None
        started = time.monotonic()
        progress = Progress(self.stderr, calls, shown=not options["no_progress"])
        made = seeding.batches(
            company,
            calls,
            days,
            transcripts,
            cast=synthetic.cast_of(company),
            already=StoredCall.objects.filter(company=company).count(),
            now=timezone.now(),
        )
        for batch in made:
            with transaction.atomic():
                StoredCall.objects.bulk_create(batch, batch_size=seeding.INSERT_ROWS)
            progress.advance(len(batch))
        progress.close()
        with transaction.atomic():  # returns and daily tallies, as storing them would have
            store.recount(company)
        with_transcripts = f" ({transcripts:,} with transcripts)" if transcripts else ""
        self.stdout.write(
            f"Seeded {calls:,} {plural(calls, 'call')} over {days:,} {plural(days, 'day')} for "
            f"{company.name}{with_transcripts} in {took(time.monotonic() - started)}."
        )


class Progress:
    """One line on standard error, redrawn in place: calls written, percent, calls a second.
    Drawn only on a terminal, so that logs never fill with it."""

    def __init__(self, stream, total: int, *, shown: bool = True) -> None:
        self.stream, self.total, self.done = stream, total, 0
        self.shown = shown and stream.isatty()
        self.started = self.drawn = time.monotonic()

    def advance(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if self.shown and (now - self.drawn >= PROGRESS_EVERY or self.done >= self.total):
            self.drawn = now
            self.draw(now)

    def draw(self, now: float) -> None:
        share = self.done / self.total
        filled = round(share * BAR_WIDTH)
        rate = self.done / max(now - self.started, 1e-9)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        line = f"\r[{bar}] {self.done:,}/{self.total:,} calls {share:6.1%} {rate:,.0f}/s"
        self.stream.write(line, style_func=str, ending="")
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("", style_func=str)  # ends the bar's line


def plural(count: int, word: str) -> str:
    return word if count == 1 else f"{word}s"


def took(seconds: float) -> str:
    """A duration as a person reads it: 2.4 s, 42 s, 4 min 10 s, 1 h 5 min."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"
