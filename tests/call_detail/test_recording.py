"""/calls/<id>/recording/: a link minted for each request, fetched fresh, never cached.

Recording links from Phone.inc expire, so the page's player points here and every play asks
Phone.inc again; a page left open for an hour still plays.
"""

from __future__ import annotations

import pytest
import requests

from calls.sources import window as services
from tests.conftest import ACME_KEY

EXAMPLE_ID = "0193f4ba-1234-7c00-9e3d-2b2b8a7f1c11"
DETAIL_PATH = f"/api/v1/calls/{EXAMPLE_ID}"


@pytest.fixture
def simulator(fresh_simulator):
    return fresh_simulator


def detail_requests(sim, call_id: str = EXAMPLE_ID) -> int:
    return sum(1 for request in sim.requests if request.path == f"/api/v1/calls/{call_id}")


def play(client, call_id: str = EXAMPLE_ID):
    return client.get(f"/calls/{call_id}/recording/")


def test_it_mints_a_link_on_every_request_even_with_the_call_cached(alice_client, acme, simulator):
    page = alice_client.get(f"/calls/{EXAMPLE_ID}/")
    assert page.status_code == 200
    assert detail_requests(simulator) == 1

    first, second = play(alice_client), play(alice_client)

    assert first.status_code == second.status_code == 302
    assert first["Location"] != second["Location"]
    assert first["Location"].startswith(simulator.default_root + "/recordings/")
    assert detail_requests(simulator) == 3  # the page, then once per play: never the cache
    for response in (first, second):
        assert "no-store" in response["Cache-Control"]
        assert response["Referrer-Policy"] == "no-referrer"

    # The page itself is still served from the cache, and the cached call holds no link.
    assert alice_client.get(f"/calls/{EXAMPLE_ID}/").status_code == 200
    assert detail_requests(simulator) == 3
    answer = services.get_call(acme, EXAMPLE_ID)
    assert answer.from_cache
    assert answer.value.recording_url is None and answer.value.has_recording


def test_it_points_the_player_and_the_download_link_here(alice_client, simulator):
    page = alice_client.get(f"/calls/{EXAMPLE_ID}/").content.decode()

    endpoint = f"/calls/{EXAMPLE_ID}/recording/"
    assert f'preload="none" src="{endpoint}"' in page
    assert f'<a href="{endpoint}" download>' in page
    assert "/recordings/" not in page  # no minted link is ever put in a page


def test_it_redirects_to_audio_that_plays(alice_client, simulator):
    location = play(alice_client)["Location"]
    audio = requests.get(location, timeout=5)

    assert audio.status_code == 200
    assert audio.headers["Content-Type"] == "audio/wav"
    assert audio.content[:4] == b"RIFF"


def test_it_still_plays_from_a_page_left_open_past_the_links_lifetime(alice_client, simulator):
    old = play(alice_client)["Location"]
    assert requests.get(old, timeout=5).status_code == 200

    simulator.advance(simulator.recording_ttl + 60)

    assert requests.get(old, timeout=5).status_code == 410  # the old link has expired
    new = play(alice_client)["Location"]
    assert new != old
    audio = requests.get(new, timeout=5)
    assert audio.status_code == 200
    assert audio.headers["Content-Type"] == "audio/wav"


def test_it_answers_404_while_the_call_is_live(alice_client, simulator):
    call = simulator.add_live_call(ACME_KEY)
    response = play(alice_client, call["id"])

    assert response.status_code == 404
    assert "once the call has ended" in response.content.decode()
    assert "Location" not in response


def test_it_answers_404_when_recording_is_disabled(alice_client, simulator):
    call = simulator.add_call(ACME_KEY, recording_url=None)
    response = play(alice_client, call["id"])

    assert response.status_code == 404
    assert "This call has no recording." in response.content.decode()
    page = alice_client.get(f"/calls/{call['id']}/").content.decode()
    assert "There is no recording of this call." in page
    assert "<audio" not in page


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:audio/wav;base64,AAAA",
        "/relative/recording.wav",
        "https://",
        "http://[::1/recording.wav",
        "https://example.com/a.wav\r\nSet-Cookie: sessionid=stolen",
        "https://example.com/a b.wav",
    ],
)
def test_it_refuses_a_link_it_cannot_safely_redirect_to(alice_client, simulator, url):
    call = simulator.add_call(ACME_KEY, recording_url=url)
    response = play(alice_client, call["id"])

    assert response.status_code == 502
    assert "Location" not in response
    assert "stolen" not in str(response.cookies)
    assert url not in response.content.decode()


def test_it_plays_only_the_users_companys_recordings(charlie_client, simulator):
    response = play(charlie_client)

    assert response.status_code == 404
    assert "Location" not in response
    assert [request.company for request in simulator.requests] == ["Globex"]


def test_it_says_when_phone_inc_fails(alice_client, simulator):
    simulator.set_fault(status=503, count=10)
    response = play(alice_client)

    assert response.status_code == 503
    assert "Location" not in response
    assert "Phone.inc" in response.content.decode()
