"""gunicorn's access log, with the paths it writes masked as the request log masks them.

A webhook's URL carries its token (/hooks/phoneinc/<token>/), the credential of a company's
nudges: gunicorn would write it into every access line. This logger gives gunicorn the path
as phonedash.requestlog logs it, the token masked (`logger_class` in gunicorn.conf.py).
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from phonedash.requestlog import loggable_path


class AccessLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        found = super().atoms(resp, req, environ, request_time)
        for atom in ("U", "r"):
            if atom in found and "/hooks/" in str(found[atom]).lower():
                found[atom] = _masked(atom, str(found[atom]))
        return found


def _masked(atom: str, value: str) -> str:
    if atom == "U":
        return loggable_path(value)
    method, _, rest = value.partition(" ")  # the request line: "POST /path?query HTTP/1.1"
    target, _, version = rest.rpartition(" ")
    return f"{method} {loggable_path(target.partition('?')[0])} {version}"
