# Multi-stage: the official Swift image builds, a slim Debian with libpq5 runs.
FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
RUN swift package resolve
COPY . .
RUN swift build -c release --product wardboard --static-swift-stdlib

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates tzdata postgresql-client \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --no-create-home wardboard
COPY --from=build /src/.build/release/wardboard /usr/local/bin/wardboard
COPY sql /usr/share/wardboard/sql
ENV WARDBOARD_SQL_DIR=/usr/share/wardboard/sql \
    WARDBOARD_HOST=0.0.0.0 \
    WARDBOARD_PORT=8080
USER wardboard
EXPOSE 8080
ENTRYPOINT ["wardboard"]
CMD ["serve"]
