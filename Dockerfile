# syntax=docker/dockerfile:1
# Multi-stage build of the single Rapport binary. SQLite needs cgo, so the build
# stage has gcc and the runtime stage glibc (Debian slim, same release).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -ldflags="-s -w" -o /out/rapport ./server

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin rapport \
    && mkdir -p /data && chown rapport:rapport /data
COPY --from=build /out/rapport /usr/local/bin/rapport
USER rapport
WORKDIR /data
VOLUME ["/data"]
# /metrics answers only loopback clients unless RAPPORT_METRICS_TOKEN is set: pass
# one at run time (-e RAPPORT_METRICS_TOKEN=…) for a Prometheus on another host.
ENV RAPPORT_ADDR=0.0.0.0:8080 \
    RAPPORT_DATA_DIR=/data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD ["/usr/local/bin/rapport", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/rapport"]
CMD ["serve"]
