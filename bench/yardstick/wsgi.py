"""WSGI entry point of the yardstick: `gunicorn -c gunicorn.conf.py bench.yardstick.wsgi`."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.yardstick.settings"
application = get_wsgi_application()
