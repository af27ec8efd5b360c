# tuomi: the release binary on Debian, with the system libpq for PostgreSQL.
# Templates, the style sheet, message catalogs and migrations are compiled into the binary;
# SQLite is bundled. The runtime image needs only libpq5 and CA certificates.

# --- build ---
FROM rust:1.95-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src

# Dependencies first, in a layer of their own: built against an empty crate, so a source
# edit does not rebuild them; only a change to Cargo.toml or Cargo.lock does.
COPY Cargo.toml Cargo.lock ./
# How the bundled SQLite is built (.cargo/config.toml), so this layer holds the same build.
COPY .cargo .cargo
RUN mkdir src bench \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && echo 'fn main() {}' > bench/reminders.rs \
    && cargo build --release --locked \
    && rm -rf src bench

# Then the crate itself. COPY may keep the files' old modification times, older than the
# empty crate's build: touch them so cargo rebuilds the crate instead of reusing that one.
COPY . .
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked

# --- run ---
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/tuomi --create-home \
       --shell /usr/sbin/nologin tuomi
COPY --from=build /src/target/release/tuomi /usr/local/bin/tuomi

USER tuomi
WORKDIR /var/lib/tuomi
# Set TUOMI_BASE_URL to the address people use (it defaults to http://<listen>, which is
# 0.0.0.0 here), and TUOMI_SECRET_KEY; without it a key is generated into the data dir.
ENV TUOMI_DATA_DIR=/var/lib/tuomi \
    TUOMI_LISTEN=0.0.0.0:8080
VOLUME /var/lib/tuomi
EXPOSE 8080

# No curl or wget in the image: bash (already in bookworm-slim) opens /dev/tcp, sends
# GET /readyz and checks for a 200 status line. /readyz is 503 while the database is
# unreachable or not migrated.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /readyz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]

# SIGTERM (docker stop) lets the requests in flight finish, for up to 20 s.
ENTRYPOINT ["tuomi"]
CMD ["serve"]
