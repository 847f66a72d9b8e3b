"""A transcript of 1 MB (a call left running for hours): stored whole, found by its first words
and its last, its phrases found, exported, its search page no larger than any other, and its
own page shown whole."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

from calls.models import StoredCall
from calls.phoneinc import TranscriptSegment
from tests.history.stored import ALEX, a_call, keep, local

SENTENCE = "We went through the shipment list line by line and checked every carton twice. "


def megabyte_call(company):
    turns = []
    size = 0
    n = 0
    while size < 1_000_000:
        text = f"Turn {n}: {SENTENCE * 3}"
        turns.append(
            TranscriptSegment(ALEX.name if n % 2 else "Caller", text, ALEX.id if n % 2 else None)
        )
        size += len(text)
        n += 1
    turns.append(TranscriptSegment("Caller", "Finally the quetzalcoatl invoice arrived.", None))
    call = a_call("huge", local(company, -1, 9), words="start")
    return replace(call, segments=tuple(turns), transcription=" ".join(t.text for t in turns))


def test_a_megabyte_transcript_is_stored_found_and_exported(client_of, acme_kept):
    call = megabyte_call(acme_kept)
    keep(acme_kept, call, a_call("small", local(acme_kept, -1, 10), words="a carton"))
    stored = StoredCall.objects.get(call_id="huge")
    assert len(stored.transcription) > 1_000_000
    assert len(stored.segments) == len(call.segments)

    for q in ["quetzalcoatl", '"shipment list line"', "carton", "turn 4000"]:
        response = client_of.get("/calls/search/", {"q": q})
        page = response.content.decode()
        assert response.status_code == 200, q
        assert 'href="/calls/huge/?q=' in page, q
        assert len(page) < 60_000, q  # three passages, never the transcript
    assert (
        "<mark>quetzalcoatl</mark>"
        in client_of.get("/calls/search/", {"q": "quetzalcoatl"}).content.decode()
    )

    response = client_of.get("/calls/export.csv", {"period": "7d"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert response.status_code == 200
    assert {row["id"] for row in rows} >= {"huge", "small"}


def test_a_megabyte_transcripts_own_page_shows_it_whole(client_of, acme_kept, simulator):
    """Phone.inc (the simulator) no longer has the call: its page is the history's copy."""
    keep(acme_kept, megabyte_call(acme_kept))
    response = client_of.get("/calls/huge/", {"q": "quetzalcoatl"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Phone.inc no longer has this call" in page
    assert "Turn 0:" in page and "<mark>quetzalcoatl</mark>" in page
