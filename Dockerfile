# sentry-bot: `docker build -t sentry-bot .` (docker-compose.yml runs the whole deployment).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_URL=sqlite:////data/sentry-bot.db

# tini is PID 1: it forwards SIGTERM to the bot (which then drains, see BOT_SHUTDOWN_GRACE) and
# reaps children. Python as PID 1 would get no default signal handling from the kernel.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /app bot \
 && mkdir /data && chown bot /data

WORKDIR /app
# The dependencies, exactly as locked (scripts/lock writes requirements.lock): this layer is
# rebuilt only when the lock file changes, not on every code change.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
# matplotlib (charts) keeps its font cache in MPLCONFIGDIR: built once here and writable by the bot,
# instead of a temporary directory that each process's first chart would rebuild.
ENV MPLCONFIGDIR=/app/.matplotlib
RUN python -c "import matplotlib.font_manager" && chown -R bot /app/.matplotlib

# The bot itself, built with the locked setuptools and nothing resolved again.
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-deps --no-build-isolation . && rm -rf build

USER bot
VOLUME ["/data"]
EXPOSE 3000
# /healthz answers in every mode that serves HTTP (serve, socket, worker).
HEALTHCHECK --interval=30s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=2).status == 200 else 1)"
ENTRYPOINT ["/usr/bin/tini", "--", "sentry-bot"]
CMD ["serve", "--host", "0.0.0.0", "--port", "3000"]
