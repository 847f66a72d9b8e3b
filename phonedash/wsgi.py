"""WSGI entry point for gunicorn: ``gunicorn phonedash.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phonedash.settings")
application = get_wsgi_application()
