"""Static files as deployed: WhiteNoise's compressed, hashed files, each URL worked out once.

Every page names its stylesheet, scripts and icon through `{% static %}`, and each such URL
is a lookup in the manifest plus URL quoting and parsing: the same answer every time, since
the manifest is read once when the process starts (collectstatic writes a new one only for a
new release, which restarts the workers). So the storage keeps the URLs it has worked out.
"""

from __future__ import annotations

import threading

from whitenoise.storage import CompressedManifestStaticFilesStorage

URLS_KEPT = 512  # the names templates ask for: a handful, whatever the traffic


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}
        self._urls_lock = threading.Lock()

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        url = self._urls.get(name)
        if url is None:
            url = super().url(name)
            with self._urls_lock:
                if len(self._urls) < URLS_KEPT:
                    self._urls[name] = url
        return url

    def post_process(self, *args, **kwargs):
        """collectstatic: the names get new hashes, so nothing worked out before still holds."""
        self._urls.clear()
        yield from super().post_process(*args, **kwargs)
        self._urls.clear()
