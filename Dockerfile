# Orion: multi-stage build on Debian bookworm. One image holds every binary (stripped); compose
# picks the command per service. The services run as `orion`, their data under
# /var/lib/orion/data (owned by it, so a named volume mounted there starts writable).
FROM debian:bookworm AS build
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      g++ cmake make pkg-config ccache \
      libzmq3-dev cppzmq-dev libmsgpack-cxx-dev libcxxopts-dev libspdlog-dev nlohmann-json3-dev \
      libsqlite3-dev libgtest-dev libgmock-dev libraft-dev libuv1-dev libsodium-dev libyaml-cpp-dev \
      libcpp-httplib-dev libssl-dev zlib1g-dev libbrotli-dev python3 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DORION_WERROR=ON \
    && cmake --build build -j"$(nproc)" --target orion-registry orion-scheduler orion-consensus orion-example-agent orionctl orion-dashboard \
    && cd build/bin && strip --strip-unneeded orion-registry orion-scheduler orion-consensus orion-example-agent orionctl \
         orion-audit-verify orion-dashboard

FROM debian:bookworm-slim AS runtime
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libzmq5 libspdlog1.10 libfmt9 libsqlite3-0 libraft2 libuv1 libsodium23 libyaml-cpp0.7 libcpp-httplib0.11 \
      ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/orion --create-home orion \
    && mkdir -p /var/lib/orion/data && chown -R orion:orion /var/lib/orion
COPY --from=build /src/build/bin/orion-registry /src/build/bin/orion-scheduler /src/build/bin/orion-consensus \
                  /src/build/bin/orion-example-agent /src/build/bin/orionctl /src/build/bin/orion-audit-verify \
                  /src/build/bin/orion-dashboard /usr/local/bin/
USER orion
WORKDIR /var/lib/orion
ENV ORION_DATA_DIR=/var/lib/orion/data
EXPOSE 7100 7101 7102 7180 7200 7201 7280 7300 7309 7380 7400
CMD ["orion-registry"]

# Prometheus from Debian, with the scrape configuration of the compose stack.
FROM debian:bookworm-slim AS prometheus
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus \
    && rm -rf /var/lib/apt/lists/*
COPY deploy/prometheus.yml /etc/prometheus/prometheus.yml
USER prometheus
EXPOSE 9090
CMD ["prometheus", "--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/var/lib/prometheus"]
