"""exporthistory --company NAME [--from DAY] [--to DAY] [--output FILE] [--with-transcripts]:
a company's stored calls as CSV, the columns of /calls/export.csv, for an operator's archive.

Streams (calls.history.archive): memory stays flat however many calls the company keeps.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from contextlib import closing
from datetime import date
from pathlib import Path

from django.core.management import BaseCommand, CommandError

from calls.history import archive
from calls.insights import csv_file
from calls.management.companies import find_company

DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Days an archive can be bounded by: every moment of them is a datetime in any time zone.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)


class Command(BaseCommand):
    help = (
        "Write a company's stored calls, newest first, as CSV with the columns of the call "
        "export, times and days in the company's time zone, to standard output or --output. "
        "Calls without a start time come last, and only when neither --from nor --to is given."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--company", metavar="NAME", required=True, help="the company's name")
        parser.add_argument(
            "--from",
            dest="first",
            metavar="YYYY-MM-DD",
            help="calls that started on this day or later, in the company's time zone",
        )
        parser.add_argument(
            "--to",
            dest="last",
            metavar="YYYY-MM-DD",
            help="calls that started on this day or earlier, in the company's time zone",
        )
        parser.add_argument("--output", metavar="FILE", help="write to FILE (replaced if there)")
        parser.add_argument(
            "--with-transcripts",
            action="store_true",
            help="append a transcription column (empty unless the company keeps transcripts)",
        )

    def handle(
        self,
        *args,
        company: str,
        first: str | None,
        last: str | None,
        output: str | None,
        with_transcripts: bool,
        **options,
    ) -> None:
        chosen = find_company(company)
        if not chosen.keeps_history:
            raise CommandError(f"{chosen.name!r} keeps no call history (its history is off).")
        first_day, last_day = read_day("--from", first), read_day("--to", last)
        if first_day is not None and last_day is not None and last_day < first_day:
            raise CommandError(f"--to {last} is before --from {first}.")
        lines = archive.csv_lines(
            chosen,
            first_day,
            last_day,
            columns=csv_file.COLUMNS,
            row=csv_file.row,
            transcripts=with_transcripts,
        )
        with closing(lines):  # its database cursor is closed even when writing fails
            if output is None:
                self.write_out(lines)
                return
            written = write_file(Path(output), lines)
        self.stdout.write(f"Wrote {written:,} call{'s' if written != 1 else ''} to {output}.")

    def write_out(self, lines: Iterable[str]) -> None:
        try:
            for line in lines:
                self.stdout.write(line, ending="")
            self.stdout.flush()
        except BrokenPipeError:
            # The reader stopped early (`| head`): one line, not a traceback, and standard
            # output pointed at nothing so that Python's last flush on the way out cannot fail.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise CommandError("Standard output was closed before the archive ended.") from None


def write_file(path: Path, lines: Iterable[str]) -> int:
    """Write the lines to `path` through a partial file beside it, so that a file of that
    name is always a whole archive; how many calls (lines after the header)."""
    partial = path.with_name(f"{path.name}.partial")
    written = -1
    try:
        with open(partial, "w", encoding="utf-8", newline="") as file:
            for line in lines:
                file.write(line)
                written += 1
        os.replace(partial, path)
    except OSError as error:
        raise CommandError(f"Cannot write {path}: {error.strerror or error}.") from None
    finally:
        partial.unlink(missing_ok=True)  # left only by a failure: a replaced one is gone
    return written


def read_day(option: str, text: str | None) -> date | None:
    """The day an option names, YYYY-MM-DD; None when not given."""
    if text is None:
        return None
    try:
        if not DAY_RE.fullmatch(text.strip()):
            raise ValueError(text)
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            f"{option} {text!r} is not a day: write it as YYYY-MM-DD, e.g. 2025-03-31."
        ) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise CommandError(f"{option} {text!r} is not a day between {FIRST_DAY} and {LAST_DAY}.")
    return day
