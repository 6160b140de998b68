# SafePerson in a container: `docker compose up -d` (compose.yaml) runs it with PostgreSQL.
# The image holds the code and the compiled catalogs only: the token and the secret come from
# the environment (.env through compose), the organisation's config is mounted, data is in /data.

# Build: the wheel and its dependencies into a virtual environment, then the catalogs.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/safeperson
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY emulator ./emulator
RUN /opt/safeperson/bin/pip wheel --no-deps --wheel-dir /wheels . \
    && /opt/safeperson/bin/pip install /wheels/*.whl
# bot.catalogs reads the catalogs from `locales` beside the installed `bot` package; compiling
# them here means the running bot finds every .mo newer than its .po and writes nothing.
COPY locales ./locales
RUN site=$(/opt/safeperson/bin/python -c "import sysconfig; print(sysconfig.get_path('purelib'))") \
    && cp -r locales "$site/locales" \
    && /opt/safeperson/bin/python -c "from bot.catalogs import compile_catalogs; assert compile_catalogs(force=True)"

# Run: the slim image, the environment from the build, and an unprivileged user.
FROM python:3.11-slim-bookworm
ENV PATH=/opt/safeperson/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SAFEPERSON_HEALTH_PORT=8081
RUN groupadd --system --gid 10001 safeperson \
    && useradd --system --uid 10001 --gid safeperson --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin safeperson \
    && mkdir /data && chown safeperson:safeperson /data && chmod 0700 /data
COPY --from=build /opt/safeperson /opt/safeperson
# The SQLite database (when no PostgreSQL is configured), and safeperson.toml unless
# SAFEPERSON_CONFIG names another path, live here.
WORKDIR /data
VOLUME ["/data"]
USER 10001:10001
# /healthz answers 200 while the database and Telegram are reachable and the loops tick.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['SAFEPERSON_HEALTH_PORT'] + '/healthz', timeout=8)"]
# `run` applies database migrations before it takes updates.
ENTRYPOINT ["safeperson"]
CMD ["run"]
