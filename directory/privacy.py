"""Keeping what visitors search for out of the logs."""

import logging


class DropQueryString(logging.Filter):
    """Strip query strings from logged request lines ("GET /groups/?near=… HTTP/1.1").

    The path says which page was served; the query string says where someone
    lives and what they are struggling with, so it is never written down.
    """

    def filter(self, record):
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(_without_query(arg) for arg in record.args)
        record.msg = _without_query(record.msg)
        return True


def _without_query(value):
    if not isinstance(value, str) or "?" not in value:
        return value
    # A request line is "METHOD /path?query HTTP/x.y"; keep the method, path and protocol.
    words = value.split(" ")
    return " ".join(word.split("?", 1)[0] if word.startswith("/") else word for word in words)
