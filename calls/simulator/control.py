"""Control routes under `/_sim/`, so other processes can flip the simulator's switches.

gunicorn workers, benchmark scripts and the demo run the simulator in another process; these
routes give them what `Simulator` methods give a test. No API key, never faulted.

    POST   /_sim/faults        {"status": 503, "count": 2, ...}  (set_fault's arguments)
    DELETE /_sim/faults
    GET    /_sim/stats         {"requests": N, "recordings": N, "by_path": {...}, ...}
    POST   /_sim/reset-stats
    GET    /_sim/clock         {"now": ..., "start": ...}
    POST   /_sim/clock         {"advance": seconds}
    POST   /_sim/delay         {"delay": seconds}
    POST   /_sim/calls         {"api_key": ..., "live": false, "fields": {...}}
    GET    /_sim/rate          {"per_minute": N, "companies": {"Acme Corp": N, ...}}
    POST   /_sim/rate          {"per_minute": N, "api_key": optional}  (set_rate's arguments)

New calls a minute: `per_minute` is the pace of the companies a switch without `api_key`
sets (Acme), or of the company named by `api_key`; `companies` gives every company's.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .clock import iso
from .companies import SEED_COMPANIES
from .reply import Reply, json_reply

if TYPE_CHECKING:
    from .core import Simulator

ROUTES = {
    "/_sim/faults": ("GET", "POST", "DELETE"),
    "/_sim/stats": ("GET",),
    "/_sim/reset-stats": ("POST",),
    "/_sim/clock": ("GET", "POST"),
    "/_sim/delay": ("GET", "POST"),
    "/_sim/calls": ("POST",),
    "/_sim/rate": ("GET", "POST"),
}
RATE_FIELDS = ("per_minute", "api_key")


def handle(sim: Simulator, method: str, path: str, body: bytes, root: str) -> Reply:
    if path == "/":
        return index(sim, root)
    path = path.rstrip("/")
    allowed = ROUTES.get(path)
    if allowed is None:
        return json_reply(404, {"error": "Not found"})
    if method not in allowed:
        return json_reply(405, {"error": "Method not allowed"}, {"Allow": ", ".join(allowed)})
    try:
        data = _json_object(body) if method == "POST" else {}
        return _route(sim, method, path, data)
    except (ValueError, TypeError) as error:
        return json_reply(400, {"error": str(error)})


def _route(sim: Simulator, method: str, path: str, data: dict[str, Any]) -> Reply:
    if path == "/_sim/faults":
        if method == "POST":
            sim.set_fault(**data)
        elif method == "DELETE":
            sim.clear_faults()
        return json_reply(200, {"fault": sim.fault})
    if path == "/_sim/stats":
        return json_reply(200, sim.stats())
    if path == "/_sim/reset-stats":
        sim.reset_stats()
        return json_reply(200, sim.stats())
    if path == "/_sim/clock":
        if method == "POST":
            sim.advance(_number(data.get("advance", 0), "advance"))
        return json_reply(200, {"now": iso(sim.now()), "start": iso(sim.start)})
    if path == "/_sim/delay":
        if method == "POST":
            sim.delay = _number(data.get("delay"), "delay")
        return json_reply(200, {"delay": sim.delay})
    if path == "/_sim/rate":
        return _rate(sim, method, data)
    # /_sim/calls
    fields = data.get("fields") or {}
    if not isinstance(fields, dict):
        raise ValueError("fields must be an object")
    add = sim.add_live_call if data.get("live") else sim.add_call
    return json_reply(201, add(str(data.get("api_key", "")), **fields))


def _rate(sim: Simulator, method: str, data: dict[str, Any]) -> Reply:
    api_key = data.get("api_key")
    if api_key is not None and not isinstance(api_key, str):
        raise ValueError("api_key must be a string")
    if method == "POST":
        unknown = sorted(set(data) - set(RATE_FIELDS))
        if unknown:
            raise ValueError(f"unknown field: {', '.join(unknown)} (send per_minute, api_key)")
        sim.set_rate(data.get("per_minute"), api_key)  # type: ignore[arg-type]
    per_minute = sim.rate if api_key is None else sim.rate_for(api_key)
    return json_reply(200, {"per_minute": per_minute, "companies": sim.rates()})


def index(sim: Simulator, root: str) -> Reply:
    """What an operator sees at the root: where the API is, which companies exist."""
    return json_reply(
        200,
        {
            "name": "Phone.inc simulator",
            "api": f"{root}/api/v1",
            "companies": [company.name for company in SEED_COMPANIES],
            "control": sorted(ROUTES),
            "now": iso(sim.now()),
        },
    )


def _json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        raise ValueError("the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{name} must be a number of seconds >= 0")
    return float(value)
