# Build: the release binary, with the system libpq for PostgreSQL.
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so source edits do not rebuild them.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src && echo 'fn main() {}' > src/main.rs && echo '' > src/lib.rs \
    && cargo build --release --locked || true
COPY . .
RUN touch src/main.rs src/lib.rs && cargo build --release --locked

# Run: the binary, libpq and CA certificates only.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /var/lib/tuomi --create-home tuomi
COPY --from=build /src/target/release/tuomi /usr/local/bin/tuomi
USER tuomi
ENV TUOMI_DATA_DIR=/var/lib/tuomi TUOMI_LISTEN=0.0.0.0:8080
VOLUME /var/lib/tuomi
EXPOSE 8080
# No curl in the image: bash's /dev/tcp asks /readyz.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /readyz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["tuomi"]
CMD ["serve"]
