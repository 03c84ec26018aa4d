# octolint container image: the `octolint` binary on a small non-root Debian base.
#
#   docker build -t ghcr.io/octolint/octolint:0.1.0 .
#
# Used two ways (see docs/argocd.md):
# - as a command: `docker run --rm -v "$PWD:/src" -w /src ghcr.io/octolint/octolint:0.1.0 check .`
#   and in the Argo CD PreSync hook Job (manifests/octolint/presync-hook.yaml);
# - as the Argo CD config management plugin sidecar of the repo server
#   (manifests/argocd/repo-server-patch.yaml). There the container's command is
#   /var/run/argocd/argocd-cmp-server, which Argo CD mounts from the repo server, so the image
#   needs no Argo CD binary of its own; the plugin's scripts need only sh, find, grep, sed and
#   sort, which the base image has. Argo CD runs plugin sidecars as user 999, the user below.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-bookworm AS build
WORKDIR /src
# Only what the build reads: the manifest, the lock file, the sources and the data the binary
# embeds (bundled policies, environment defaults, price tables, secret patterns).
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY policies ./policies
COPY rules ./rules
RUN cargo build --release --locked && cp target/release/octolint /usr/local/bin/octolint

FROM debian:bookworm-slim
RUN groupadd --gid 999 octolint \
    && useradd --uid 999 --gid 999 --home-dir /home/argocd --create-home \
       --shell /usr/sbin/nologin octolint
COPY --from=build /usr/local/bin/octolint /usr/local/bin/octolint
USER 999:999
WORKDIR /home/argocd
ENTRYPOINT ["/usr/local/bin/octolint"]
CMD ["--help"]
