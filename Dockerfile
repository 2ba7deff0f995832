# syntax=docker/dockerfile:1
#
# Accord's container image: a static binary on distroless, non-root.
#
#   docker build \
#     --build-arg VERSION=$(git describe --tags --always --dirty) \
#     --build-arg COMMIT=$(git rev-parse HEAD) \
#     -t accord .
#   docker run -p 8080:8080 -v accord-data:/var/lib/accord accord
#
# docs/deploy.md ("Install with containers") says how to run it with
# PostgreSQL (compose.yaml).

# The Go release CI builds and tests with (go.mod: go 1.26.x).
ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION} AS build
WORKDIR /src
# Modules first: this layer is reused while go.mod and go.sum stay as they are.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY cmd ./cmd
COPY internal ./internal
ARG VERSION=dev
ARG COMMIT=unknown
# CGO_ENABLED=0: the SQLite driver (modernc.org/sqlite) is pure Go, so the
# binary is static and runs on an image without a C library. The time zone
# database is embedded (cmd/accord/main.go imports time/tzdata): calendars
# name IANA zones whatever the image carries. The source is copied without
# .git, so the version and commit come from the build arguments.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOTOOLCHAIN=local go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
      -o /out/accord ./cmd/accord \
 && mkdir -p /out/data

# The backup tools (compose.yaml's "tools" service; not built by default):
# accord backup and restore on PostgreSQL run pg_dump and pg_restore, which
# the distroless image below does not have. This one has them, of the same
# major version as compose.yaml's database (pg_dump refuses a newer server).
FROM postgres:17 AS tools
COPY --from=build /out/accord /usr/local/bin/accord
ENTRYPOINT ["/usr/local/bin/accord"]
CMD ["version"]

# distroless/static: CA certificates (SMTP over TLS, sign-in providers),
# /etc/passwd with the nonroot user (65532), tzdata, and no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/accord /usr/local/bin/accord
# The volume's mount point, owned by the user Accord runs as, so that a
# new named volume starts out writable by it.
COPY --from=build --chown=65532:65532 /out/data /var/lib/accord
USER 65532:65532
ENV ACCORD_DATA_DIR=/var/lib/accord \
    ACCORD_ADDR=0.0.0.0:8080
VOLUME /var/lib/accord
EXPOSE 8080
# accord healthcheck GETs /readyz on ACCORD_ADDR (a wildcard host is asked
# on loopback): ready once the database answers with the current schema.
# The start period covers the first start's migrations.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["/usr/local/bin/accord", "healthcheck"]
# serve drains for ACCORD_SHUTDOWN_TIMEOUT (20s) after SIGTERM: give
# `docker stop` a longer --time (compose.yaml's stop_grace_period does).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/accord"]
CMD ["serve"]
