"""WSGI entry point for gunicorn: ``gunicorn phonedash.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

from phonedash import malloc

# Before any request thread starts: a worker's memory comes back after a large answer.
malloc.tune()

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phonedash.settings")
application = get_wsgi_application()
