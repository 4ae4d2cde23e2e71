# Both binaries, built in one stage and copied into a minimal runtime image
# that runs as a non-root user and needs no writable root filesystem:
# run with `--read-only` and a volume (or tmpfs) at /data.
#
#   docker build -t mcp-trust .
#   docker run --read-only -v mcp-data:/data -p 8080:8080 mcp-trust serve --listen 0.0.0.0:8080
#   docker run --rm --entrypoint /usr/local/bin/mcp-verify mcp-trust --help

FROM docker.io/library/rust:1.95-bookworm AS build
# Dependencies first, so source edits do not rebuild them: every workspace
# member's manifest with stub sources, fetched in a directory of its own so the
# stubs never meet the real sources (scripts/checks/dependency-stage replays
# these steps in CI: a member added to the workspace and not here fails it).
WORKDIR /deps
COPY Cargo.toml Cargo.lock ./
COPY trust/Cargo.toml trust/Cargo.toml
COPY registry/Cargo.toml registry/Cargo.toml
COPY verifier-cli/Cargo.toml verifier-cli/Cargo.toml
COPY e2e/Cargo.toml e2e/Cargo.toml
COPY test-oci/Cargo.toml test-oci/Cargo.toml
COPY test-sigstore/Cargo.toml test-sigstore/Cargo.toml
COPY malloc-tune/Cargo.toml malloc-tune/Cargo.toml
# Upstream crates carried with fixes ([patch.crates-io]): cargo reads them whole.
COPY patches patches
COPY scripts/stub-targets scripts/stub-targets
RUN scripts/stub-targets trust registry verifier-cli e2e test-oci test-sigstore malloc-tune \
 && cargo fetch --locked --target "$(rustc -vV | sed -n 's/^host: //p')"
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p mcp-registry -p mcp-verify \
 && install -D -m 0755 target/release/mcp-registry /out/usr/local/bin/mcp-registry \
 && install -D -m 0755 target/release/mcp-verify /out/usr/local/bin/mcp-verify \
 && install -d -m 0750 /out/data

# glibc, libgcc and CA certificates, no shell, no package manager; uid 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/usr/local/bin/ /usr/local/bin/
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/mcp-registry"]
CMD ["serve", "--data-dir", "/data", "--listen", "0.0.0.0:8080"]
