# syntax=docker/dockerfile:1
# flex-watchdog image. Contract (kept in step with deploy/helm/flex-watchdog by
# tests/test_helm_chart.py): entrypoint `flex-watchdog run`, one HTTP port 9464 (/metrics, /healthz,
# /readyz), state under /var/lib/flex-watchdog, numeric non-root user 10001, and a root filesystem
# that can be mounted read-only (nothing is written outside the state volume and /tmp).
#
#   docker build -t flex-watchdog:dev .
#   docker run --rm -p 9464:9464 -e TWILIO_ACCOUNT_SID=AC... -e TWILIO_AUTH_TOKEN=... \
#     -v flex-watchdog-state:/var/lib/flex-watchdog flex-watchdog:dev

ARG PYTHON_IMAGE=python:3.11-slim

# ---- build: install the package and its dependencies into a self-contained venv --------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/flex-watchdog
WORKDIR /src
# README* matches nothing harmlessly when absent; pyproject.toml names it as the long description.
COPY pyproject.toml README* ./
COPY watchdog ./watchdog
RUN /opt/flex-watchdog/bin/pip install . \
    && cd / && /opt/flex-watchdog/bin/python -c "import watchdog.cli"

# ---- runtime: the venv only, no compilers, no pip cache, no source tree -----------------------
FROM ${PYTHON_IMAGE}
ENV PATH=/opt/flex-watchdog/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FLEX_WATCHDOG_HTTP__PORT=9464 \
    FLEX_WATCHDOG_STATE_PATH=/var/lib/flex-watchdog/flex-watchdog.db
RUN groupadd --system --gid 10001 flex-watchdog \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
       --home-dir /var/lib/flex-watchdog --shell /usr/sbin/nologin flex-watchdog \
    && install -d -o 10001 -g 10001 -m 0750 /var/lib/flex-watchdog
COPY --from=build /opt/flex-watchdog /opt/flex-watchdog
USER 10001:10001
WORKDIR /var/lib/flex-watchdog
VOLUME ["/var/lib/flex-watchdog"]
EXPOSE 9464
# The daemon finishes its cycle within shutdown_timeout_seconds (20 s) after SIGTERM.
STOPSIGNAL SIGTERM
ENTRYPOINT ["flex-watchdog", "run"]
