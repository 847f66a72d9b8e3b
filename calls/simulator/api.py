"""The vendor's routes: `GET /api/v1/calls` and `GET /api/v1/calls/<id>`.

Behaviour follows the Phone.inc Calls API reference; where the reference is silent, the
simulator picks what a Rails API like Phone.inc's plausibly does, and says so here:

- Auth: `X-Api-Key` names the company; missing or unknown → 401 `{"error": ...}`.
  Methods other than GET → 405 (checked first, like a router would).
- `limit`: default 10, values above 50 are capped to 50, an empty value means the default;
  a non-integer (`limit=abc`, `limit=2.5`) or a value below 1 → 400 `{"error": ...}`.
- `direction`: inbound/outbound; any other value is ignored (both directions).
- `state`: one of the seven documented states; any other value is silently ignored, as the
  doc says (so `state=parked` lists everything, though parked calls exist).
- `phone_number`: the remote side (`from` inbound, `to` outbound). Exact string match, or
  digit comparison: with a leading `+` the digits must be equal; otherwise (a local format)
  the remote digits must end with the given digits (leading zeros dropped, so `020 7946 0958`
  and `00 44 20 7946 0958` work) and at least 7 digits must be given. Fewer → no match.
- Order: newest `started_at` first; calls without `started_at` (just being created) first.
- Repeated query parameters: the first value counts.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .faults import API_PREFIX
from .reply import Reply, json_reply

if TYPE_CHECKING:
    from .core import Simulator

STATES = ("initiated", "answered", "playing_audio", "transferring", "recording", "bridged", "ended")
DIRECTIONS = ("inbound", "outbound")
DEFAULT_LIMIT = 10
MAX_LIMIT = 50
MIN_LOCAL_DIGITS = 7
LIST_PATH = f"{API_PREFIX}/calls"


def handle(
    sim: Simulator,
    method: str,
    path: str,
    query: dict[str, list[str]],
    api_key: str | None,
    root: str,
) -> Reply:
    """Answer one API request the way Phone.inc would."""
    if method != "GET":
        return json_reply(405, {"error": "Method not allowed"}, {"Allow": "GET"})
    if not api_key:
        return json_reply(401, {"error": "Missing API key. Send it in the X-Api-Key header."})
    if sim.company_for(api_key) is None:
        return json_reply(401, {"error": "Invalid API key"})
    if path in (LIST_PATH, LIST_PATH + "/"):
        params = {name: values[0] for name, values in query.items() if values}
        return list_calls(sim, api_key, params, root)
    call_id = path.removeprefix(LIST_PATH + "/")
    if path.startswith(LIST_PATH + "/") and call_id and "/" not in call_id:
        call = sim.call_for(api_key, call_id, root)
        if call is None:
            return json_reply(404, {"error": "Call not found"})
        return json_reply(200, call)
    return json_reply(404, {"error": "Not found"})


def list_calls(sim: Simulator, api_key: str, params: dict[str, str], root: str) -> Reply:
    limit_text = params.get("limit", "").strip()
    if not limit_text:
        limit = DEFAULT_LIMIT
    elif not re.fullmatch(r"[+-]?\d+", limit_text):
        return json_reply(400, {"error": "limit must be an integer"})
    elif int(limit_text) < 1:
        return json_reply(400, {"error": "limit must be at least 1"})
    else:
        limit = min(int(limit_text), MAX_LIMIT)
    direction = params.get("direction")
    state = params.get("state")
    wanted = params.get("phone_number", "").strip()

    def keep(call: dict[str, Any]) -> bool:
        return (
            (direction not in DIRECTIONS or call.get("direction") == direction)
            and (state not in STATES or call.get("state") == state)
            and (not wanted or number_matches(remote_number(call), wanted))
        )

    return json_reply(200, {"calls": sim.calls_for(api_key, root, keep, limit)})


def remote_number(call: dict[str, Any]) -> object:
    return call.get("to") if call.get("direction") == "outbound" else call.get("from")


def number_matches(remote: object, wanted: str) -> bool:
    """Whether a stored remote number is the one asked for, in E.164 or a local format."""
    if not isinstance(remote, str):
        return False
    if remote == wanted:
        return True
    remote_digits = re.sub(r"\D", "", remote)
    digits = re.sub(r"\D", "", wanted)
    if not remote_digits or not digits:
        return False
    if wanted.startswith("+"):
        return remote_digits == digits
    significant = digits.lstrip("0")
    return len(significant) >= MIN_LOCAL_DIGITS and remote_digits.endswith(significant)
