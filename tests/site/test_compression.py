"""Text responses compressed with gzip when the browser accepts it (phonedash.compression),
kept pages too, each with its own CSRF token and a header of random length (BREACH); anything
not text left as it is."""

from __future__ import annotations

import gzip

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from phonedash import compression
from tests.call_list.test_call_list import rows_of
from tests.test_pages import TOKEN, no_kept_pages, still  # noqa: F401  (fixtures)

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def test_compressed_headers_vary_in_length():
    request = RequestFactory().get("/", headers=GZIP)
    middleware = compression.TextGZipMiddleware(
        lambda request: HttpResponse("same" * 100, content_type="text/html")
    )
    lengths = {len(middleware(request).content) for _ in range(50)}
    assert len(lengths) > 10, "Heal The Breach: up to 100 random bytes in the header"


@pytest.mark.usefixtures("sim")
def test_a_kept_page_is_served_compressed_with_its_own_token(alice_client):
    for _ in range(2):
        alice_client.get("/calls/?limit=50", headers=GZIP)
    plain = alice_client.get("/calls/?limit=50")
    packed = [alice_client.get("/calls/?limit=50", headers=GZIP) for _ in range(2)]
    assert "Content-Encoding" not in plain, "not compressed unless asked for"
    texts = []
    for response in packed:
        assert response.templates == [], "the kept page"
        assert response["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response["Vary"] and "Cookie" in response["Vary"]
        assert int(response["Content-Length"]) == len(response.content)
        assert len(response.content) < len(plain.content) / 4
        texts.append(gzip.decompress(response.content).decode())
    assert texts[0] != texts[1], "each response masks its token afresh"
    assert {TOKEN.sub("", text) for text in texts} == {TOKEN.sub("", plain.content.decode())}
    assert len(rows_of(plain)) == 50


@pytest.mark.usefixtures("sim")
def test_other_text_is_compressed_as_it_is_rendered(alice_client):
    fragment = alice_client.get(
        "/calls/?limit=50", headers={**GZIP, "HX-Request": "true", "HX-Target": "results"}
    )
    assert fragment["Content-Encoding"] == "gzip" and fragment.templates
    export = alice_client.get("/calls/export.csv?limit=50", headers=GZIP)
    assert export["Content-Encoding"] == "gzip"
    assert gzip.decompress(export.content).decode("utf-8-sig").count("\n") == 51


def test_anything_not_text_is_left_as_it_is():
    request = RequestFactory().get("/", headers=GZIP)
    audio = HttpResponse(b"\x00" * 5000, content_type="audio/mpeg")
    middleware = compression.TextGZipMiddleware(lambda request: audio)
    assert "Content-Encoding" not in middleware(request)
    text = HttpResponse("x" * 5000, content_type="text/plain")
    middleware = compression.TextGZipMiddleware(lambda request: text)
    assert middleware(request)["Content-Encoding"] == "gzip"
