# syntax=docker/dockerfile:1
#
# The rarelog image: one image for the four services (`rarelog serve <service>`) and for the
# command-line tool the Helm chart's hook Jobs run. Build from the repository root:
#
#   docker build -t rarelog:0.1.0 .
#
# It runs as an unprivileged numeric user (10001:10001, the chart's runAsUser) on a read-only
# root filesystem: nothing is written outside /tmp (an emptyDir in Kubernetes) and the
# reconciler's state directory (a mounted volume).

ARG PYTHON_VERSION=3.11
ARG DEBIAN_RELEASE=bookworm

# ---------------------------------------------------------------------------------------------
# builder: wheels of rarelog and of every dependency. Compilers live here and only here: the
# dependencies ship binary wheels for amd64 and arm64, but a platform without one (a newer
# Python, another architecture) must be able to build from source.
# ---------------------------------------------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim-${DEBIAN_RELEASE} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1

RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# Only what the distribution is built from (see .dockerignore): the package metadata, the kit,
# the services and the command-line tool.
COPY pyproject.toml README.md ./
COPY kit ./kit
COPY src ./src
COPY services ./services

# The pip cache mount keeps downloads between builds without leaving them in a layer.
RUN --mount=type=cache,target=/root/.cache/pip \
    pip wheel --wheel-dir /wheels .

# ---------------------------------------------------------------------------------------------
# runtime: Python, the installed distribution in a virtual environment, the Avro schemas.
# ---------------------------------------------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim-${DEBIAN_RELEASE} AS runtime

ARG RARELOG_UID=10001
ARG RARELOG_GID=10001

LABEL org.opencontainers.image.title="rarelog" \
      org.opencontainers.image.description="Event-sourced national rare-disease registry on Apache Kafka: ingest, pseudonymizer, reconciler, registry-store and the rarelog command-line tool" \
      org.opencontainers.image.licenses="Apache-2.0"

# PYTHONDONTWRITEBYTECODE: the root filesystem is read-only; the bytecode was compiled at
# install time below. NUMBA_CACHE_DIR: the reconciler's compiled linkage kernels are cached on
# /tmp instead of next to the (read-only) sources. HOME=/tmp: no library finds a home to write
# to elsewhere. RARELOG_HOME: a folder without `.rarelog/`, so the command-line tool never
# mistakes anything in the image for an embedded development stack. USER: the command line asks
# for the login name (getpass) when it starts; with USER set it does not need a passwd entry,
# so the image also runs under another numeric uid than its own.
ENV PATH=/opt/rarelog/venv/bin:$PATH \
    USER=rarelog \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONFAULTHANDLER=1 \
    NUMBA_CACHE_DIR=/tmp/numba-cache \
    HOME=/tmp \
    RARELOG_HOME=/opt/rarelog \
    RARELOG_SCHEMA_DIR=/opt/rarelog/schemas/avro

RUN groupadd --system --gid "${RARELOG_GID}" rarelog \
 && useradd --system --uid "${RARELOG_UID}" --gid "${RARELOG_GID}" --no-create-home \
            --home-dir /nonexistent --shell /usr/sbin/nologin rarelog

# The wheels are bind-mounted from the builder, never copied into a layer. The environment is
# made without pip; the base image's pip installs into it, and is then removed with setuptools
# and wheel, so the final image holds no installer and no build tool.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    python -m venv --without-pip /opt/rarelog/venv \
 && python -m pip --python /opt/rarelog/venv/bin/python install \
        --no-index --find-links=/wheels --no-cache-dir rarelog \
 && python -m pip uninstall -y pip setuptools wheel \
 && rm -rf /root/.cache

# The Avro schemas and their released history (schemas/history): the kit finds them from
# RARELOG_SCHEMA_DIR, and also by walking up from the installed package to /opt/rarelog.
COPY schemas /opt/rarelog/schemas

WORKDIR /opt/rarelog
USER ${RARELOG_UID}:${RARELOG_GID}

# /healthz, /readyz and /metrics (RARELOG_HEALTH_PORT; the chart sets 8080).
EXPOSE 8080

ENTRYPOINT ["rarelog"]
CMD ["serve", "ingest"]
