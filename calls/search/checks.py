"""The start-up check that SQLite can search: its FTS5 module must be built in."""

from __future__ import annotations

import sqlite3

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility)
def sqlite_has_fts5(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """An error naming the problem when the database is SQLite without FTS5."""
    engine = settings.DATABASES["default"]["ENGINE"]
    if not engine.endswith("sqlite3"):
        return []
    try:
        with sqlite3.connect(":memory:") as connection:
            connection.execute("CREATE VIRTUAL TABLE probe USING fts5(text)")
    except sqlite3.OperationalError as error:
        return [
            checks.Error(
                f"This Python's SQLite ({sqlite3.sqlite_version}) has no FTS5 module "
                f"({error}), which the call search needs.",
                hint="Use a Python built with a SQLite that has FTS5 (the python.org builds "
                "and Debian's have it), or PostgreSQL (DATABASE_URL).",
                id="calls.E010",
            )
        ]
    return []
