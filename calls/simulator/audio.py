"""Recordings that really play: soft synthetic "conversation" tones as 8 kHz mono WAV.

Made with the stdlib `wave` module so the simulator needs nothing installed. Each length is
synthesised once and kept in memory, since every recording of that length sounds the same.
"""

from __future__ import annotations

import array
import functools
import io
import math
import random
import sys
import wave

SAMPLE_RATE = 8000
MIN_SECONDS = 2
MAX_SECONDS = 20
VOLUME = 0.18  # soft: this plays in an office


def length_for(duration: object) -> int:
    """Recording length in seconds for a call duration: the call, within 2..20 s."""
    seconds = duration if isinstance(duration, int) and not isinstance(duration, bool) else 0
    return max(MIN_SECONDS, min(seconds, MAX_SECONDS))


@functools.lru_cache(maxsize=MAX_SECONDS + 1)
def wav_bytes(seconds: int) -> bytes:
    """A WAV file of `seconds` seconds: two "voices" taking turns, with pauses between."""
    rng = random.Random(seconds)
    total = seconds * SAMPLE_RATE
    samples = array.array("h", bytes(2 * total))
    position = int(0.2 * SAMPLE_RATE)
    voice = 0
    while position < total:
        length = int(rng.uniform(0.4, 1.3) * SAMPLE_RATE)
        pitch = (196.0, 294.0)[voice] * rng.uniform(0.92, 1.08)
        fade = min(400, length // 4)
        for i in range(min(length, total - position)):
            envelope = min(1.0, i / fade, (length - i) / fade)
            phase = 2 * math.pi * pitch * i / SAMPLE_RATE
            value = math.sin(phase) + 0.3 * math.sin(2 * phase)
            samples[position + i] = int(32767 * VOLUME * envelope * value / 1.3)
        position += length + int(rng.uniform(0.15, 0.5) * SAMPLE_RATE)
        voice = 1 - voice if rng.random() < 0.7 else voice
    if sys.byteorder == "big":
        samples.byteswap()  # WAV is little-endian
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(samples.tobytes())
    return out.getvalue()
