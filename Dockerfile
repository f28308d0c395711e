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
      dpkg-dev xz-utils patch libyaml-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Only what the C build reads (.dockerignore keeps the rest out).
COPY CMakeLists.txt compile-flags.txt ./
COPY engine/ engine/
COPY gateway/ gateway/
# libh2o is built from Debian's h2o 2.2.5 source package with our patches
# (the HTTP/2 bounds, docs/SECURITY.md): cmake runs scripts/h2o-source.sh,
# which fetches it with apt-get source (a private deb-src index made from
# this image's own sources; nothing else is downloaded) and links it
# statically.
COPY scripts/h2o-source.sh scripts/
COPY third_party/h2o-patches/ third_party/h2o-patches/
# tests/c/mkmodel.c: sks_mkmodel, which writes demo model files (the image
# tests use it from this stage; it is not shipped).
COPY tests/c/ tests/c/
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DSKS_SANITIZE=OFF -DSKS_FUZZ=OFF \
 && cmake --build /build -j"$(nproc)" --target skscore-gateway sks_mkmodel \
 && strip --strip-unneeded -o /skscore-gateway /build/gateway/skscore-gateway \
 && /skscore-gateway --version

# ---- rootfs: exactly what the binary needs, assembled from Debian's files --
# The shared libraries the dynamic loader resolves for the binary (ldd),
# each copied at its own path with its chain of SONAME symlinks, plus the
# loader; the /lib and /lib64 usrmerge symlinks as in Debian; the Debian
# copyright file and dpkg status entry of every package a shipped file comes
# from (the status entries, in distroless' /var/lib/dpkg/status.d layout, let
# image scanners such as Trivy or Grype see the Debian packages and their
# versions); /etc/passwd and /etc/group with the fixed UID/GID 10001; an
# empty /tmp (1777) and /models. Fails if a library is not found or belongs
# to no package, and if the binary cannot start from the assembled tree.
RUN set -eu; \
    R=/rootfs; mkdir -p $R/usr/local/bin $R/etc $R/tmp $R/models $R/var/lib/dpkg/status.d; \
    chmod 1777 $R/tmp; \
    cp -a /skscore-gateway $R/usr/local/bin/skscore-gateway; \
    for l in lib lib64; do if [ -L /$l ]; then cp -a /$l $R/; fi; done; \
    if ldd /skscore-gateway | grep -q 'not found'; then ldd /skscore-gateway; exit 1; fi; \
    : >/tmp/pkgs; \
    for p in $(ldd /skscore-gateway | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do \
      d=$(readlink -f "$(dirname "$p")"); n=$(basename "$p"); \
      while :; do \
        mkdir -p "$R$d"; cp -a "$d/$n" "$R$d/"; \
        [ -L "$d/$n" ] || break; \
        t=$(readlink "$d/$n"); \
        case "$t" in /*) d=$(readlink -f "$(dirname "$t")"); n=$(basename "$t");; */*) exit 1;; *) n=$t;; esac; \
      done; \
      f="$d/$n"; \
      pkg=$(dpkg-query -S "$f" 2>/dev/null || dpkg-query -S "${f#/usr}"); \
      echo "${pkg%%:*}" >>/tmp/pkgs; \
    done; \
    for pkg in $(sort -u /tmp/pkgs); do \
      mkdir -p $R/usr/share/doc/$pkg; \
      cp /usr/share/doc/$pkg/copyright $R/usr/share/doc/$pkg/copyright; \
      dpkg-query -s $pkg >$R/var/lib/dpkg/status.d/$pkg; \
    done; \
    mkdir -p $R/usr/share/skscore-gateway; \
    cp /src/third_party/h2o-2.2.5/debian/copyright $R/usr/share/skscore-gateway/h2o-copyright; \
    cp -L /etc/os-release $R/etc/os-release; \
    printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nskscore:x:10001:10001:skscore:/nonexistent:/usr/sbin/nologin\n' >$R/etc/passwd; \
    printf 'root:x:0:\nskscore:x:10001:\n' >$R/etc/group; \
    printf 'passwd: files\ngroup: files\nhosts: files dns\n' >$R/etc/nsswitch.conf; \
    chroot $R /usr/local/bin/skscore-gateway --version; \
    echo "shipped packages: $(sort -u /tmp/pkgs | tr '\n' ' ')"; \
    find $R \( -type f -o -type l \) | sort

# The version, revision and source, as a file: podman/buildah's layer cache
# ignores build-arg values in LABEL steps, so a rebuild at a new revision
# whose layers are all cached would keep the old labels. A RUN's cache key
# does include them; copying its output into the image just before LABEL
# makes the labels follow the build args (and the file says which commit an
# image came from without reading its config).
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=https://github.com/skscore/skscore
RUN mkdir -p /rootfs-info/usr/share/skscore-gateway \
 && printf 'version=%s\nrevision=%s\nsource=%s\n' "${VERSION}" "${REVISION}" "${SOURCE}" \
      >/rootfs-info/usr/share/skscore-gateway/image-info

# ---- runtime: no distribution base, only the rootfs above ------------------
# ~10 MB: the binary (libh2o 2.2.5 linked in, its copyright file beside it),
# glibc, OpenSSL. No shell,
# no package manager (docs/DEPLOY.md says how to debug it). UID/GID 10001 is
# numeric so Kubernetes' runAsNonRoot can check it and volumes can be
# chowned to it.
FROM scratch
COPY --from=build /rootfs/ /
# Nothing is written at run time (the gateway keeps request bodies in
# memory; /tmp is there, empty, for an emptyDir/tmpfs mount), so the root
# filesystem can be read-only. The gateway is PID 1: it handles SIGTERM
# itself (readiness goes false, in-flight requests finish, exit 0) and starts
# no children to reap.
USER 10001:10001
WORKDIR /models
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/skscore-gateway"]
COPY --from=build /rootfs-info/ /
# Last, so a new revision does not invalidate the cached layers above.
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=https://github.com/skscore/skscore
LABEL org.opencontainers.image.title="skscore-gateway" \
      org.opencontainers.image.description="Scores scikit-learn models exported to .skm files over HTTP/1.1 and HTTP/2 (seed /predict, KServe V1, Open Inference Protocol V2)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}"
