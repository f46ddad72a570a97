# syntax=docker/dockerfile:1
#
# supportd container image.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t supportd .
#   docker run -p 8000:8000 -e SECRET_KEY=... -v supportd-data:/var/lib/supportd supportd
#
# Or use docker-compose.yml (PostgreSQL included): docker compose up -d --build
#
# The entrypoint is the supportd binary, so arguments are a subcommand
# (default: serve), and it is on PATH for docker exec:
#   docker run --rm -i ... supportd user create --email E --password-stdin
#   docker run --rm -v "$PWD/articles:/articles:ro" ... supportd kb import /articles
#   docker exec -i CONTAINER supportd user create --email E --password-stdin

ARG GO_VERSION=1.26

# ---- build ------------------------------------------------------------------
FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src

# The runtime image has no shell: create the data directory here and copy it
# over with the right owner (65532 = "nonroot" in distroless).
RUN mkdir -p /out/data

# Dependencies first: this layer is rebuilt only when go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download && go mod verify

COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath \
      -ldflags="-s -w -X main.version=${VERSION}" \
      -o /out/supportd ./cmd/supportd

# ---- runtime ----------------------------------------------------------------
# distroless/static: CA certificates, tzdata and /etc/passwd with a nonroot
# user; no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot

# /usr/local/bin is on the image's PATH: "supportd" works in docker exec too.
COPY --from=build /out/supportd /usr/local/bin/supportd
COPY --from=build --chown=65532:65532 /out/data /var/lib/supportd

ENV DATA_DIR=/var/lib/supportd
USER 65532:65532
WORKDIR /var/lib/supportd
EXPOSE 8000

# No shell or curl in the image: the binary checks itself by calling
# http://127.0.0.1:$PORT/healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["/usr/local/bin/supportd", "healthcheck"]

ENTRYPOINT ["/usr/local/bin/supportd"]
CMD ["serve"]
