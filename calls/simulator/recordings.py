"""Recording links minted per request, and serving them with byte ranges.

Like the vendor, every API answer carries a fresh, signed, expiring link, so code that
caches `recording_url` breaks here the way it would in production. The token says which
call, how many seconds of audio and until when (simulated time); an HMAC with a secret
made at start-up means links cannot be forged and die with the process.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime

from .audio import wav_bytes
from .reply import Reply, text_reply


@dataclass(frozen=True)
class Claims:
    call_id: str
    seconds: int
    expires: float  # simulated POSIX time


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Mints and checks recording tokens."""

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret or os.urandom(32)

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, payload.encode(), hashlib.sha256).digest()[:18])

    def mint(self, call_id: str, seconds: int, expires: datetime) -> str:
        body = {
            "c": call_id,
            "s": seconds,
            "e": int(expires.timestamp()),
            "n": secrets.token_hex(4),
        }
        payload = _b64(json.dumps(body, separators=(",", ":")).encode())
        return f"{payload}.{self._sign(payload)}"

    def read(self, token: str) -> Claims | None:
        """The token's claims, or None when it was not minted here."""
        payload, _, signature = token.partition(".")
        if not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return None
        try:
            body = json.loads(_unb64(payload))
            return Claims(str(body["c"]), int(body["s"]), float(body["e"]))
        except (ValueError, KeyError, TypeError):
            return None


def recording_path(token: str) -> str:
    return f"/recordings/{token}/recording.wav"


def parse_range(header: str | None, size: int) -> tuple[int, int] | None | bool:
    """A single `bytes=` range as (first, last); None to send everything; False if unsatisfiable.

    Several ranges, or a unit other than bytes, are answered with the whole file, which
    RFC 9110 allows and browsers handle.
    """
    if not header:
        return None
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first_text, dash, last_text = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if not first_text:  # suffix: the last N bytes
            count = int(last_text)
            if count <= 0:
                return False
            return max(0, size - count), size - 1
        first = int(first_text)
        last = int(last_text) if last_text else size - 1
    except ValueError:
        return None
    if first >= size:
        return False
    if last < first:
        return None
    return first, min(last, size - 1)


def serve(signer: Signer, token: str, now: datetime, range_header: str | None) -> Reply:
    """The WAV behind a token: 200, 206 for a range, 403 forged, 410 expired, 416."""
    claims = signer.read(token)
    if claims is None:
        return text_reply(403, "This recording link is not valid.\n")
    if now.timestamp() >= claims.expires:
        return text_reply(410, "This recording link has expired. Fetch the call again.\n")
    body = wav_bytes(claims.seconds)
    size = len(body)
    headers = {
        "Content-Type": "audio/wav",
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, max-age=60",
        "Content-Disposition": 'inline; filename="recording.wav"',
    }
    wanted = parse_range(range_header, size)
    if wanted is False:
        return Reply(416, {**headers, "Content-Range": f"bytes */{size}"}, b"")
    if wanted is None:
        return Reply(200, headers, body)
    first, last = wanted
    headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    return Reply(206, headers, body[first : last + 1])
