"""gunicorn settings for `gunicorn groupfinder.wsgi` (read from the working directory)."""

import multiprocessing
import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Load the app once, before forking the workers.
preload_app = True
accesslog = "-"
# The path without its query string, and no referrer: where people search from
# and what they search for stays out of the logs.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
