"""Log redaction: no API key ever reaches a log line.

Keys are registered here when they are decrypted, so the filter knows the exact strings to
hide; a header-shaped pattern catches anything that looks like ``X-Api-Key: ...`` as well.
"""

from __future__ import annotations

import logging
import re
import threading

REDACTED = "[redacted]"
_HEADER_RE = re.compile(r"(?i)(x-api-key['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+")
# A webhook's token in a path that reaches a log line some other way (Django's own "Internal
# Server Error: /hooks/phoneinc/<token>/", say).
_HOOK_TOKEN_RE = re.compile(r"(?i)(/hooks/[A-Za-z0-9_-]{1,40}/)[^/\s?#'\"…]+")
_NOTHING_RE = re.compile(r"(?!)")
_secrets: set[str] = set()
# Every registered secret in one pattern; None when a secret was added since it was built.
_pattern: re.Pattern[str] | None = _NOTHING_RE
_lock = threading.Lock()
# What every LogRecord has; anything else on a record came from `extra` (or a filter).
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
}


def register_secret(value: str) -> None:
    """Remember a secret so that RedactSecrets hides it wherever it shows up."""
    global _pattern
    if value and len(value) >= 6 and value not in _secrets:  # known keys: no lock, no rebuild
        with _lock:
            _secrets.add(value)
            _pattern = None  # rebuilt once at the next redact(), not once per key registered


def _trie_pattern(words: set[str]) -> str:
    """An alternation of `words` matching the longest one at each place, with common prefixes
    shared: "pk_(?:a(?:bc)?|xyz)". sre tries a flat alternation's branches one by one at
    every character, which at a thousand keys cost 100 µs per log string; this, about 1 µs."""
    root: dict = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def source(node: dict) -> str:
        branches = [re.escape(char) + source(child) for char, child in node.items() if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if "" in node else body  # greedy: the longer secret first

    return source(root)


def _secrets_pattern() -> re.Pattern[str]:
    global _pattern
    pattern = _pattern
    if pattern is None:
        with _lock:
            if _pattern is None:
                try:
                    _pattern = re.compile(_trie_pattern(_secrets)) if _secrets else _NOTHING_RE
                except (RecursionError, re.error):  # hundreds of secrets, each a prefix of the next
                    longest_first = sorted(_secrets, key=len, reverse=True)
                    _pattern = re.compile("|".join(map(re.escape, longest_first)))
            pattern = _pattern
    return pattern


def redact(text: str) -> str:
    text = _secrets_pattern().sub(REDACTED, text)
    if "/hooks/" in text.lower():
        text = _HOOK_TOKEN_RE.sub(rf"\1{REDACTED}", text)
    return _HEADER_RE.sub(rf"\1{REDACTED}", text)


class RedactSecrets(logging.Filter):
    """Rewrites the message, any traceback or stack and the `extra` fields of a record with
    secrets removed. Fields every record has (pathname, module, threadName...) come from our
    code, not from data, and are left alone: redacting them cost most of the filter's time."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not break logging
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_info or record.exc_text:
            record.exc_info = None  # formatters must use the redacted text, not the exception
        for name in ("exc_text", "stack_info"):
            value = getattr(record, name, None)
            if isinstance(value, str):
                setattr(record, name, redact(value))
        for name, value in list(vars(record).items()):
            if isinstance(value, str) and name not in _RECORD_FIELDS:
                setattr(record, name, redact(value))
        return True
