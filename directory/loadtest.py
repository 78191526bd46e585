"""Serving an app on gunicorn and driving it with an HTTP load generator.

`manage.py bench_http` serves the project and the floor (groupfinder/floor.py)
this way, one after the other, each with the project's gunicorn.conf.py, and
measures them with `wrk` (apt-get install wrk) or, without it, a plain Python
client, which cannot drive the floor as hard and says so in the report.
"""

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


@dataclass
class Load:
    """What a load generator measured: requests answered 2xx/3xx, latencies in ms."""

    requests: int
    seconds: float
    errors: int
    p50: float
    p95: float
    p99: float
    # CPU time the server's workers spent per request (see Gunicorn.worker_cpu()).
    worker_cpu_ms: float | None = None

    @property
    def per_second(self):
        return self.requests / self.seconds if self.seconds else 0.0


class Gunicorn:
    """`gunicorn -c gunicorn.conf.py <app>` on a free local port, for a `with` block.

    Entering starts it and waits until it listens (`started_in`, seconds); the
    first request after that is answered by a freshly started worker.
    """

    def __init__(self, app, *, workers=2, env=None):
        self.app, self.workers = app, workers
        self.env = os.environ | (env or {})
        self.port = free_port()

    def __enter__(self):
        self.log = tempfile.TemporaryFile()  # its output, for when it fails
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", self.app]
            + ["--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}"],
            cwd=BASE_DIR,
            env={k: v for k, v in self.env.items() if v is not None},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        while not self.listening():
            if self.process.poll() is not None or time.perf_counter() - started > 120:
                problem = f"gunicorn {self.app} did not start:\n{self.log_tail()}"
                self.__exit__(None, None, None)
                raise RuntimeError(problem)
            time.sleep(0.01)
        self.started_in = time.perf_counter() - started
        return self

    def __exit__(self, *exc):
        stop(self.process)
        self.log.close()

    def listening(self):
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def get(self, path):
        """(status, body, milliseconds) of one GET."""
        started = time.perf_counter()
        status, body = fetch("127.0.0.1", self.port, path)
        return status, body, (time.perf_counter() - started) * 1000

    def worker_memory(self):
        """(RSS, private) memory of each worker in MB; [] where /proc can't tell.

        RSS counts the pages a worker shares with gunicorn's master (what it
        loaded before forking, preload_app); private, only its own.
        """
        return [memory_mb(pid) for pid in children(self.process.pid)]

    def worker_cpu(self):
        """Seconds of CPU the workers have used so far (user and system), from /proc.

        Per request, it tells what a page costs even when other work on the
        machine slows every request down.
        """
        return sum(cpu_seconds(pid) for pid in children(self.process.pid))

    def log_tail(self, lines=20):
        self.log.seek(0)
        return b"".join(self.log.readlines()[-lines:]).decode(errors="replace")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(process):
    """Stop a server process: asked to (SIGTERM), then made to after 30 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def fetch(host, port, path, timeout=60):
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def children(pid):
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def cpu_seconds(pid):
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    # After the command name in parentheses: state, …, then utime and stime (in ticks).
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid):
    """(RSS, private) of a process in MB, from /proc/<pid>/smaps_rollup."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    kb = {}
    for line in rollup.splitlines()[1:]:
        name, value, *_unit = line.split()
        kb[name.rstrip(":")] = int(value)
    return kb["Rss"] / 1024, (kb["Private_Clean"] + kb["Private_Dirty"]) / 1024


def pick_generator(choice):
    """ "wrk" or "python" for "auto" (wrk when it is installed), "wrk" or "python"."""
    if choice == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if choice == "wrk" and not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (apt-get install wrk).")
    return choice


def load(url, paths, *, connections, seconds, generator):
    """Request `paths` in turn from `url` with `connections` at once for `seconds`,
    with the generator "wrk" or "python"."""
    if generator == "wrk":
        return wrk(url, paths, connections=connections, seconds=seconds)
    return python_load(url, paths, connections=connections, seconds=seconds)


# wrk runs this in each of its threads: every request takes the next path of the
# mix, and the summary comes back as one line of JSON.
WRK_SCRIPT = """
local paths = %(paths)s
local n = 0
function request()
  n = n + 1
  return wrk.format("GET", paths[n %% #paths + 1])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nBENCH {"requests": %%d, "microseconds": %%d, "errors": %%d, "status_errors": %%d, ' ..
    '"p50": %%d, "p95": %%d, "p99": %%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def wrk_script(paths):
    if not paths or not all(path.isascii() and path.startswith("/") for path in paths):
        raise ValueError("wrk needs a list of ASCII paths.")
    # JSON strings of ASCII text are Lua strings too.
    return WRK_SCRIPT % {"paths": "{" + ", ".join(json.dumps(path) for path in paths) + "}"}


def wrk(url, paths, *, connections, seconds):
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(wrk_script(paths))
        script.flush()
        output = subprocess.run(
            ["wrk", "--threads", str(min(2, connections)), "--connections", str(connections)]
            + ["--duration", f"{seconds}s", "--timeout", "30s", "--script", script.name, url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    summary = json.loads(line.removeprefix("BENCH "))
    return Load(
        requests=summary["requests"] - summary["status_errors"],
        seconds=summary["microseconds"] / 1e6,
        errors=summary["errors"],
        p50=summary["p50"] / 1000,
        p95=summary["p95"] / 1000,
        p99=summary["p99"] / 1000,
    )


def python_load(url, paths, *, connections, seconds):
    """The fallback: one thread per connection, each a new connection per request
    (gunicorn's sync workers close it after each answer anyway)."""
    host, port = url.removeprefix("http://").split(":")
    latencies, errors = [], []
    started = time.perf_counter()
    deadline = started + seconds

    def client(offset):
        n = offset
        while time.perf_counter() < deadline:
            path = paths[n % len(paths)]
            n += 1
            begun = time.perf_counter()
            try:
                status, _body = fetch(host, int(port), path, timeout=30)
            except OSError:
                status = None
            if status is not None and 200 <= status < 400:
                latencies.append((time.perf_counter() - begun) * 1000)
            else:
                errors.append(path)

    threads = [threading.Thread(target=client, args=(n * 7,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    if not latencies:
        return Load(0, elapsed, len(errors), 0.0, 0.0, 0.0)
    return Load(
        requests=len(latencies),
        seconds=elapsed,
        errors=len(errors),
        p50=percentile(latencies, 50),
        p95=percentile(latencies, 95),
        p99=percentile(latencies, 99),
    )


def percentile(ordered, p):
    """The p-th percentile of a sorted list (nearest rank)."""
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))]
