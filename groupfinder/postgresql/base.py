"""Django's PostgreSQL backend, waiting out a database restart instead of failing.

A PostgreSQL restart refuses connections for about a second ("Connection refused", "the
database system is starting up"). A new connection tried then is tried again every quarter
second for up to DB_CONNECT_TIMEOUT seconds (3), so the pages asked for during a restart
are a moment late rather than failed. Once a whole wait has failed, the database is down:
until a connection works again, this process tries once, so that pages say so at once
instead of each waiting the full time.

ENGINE "groupfinder.postgresql" in settings.DATABASES; everything else is Django's.
"""

import math
import time

from django.db.backends.postgresql import base

RETRY_EVERY = 0.25  # seconds


def _worth_waiting_for(error):
    """No answer from the server (refused, reset, timed out), or an answer saying it is
    starting up or shutting down (SQLSTATE class 57P). A wrong password or database name
    will not get better by waiting."""
    sqlstate = getattr(error, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith("57P")


class DatabaseWrapper(base.DatabaseWrapper):
    # Whether a whole wait failed since a connection last worked, in this process.
    down = False

    def get_new_connection(self, conn_params):
        wait = int(conn_params.get("connect_timeout") or 0)
        deadline = time.monotonic() + (0 if DatabaseWrapper.down else wait)
        while True:
            left = deadline - time.monotonic()
            # psycopg's limit on one attempt is 2 s at least: with a server that accepts
            # connections and then says nothing, the wait may last up to 2 s longer.
            attempt = conn_params | {"connect_timeout": max(2, math.ceil(left))} if wait else {}
            try:
                connection = super().get_new_connection(attempt or conn_params)
            except self.Database.OperationalError as error:
                if not _worth_waiting_for(error) or deadline - time.monotonic() < RETRY_EVERY:
                    DatabaseWrapper.down = DatabaseWrapper.down or _worth_waiting_for(error)
                    raise
            else:
                DatabaseWrapper.down = False
                return connection
            time.sleep(RETRY_EVERY)
