#!/usr/bin/env python3
"""phonedash's command line: python manage.py <command>."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phonedash.settings")
    if sys.argv[1:2] == ["demo"]:
        # The demo is a local trial: development mode unless the operator says otherwise.
        os.environ.setdefault("PHONEDASH_DEBUG", "1")
    try:
        from django.core.management import execute_from_command_line
    except ImportError as error:
        raise SystemExit(
            "Django is not installed here. Run `python3 dev.py demo` (it sets up .venv) "
            "or activate the virtualenv first."
        ) from error
    from django.core.exceptions import ImproperlyConfigured

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        raise SystemExit(f"Configuration error: {error}") from None


if __name__ == "__main__":
    main()
