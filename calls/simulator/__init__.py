"""A faithful stand-in for the Phone.inc Calls API, served over real HTTP.

The demo, the tests and a trial deployment all talk to it exactly as they would to
Phone.inc: `X-Api-Key` auth for several seeded companies, the documented filters and limit
cap, signed recording links that expire, calls that move through their states as the
(simulated) clock runs, new calls at a pace that can be switched, and switches for the ways
an upstream fails. Pure stdlib, no Django, so it runs anywhere:

    sim = Simulator()
    server = sim.serve()            # daemon thread; server.url is the API base
    sim.set_fault(status=503, count=2)
    sim.set_rate(600)               # Acme: ten new calls a second from now on
    sim.advance(90)                 # live calls end, new ones start, recording links age
    server.stop()

Modules: `core` (state and the public methods), `api` (vendor routes and the choices made
where the doc is silent), `faults`, `control` (`/_sim/*` routes for other processes),
`recordings` + `audio` (signed WAV links), `timeline` (live calls), `stream` (new calls at
a pace), `seed` + `companies` + `dialogue` (the seeded accounts), `server` (HTTP).
"""

from __future__ import annotations

from .companies import SEED_COMPANIES, SeedCompany
from .core import OMIT, RecordedRequest, Simulator
from .server import ServerHandle

__all__ = ["OMIT", "SEED_COMPANIES", "RecordedRequest", "SeedCompany", "ServerHandle", "Simulator"]
