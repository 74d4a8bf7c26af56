# syntax=docker/dockerfile:1
#
# warroom: the bot as a container image.
#
#   docker build -t warroom .
#   docker run --rm -p 3000:3000 -e SLACK_BOT_TOKEN=xoxb-... -e SLACK_SIGNING_SECRET=... \
#       -e DATABASE_URL=postgresql+psycopg://user:pass@host:5432/warroom warroom
#
# Stage 1 builds wheels (ours and every dependency); stage 2 gathers the files warroom reads from
# its working folder; stage 3 is the slim runtime, running as an unprivileged user.
# Needs BuildKit (the default builder since Docker Engine 23) for the RUN --mount below.

ARG PYTHON_IMAGE=python:3.11-slim

# --- 1. wheels -------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip wheel --wheel-dir /wheels .

# --- 2. runtime files ------------------------------------------------------------------------
# Alembic scripts, on-call config, playbooks and post-mortem templates are read from the working
# folder. Any of them may be missing from a checkout (git keeps no empty folders), and COPY fails
# on a missing source, so they are copied here with the whole (allow-listed, see .dockerignore)
# context and created if absent.
FROM ${PYTHON_IMAGE} AS files
WORKDIR /files
COPY . .
RUN mkdir -p migrations config playbooks postmortems

# --- 3. runtime ------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=3000 \
    DATABASE_URL=sqlite:////app/data/warroom.db

RUN groupadd --system --gid 10001 warroom \
 && useradd --system --uid 10001 --gid warroom --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin warroom

RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels warroom

WORKDIR /app
COPY --from=files /files/migrations ./migrations
COPY --from=files /files/config ./config
COPY --from=files /files/playbooks ./playbooks
COPY --from=files /files/postmortems ./postmortems
# The code and config stay root-owned (read-only to the bot); only data/ is writable, for the
# SQLite fallback. Production sets DATABASE_URL to PostgreSQL (see compose.yaml).
RUN mkdir -p data && chown warroom:warroom data

USER warroom
EXPOSE 3000

# /healthz answers while the process serves; urllib because the slim image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]

CMD ["warroom", "serve"]
