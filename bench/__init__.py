"""Benchmarks and speed budgets: `python -m bench` measures each figure beside its budget.

Scripts, not tests: the run starts everything it needs (the Phone.inc simulator, Redis, a temp
SQLite database, gunicorn), prints a table and exits non-zero when a budget is missed.
Modules: `servers` (starting and stopping it all), `measure` (one function per figure),
`settings` + `urls` (the project plus one bench-only "ok" view), `__main__` (the run).
"""
