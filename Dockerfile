# skscore-gateway: the HTTP/1.1 + HTTP/2 scoring server, as a container image.
#
#   podman build -t skscore-gateway:0.1.0 \
#     --build-arg REVISION=$(git rev-parse HEAD) .
#   podman run --rm -p 8080:8080 --read-only --cap-drop ALL \
#     -v "$PWD/models:/models:ro" -e MODEL_PATH=/models/model.skm skscore-gateway:0.1.0
#
# The image holds no model: bake one in with a two-line derived image
# (FROM skscore-gateway + COPY model.skm /models/ + ENV MODEL_PATH), mount
# one at MODEL_PATH, or let an initContainer fetch it (docs/DEPLOY.md).
# Settings are flags or environment variables (skscore-gateway --help).
# No HEALTHCHECK: Kubernetes probes /healthz and /readyz.

# ---- build: compilers and -dev packages, never shipped -------------------
FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      gcc libc6-dev make cmake pkg-config binutils \
      libh2o-evloop-dev libh2o-dev-common libmsgpack-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Only what the C build reads (.dockerignore keeps the rest out).
COPY CMakeLists.txt ./
COPY engine/ engine/
COPY gateway/ gateway/
# tests/gateway/mkmodel.c: sks_mkmodel, which writes demo model files (the
# image tests use it from this stage; it is not shipped).
COPY tests/gateway/ tests/gateway/
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DSKS_SANITIZE=OFF -DSKS_FUZZ=OFF \
 && cmake --build /build -j"$(nproc)" --target skscore-gateway sks_mkmodel \
 && strip --strip-unneeded -o /skscore-gateway /build/gateway/skscore-gateway \
 && /skscore-gateway --version

# ---- runtime: slim Debian, the runtime libraries, one binary -------------
FROM debian:bookworm-slim
# libh2o-evloop0.13 brings libssl3, libwslay1 and zlib1g; libmsgpackc2 is
# the msgpack-c runtime. A fixed numeric UID/GID (10001) so Kubernetes'
# runAsNonRoot can check it and volumes can be chowned to it.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libh2o-evloop0.13 libmsgpackc2 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
 && groupadd --system --gid 10001 skscore \
 && useradd --system --uid 10001 --gid 10001 --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin skscore \
 && mkdir /models
COPY --from=build /skscore-gateway /usr/local/bin/skscore-gateway
# Nothing is written at run time (request bodies over 32 MiB would spool to
# /tmp: mount a tmpfs/emptyDir there), so the root filesystem can be
# read-only. The gateway is PID 1: it handles SIGTERM itself (readiness goes
# false, in-flight requests finish, exit 0) and starts no children to reap.
USER 10001:10001
WORKDIR /models
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/skscore-gateway"]
# Last, so a new revision does not invalidate the cached layers above.
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=https://github.com/skscore/skscore
LABEL org.opencontainers.image.title="skscore-gateway" \
      org.opencontainers.image.description="Scores scikit-learn models exported to .skm files over HTTP/1.1 and HTTP/2 (seed /predict, KServe V1, Open Inference Protocol V2)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.base.name="docker.io/library/debian:bookworm-slim"
