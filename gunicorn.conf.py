"""gunicorn settings for `gunicorn groupfinder.wsgi` (read from the working directory)."""

import multiprocessing
import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Load the app once, before forking the workers.
preload_app = True
# The web server's database statements are cut after 5 s (settings.DB_STATEMENT_TIMEOUT):
# a visitor is told the site can't answer rather than kept waiting. Commands and the task
# worker, which run migrations and imports, are not cut.
os.environ.setdefault("DB_STATEMENT_TIMEOUT", "5")
# Request lines up to gunicorn's maximum reach the app, which answers those over gunicorn's
# old limit (4,094 bytes) with the site's own 414 page (groupfinder/errors.py).
limit_request_line = 8190
accesslog = "-"
# The path without its query string, and no referrer: where people search from
# and what they search for stays out of the logs. %(U)s is the path as sent, with
# control characters escaped (groupfinder/logs.py).
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
logger_class = "groupfinder.logs.AccessLogger"
