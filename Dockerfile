# The image of the GitHub Action: one static binary and the CA certificates it verifies
# GitHub's API with.
#
# The base image is pinned by digest; docs/releasing.md says how to refresh it. The readable
# tag stays beside the digest for reviewers, but the digest is what gets pulled.

# Alpine's toolchain links against musl, so the binary is static: rustls (with ring) needs no
# OpenSSL and libgit2 is built from the source that libgit2-sys vendors, which needs only a C
# compiler and musl's headers.
FROM rust:1.95-alpine@sha256:606fd313a0f49743ee2a7bd49a0914bab7deedb12791f3a846a34a4711db7ed2 AS build

# The base image is pinned by digest, which fixes the Alpine branch these come from; pinning
# apk versions as well would only break the build when Alpine drops an old revision.
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev ca-certificates

# Only what `cargo build` reads (see .dockerignore): a change to the docs, the tests or the
# workflows does not invalidate the build layer.
COPY Cargo.toml Cargo.lock build.rs /src/
COPY src /src/src

# The commit that `shipgate --version` names. The context holds no .git, so build.rs cannot
# ask git; the release workflows pass the commit they build. Left empty, the version names
# no commit, and the build goes on.
ARG SHIPGATE_BUILD_COMMIT=""

# The target is named so that the binary is the static musl build on every architecture the
# image is built for, whatever the toolchain's host default. Symbols are stripped: nothing in
# the image reads them.
#
# No git config is shipped: the runner mounts the workspace owned by its own user and runs
# the container as root, and the binary itself trusts that owner only for a repository
# inside GITHUB_WORKSPACE (src/entry/github/run.rs), so git's ownership check still guards any other path.
RUN target="$(uname -m)-unknown-linux-musl" \
 && CARGO_PROFILE_RELEASE_STRIP=symbols cargo build --release --locked \
      --manifest-path /src/Cargo.toml --target "$target" --target-dir /target \
 && cp "/target/$target/release/shipgate" /shipgate

# No shell, no package manager, no user database: the runner starts the entrypoint directly,
# as root (what GitHub documents for Docker actions, so the binary can write the files the
# runner mounts), with the workspace as its working directory.
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /shipgate /shipgate
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
ENTRYPOINT ["/shipgate"]
