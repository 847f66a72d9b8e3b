"""Secrets for commands come from the environment or a prompt without echo, never argv."""

from __future__ import annotations

import getpass
import os
import sys

from django.core.management import CommandError


def read_secret(variable: str, prompt: str, *, confirm: bool = False) -> str:
    value = os.environ.get(variable, "").strip()
    if value:
        return value
    if not sys.stdin.isatty():
        raise CommandError(f"Set {variable}, or run this command in a terminal to be prompted.")
    try:
        value = getpass.getpass(f"{prompt}: ").strip()
        if confirm and value and getpass.getpass(f"{prompt} (again): ").strip() != value:
            raise CommandError("The two entries did not match.")
    except (EOFError, KeyboardInterrupt):
        raise CommandError("Cancelled.") from None
    if not value:
        raise CommandError(f"{prompt} cannot be empty.")
    return value
