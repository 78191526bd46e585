# groupfinder's image: gunicorn behind your TLS proxy, static files served by
# whitenoise. Run migrations as a release step before starting new containers:
#   docker run --rm --env-file prod.env groupfinder python manage.py migrate
# and the background worker (CSV imports, emails, the daily jobs) as a second
# container of the same image, restarted when it stops:
#   docker run --env-file prod.env --restart unless-stopped groupfinder python manage.py db_worker
FROM python:3.13-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
RUN python -m venv /venv && /venv/bin/pip install "pip==25.3"
COPY pyproject.toml README.md ./
RUN /venv/bin/pip install .
COPY . .
# Hashed, compressed static files, made once at build time.
RUN STATIC_COLLECTED=1 /venv/bin/python manage.py collectstatic --noinput \
    && /venv/bin/python -m compileall -q directory groupfinder partners

FROM python:3.13-slim-bookworm
RUN useradd --system --create-home --uid 10001 groupfinder
COPY --from=build /venv /venv
COPY --from=build --chown=groupfinder:groupfinder /app /app
WORKDIR /app
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    STATIC_COLLECTED=1 \
    SECURE_PROXY=1 \
    SECURE_COOKIES=1 \
    TASKS_BACKEND=database
USER 10001
EXPOSE 8000
# Refuses to start with unsafe settings (directory.E001, Django's deploy checks at ERROR).
CMD ["sh", "-c", "python manage.py check --deploy --fail-level ERROR && exec gunicorn groupfinder.wsgi"]
