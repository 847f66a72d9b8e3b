"""The yardstick every page's throughput is divided by: the bare stack, and nothing of ours.

A Django project of its own (settings + urls here) with one login-required view that returns
"ok": the same Django, the same database and database sessions, the same SECRET_KEY (so the
same signed session cookie is read the same way), served by gunicorn with the same flags as
the dashboard. It has none of the dashboard's middleware, apps or templates: a page's ratio
to it says what the dashboard adds on top of Django, gunicorn and a session lookup.
"""
