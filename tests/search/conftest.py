"""The search's fixtures: the history's own (Acme keeping transcripts, alice signed in)."""

from tests.history.conftest import acme_history, acme_kept, client_of, simulator  # noqa: F401
