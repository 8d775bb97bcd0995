# syntax=docker/dockerfile:1
# One image for the harness and the reference shop:
#   docker run IMAGE shop --region eastus            the reference shop (what Helm deploys to AKS)
#   docker run IMAGE run --scenario release-gate ... the harness (the generator Job in each region)
# The image holds slocheck and its companion slocheck-cloud (the AKS, Front Door, Chaos Studio and
# Cosmos DB injectors, bearer tokens, the Cosmos DB data tier of the shop and of target.cosmos),
# side by side in /usr/local/bin, where slocheck finds it.
#
# Build: docker build --build-arg VERSION=$(git describe --tags --always) -t slocheck:dev .
# Stage 1 compiles a static binary; stage 2 is distroless "static" (no shell, no package
# manager, about 2 MB plus the binary) running as the non-root user 65532.

ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# Dependencies first, so that a source change does not download modules again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
ENV CGO_ENABLED=0 GOOS=linux
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags "-s -w -X github.com/slocheck/slocheck/internal/buildinfo.Version=${VERSION}" \
      -o /out/slocheck ./cmd/slocheck && \
    go build -trimpath -ldflags "-s -w -X github.com/slocheck/slocheck/internal/buildinfo.Version=${VERSION}" \
      -o /out/slocheck-cloud ./cmd/slocheck-cloud

FROM gcr.io/distroless/static-debian12:nonroot AS final
LABEL org.opencontainers.image.source="https://github.com/slocheck/slocheck" \
      org.opencontainers.image.description="slocheck: multi-region SLO verification harness and reference shop"
COPY --from=build /out/slocheck /out/slocheck-cloud /usr/local/bin/
# Runs write their reports here (mount a volume: the root file system stays read-only in Kubernetes).
WORKDIR /work
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/slocheck"]
CMD ["--help"]
