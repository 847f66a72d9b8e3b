"""Typed readers for environment variables that fail loudly and name the variable.

Settings are read once at start-up; a bad value must stop the process with a message an
operator can act on, never fall back silently to something else.
"""

from __future__ import annotations

import os
import re
import zoneinfo
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class SettingError(ImproperlyConfigured):
    """A configuration variable holds a value phonedash cannot use."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    value = (os.environ if environ is None else environ).get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str | None = None, *, environ: Mapping[str, str] | None = None):
    value = _raw(name, environ)
    return default if value in (None, "") else value


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    word = value.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise SettingError(name, f"expected 1 or 0 (true/false), got {value!r}")


def env_number(
    name: str,
    default: float,
    *,
    minimum: float,
    maximum: float,
    integer: bool = False,
    environ: Mapping[str, str] | None = None,
) -> float:
    value = _raw(name, environ)
    if value in (None, ""):
        return default
    try:
        number = int(value) if integer else float(value)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise SettingError(name, f"expected {kind}, got {value!r}") from None
    if not minimum <= number <= maximum:
        raise SettingError(name, f"must be between {minimum:g} and {maximum:g}, got {value}")
    return number


def env_int(name: str, default: int, *, minimum: int, maximum: int, environ=None) -> int:
    return int(
        env_number(name, default, minimum=minimum, maximum=maximum, integer=True, environ=environ)
    )


def env_list(name: str, default: str = "", *, environ: Mapping[str, str] | None = None):
    """A comma- or space-separated list; empty items are dropped."""
    value = _raw(name, environ)
    text = default if value is None else value
    return [item for item in re.split(r"[,\s]+", text) if item]


def env_url(
    name: str,
    default: str | None,
    *,
    schemes: tuple[str, ...],
    environ: Mapping[str, str] | None = None,
) -> str | None:
    """A URL in one of `schemes` that names something to connect to: a host for HTTP and
    Redis, a socket path for unix://, a host or a ``?host=`` socket directory for PostgreSQL."""
    value = env_str(name, default, environ=environ)
    if value is None:
        return None
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        parts, host = None, None
    if parts is None or parts.scheme not in schemes:
        allowed = ", ".join(f"{scheme}://" for scheme in schemes)
        raise SettingError(name, f"expected a URL starting with {allowed}")
    if parts.scheme == "unix":
        if not parts.path.strip("/"):
            raise SettingError(name, "names no socket, e.g. unix:///run/redis/redis.sock")
    elif parts.scheme in ("postgres", "postgresql", "pgsql"):
        if not host and not dict(parse_qsl(parts.query)).get("host"):
            raise SettingError(
                name,
                "names no host: add one, or a socket directory as ?host=/var/run/postgresql",
            )
    elif parts.scheme != "sqlite" and not host:
        raise SettingError(name, f"names no host, e.g. {parts.scheme}://localhost")
    return value


def env_origins(name: str, *, environ: Mapping[str, str] | None = None) -> list[str]:
    """Origins such as https://portal.example.com (scheme and host, optional port, no path)."""
    origins = env_list(name, environ=environ)
    for origin in origins:
        parts = urlsplit(origin)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.path not in ("", "/")
            or parts.query
        ):
            raise SettingError(name, f"{origin!r} is not an origin like https://portal.example.com")
    return [origin.rstrip("/") for origin in origins]


def env_timezone(name: str, default: str, *, environ: Mapping[str, str] | None = None) -> str:
    value = env_str(name, default, environ=environ)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise SettingError(name, f"{value!r} is not an IANA time zone") from None
    return value
