# syntax=docker/dockerfile:1
# flex-watchdog image. Contract (kept in step with deploy/helm/flex-watchdog by
# tests/deploy/test_helm_chart.py, and proven by building and running it in tests/deploy/test_image.py):
# entrypoint `flex-watchdog run`, one HTTP port 9464 (/metrics, /healthz, /readyz), state under
# /var/lib/flex-watchdog, numeric non-root user 10001, and a root filesystem that can be mounted
# read-only (nothing is written outside the state volume and /tmp).
#
#   docker build -t flex-watchdog:dev .
#   docker run --rm -p 9464:9464 -e TWILIO_ACCOUNT_SID=AC... -e TWILIO_AUTH_TOKEN=... \
#     -v flex-watchdog-state:/var/lib/flex-watchdog flex-watchdog:dev
#
# Behind a TLS-inspecting proxy, hand the build your CA bundle as the `ca-bundle` secret; pip then
# trusts it (docs/deploy.md): docker build --secret id=ca-bundle,src=/etc/ssl/certs/ca-certificates.crt .

ARG PYTHON_IMAGE=python:3.11-slim

# ---- requirements: the runtime dependencies, read from pyproject.toml -------------------------
# A stage of its own, so the install below is reused until the dependencies change, not on every
# edit of pyproject.toml (tool settings, the test extra).
FROM ${PYTHON_IMAGE} AS requirements
COPY pyproject.toml /src/
RUN python -c "import tomllib; print(*tomllib.load(open('/src/pyproject.toml', 'rb'))['project']['dependencies'], sep='\\n')" > /requirements.txt

# ---- build: install the package and its dependencies into a self-contained venv --------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/flex-watchdog
WORKDIR /src
# The dependencies first, in a layer reused until they change. The optional `ca-bundle` secret is
# mounted for this step only, so it never lands in a layer.
COPY --from=requirements /requirements.txt /tmp/requirements.txt
RUN --mount=type=secret,id=ca-bundle \
    if [ -s /run/secrets/ca-bundle ]; then export PIP_CERT=/run/secrets/ca-bundle; fi \
    && /opt/flex-watchdog/bin/pip install "setuptools>=68" -r /tmp/requirements.txt
COPY pyproject.toml ./
# README* matches nothing harmlessly when absent; pyproject.toml names it as the long description.
COPY README* ./
COPY watchdog ./watchdog
# Then the package itself, built with the setuptools above; pip and setuptools leave the venv.
RUN /opt/flex-watchdog/bin/pip install --no-deps --no-build-isolation . \
    && /opt/flex-watchdog/bin/pip uninstall -y -q setuptools pip \
    && cd / && /opt/flex-watchdog/bin/python -c "import watchdog.cli"

# ---- runtime: the venv only, no pip, no compilers, no source tree ----------------------------
FROM ${PYTHON_IMAGE}
ENV PATH=/opt/flex-watchdog/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FLEX_WATCHDOG_HTTP__PORT=9464 \
    FLEX_WATCHDOG_STATE_PATH=/var/lib/flex-watchdog/flex-watchdog.db
# The base's own pip (python:3.11-slim's, or the wheel ensurepip would install) goes too.
RUN rm -rf /usr/local/bin/pip* /usr/local/lib/python3*/site-packages/pip \
       /usr/local/lib/python3*/site-packages/pip-* /usr/local/lib/python3*/ensurepip/_bundled/pip-* \
       /usr/share/python-wheels/pip-* \
    && groupadd --system --gid 10001 flex-watchdog \
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
