"""Unit tests for calls/phoneinc/errors.py: messages for people, statuses for our pages."""

from __future__ import annotations

import pickle

from calls.phoneinc import BadAnswer, InvalidKey, NotFound, PhoneIncError, RateLimited, Unavailable


def test_it_writes_error_messages_for_people():
    assert InvalidKey().message == (
        "Phone.inc did not accept this company's API key. Ask your administrator to check it."
    )
    assert InvalidKey().status == 502
    assert NotFound().status == 404
    assert Unavailable().status == 503
    assert BadAnswer().status == 502
    assert RateLimited(45).status == 429
    assert "45 seconds" in RateLimited(45).message
    assert "2 minutes" in RateLimited(120).message
    assert str(Unavailable()) == Unavailable().message
    for cls in (InvalidKey, NotFound, RateLimited, Unavailable, BadAnswer):
        assert issubclass(cls, PhoneIncError)


def test_it_pickles_errors():
    exc = pickle.loads(pickle.dumps(RateLimited(90, detail="HTTP 429", upstream_status=429)))
    assert isinstance(exc, RateLimited)
    assert exc.retry_after == 90
    assert exc.upstream_status == 429
    assert exc.message == RateLimited(90).message
