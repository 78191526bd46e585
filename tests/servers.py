"""The site served for real: gunicorn with gunicorn.conf.py in a subprocess, and a small
HTTP client that sends exactly what it is given (long or odd request lines included)."""

import http.client
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from directory import loadtest

BASE_DIR = Path(__file__).resolve().parents[1]


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: str
    seconds: float

    def cookies(self):
        """{name: the whole Set-Cookie header} for each cookie set."""
        return {value.split("=", 1)[0]: value for value in self.headers.get_all("Set-Cookie") or []}


class Gunicorn:
    """`gunicorn groupfinder.wsgi` on a free port, with `env` added to this environment."""

    def __init__(self, env, workers=1):
        self.port = loadtest.free_port()
        self.env = os.environ | {
            "BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(workers),
            "DEBUG": "0",
        }
        self.env |= env
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.output = tempfile.TemporaryFile("w+")  # the access log  # noqa: SIM115
        self.errors = tempfile.TemporaryFile("w+")  # gunicorn's, Django's  # noqa: SIM115
        self.process = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def start(self, timeout=60):
        self.launch()
        self.wait_until_ready(timeout)

    def launch(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--no-control-socket", "groupfinder.wsgi"],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.output,
            stderr=self.errors,
        )

    def wait_until_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped:\n{self.error_log()}")
            try:
                # A static file: answered without the database.
                if self.get("/static/css/site.css", timeout=5).status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{self.error_log()}")

    def stop(self):
        if self.process:
            loadtest.stop(self.process)
        self.output.close()
        self.errors.close()

    def get(self, path, headers=None, timeout=30):
        return self.request("GET", path, headers=headers, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=30):
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            return Answer(response.status, response.headers, text, time.monotonic() - started)
        finally:
            connection.close()

    def _read(self, file):
        file.flush()
        file.seek(0)
        return file.read()

    def access_log(self, waiting_for=None, timeout=5):
        """The access log; with `waiting_for`, once that text is in it (gunicorn writes a
        request's line after sending the response)."""
        deadline = time.monotonic() + timeout
        while waiting_for and waiting_for not in self._read(self.output):
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        return self._read(self.output)

    def error_log(self):
        return self._read(self.errors)


@contextmanager
def serving(*servers):
    """Start the servers side by side (each takes seconds to load the app), stop them after."""
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_until_ready()
        yield servers
    finally:
        for server in servers:
            server.stop()
