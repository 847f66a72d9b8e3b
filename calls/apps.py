from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "calls"
    verbose_name = "Calls and companies"

    def ready(self) -> None:
        from calls import layout
        from calls.accounts import signals  # noqa: F401  (connects the sign-in audit receivers)
        from calls.answers import requests
        from calls.callbacks import nav
        from calls.history import levels  # noqa: F401  (keeps the sync in step with companies)
        from calls.history import status as history_status
        from calls.search import checks  # noqa: F401  (SQLite must have FTS5 for the search)
        from calls.search import nav as search_nav
        from phonedash import health, requestlog

        layout.add_figure("open_callbacks", nav.open_callbacks)
        layout.add_figure("can_search", search_nav.can_search)

        # What the site's request log and /readyz show of Phone.inc (the site knows nothing of it).
        requestlog.add_hook(requestlog.Hook(around=requests.budgeted, fields=requests.log_fields))
        health.add_report("phoneinc", requests.upstream_report, needs=("cache",))
        health.add_report("history", history_status.readiness, needs=("database",))
