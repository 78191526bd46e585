"""One log line per event: what a visitor typed is written with its control characters
escaped and cut to a readable length, so that a path holding "%0d%0a" can't forge a line.

Used by Django's logging (the filter, see LOGGING in settings) and by gunicorn's access log
(AccessLogger, see gunicorn.conf.py).
"""

import logging
import re

from gunicorn.glogging import Logger

# Longer values are cut: an 8 KB path says no more in a log than its first 300 characters.
MAX_LOGGED = 300
# C0 and C1 control characters, DEL, and the Unicode line and paragraph separators.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _escaped(match):
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(value, limit=MAX_LOGGED):
    """`value` as one printable line: control characters as \\xNN, at most `limit` long."""
    if not isinstance(value, str):
        return value
    if limit and len(value) > limit:
        value = f"{value[:limit]}…({len(value) - limit} more)"
    return _CONTROLS.sub(_escaped, value)


class EscapeControlCharacters(logging.Filter):
    """Escape the message and its arguments, and cut long arguments (Django's request log
    writes the path it was given, decoded: "Not Found: /a\\r\\nforged line"). The message
    itself is not cut: it may hold %s placeholders."""

    def filter(self, record):
        record.msg = escape(record.msg, limit=None)
        if isinstance(record.args, tuple):
            record.args = tuple(escape(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: escape(arg) for key, arg in record.args.items()}
        return True


class AccessLogger(Logger):
    """gunicorn's logger, whose %(U)s is the path as the client sent it (still
    percent-encoded: gunicorn's own is decoded), without its query string, escaped."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        raw = environ.get("RAW_URI") or environ.get("PATH_INFO") or ""
        atoms["U"] = escape(raw.split("?", 1)[0])
        return atoms
