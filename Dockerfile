# syntax=docker/dockerfile:1
#
# siphon-http image:  docker build -t siphon-http .   (from the repository root)
#
# Run it with the config, the script and the TLS material mounted under
# /etc/siphon (see docs/deployment.md and deploy/):
#   /etc/siphon/siphon.yaml   main config (the entrypoint reads it)
#   /etc/siphon/http.yaml     listeners and clients (extensions.http)
#   /etc/siphon/script.py     your @http.route handlers
#   /etc/siphon/tls/tls.crt, /etc/siphon/tls/tls.key
#
# Every RUN is one plain shell command: test/60.dockerfile.test.mjs replays
# the build stage's commands from this file in a clone of the repository.

# ---- build: the native addon (C++ embedding CPython 3.11) and the TypeScript ----
FROM node:20-bookworm AS build
# The image has g++ and make. The addon also needs cmake and CPython's headers
# with a shared libpython (python3-dev brings libpython3.11-dev).
RUN apt-get update && apt-get install -y --no-install-recommends cmake python3-dev && rm -rf /var/lib/apt/lists/*
# Embed Debian's python3.11. The addon is linked against its libpython by
# absolute path (/usr/lib/<multiarch>/libpython3.11.so.1.0), which the runtime
# stage installs at the same place from the same Debian release.
ENV SIPHON_PYTHON=/usr/bin/python3
WORKDIR /app
COPY package.json package-lock.json tsconfig.json CMakeLists.txt binding.gyp ./
COPY scripts/ scripts/
COPY native/ native/
COPY src/ src/
COPY bin/ bin/
COPY python/ python/
# `npm ci` runs the `prepare` script: `npm run build` = build:native (cmake-js)
# then build:ts (tsc into dist/).
RUN npm ci
# Drop cmake-js, node-addon-api, typescript and @types: the runtime needs none.
RUN npm prune --omit=dev
# Fail the build here, not at `docker run`, if the addon cannot load.
RUN node bin/siphon --version

# ---- runtime: Node 20 + libpython3.11 + the built app, nothing else ----
FROM node:20-bookworm-slim AS runtime
# libpython3.11 is the shared library the addon loads; it depends on
# libpython3.11-stdlib (asyncio, json, ssl, ...). python3.11-minimal adds
# /usr/bin/python3.11, the interpreter path the addon gives CPython as its
# program name (so sys.executable is real and sys.prefix is /usr).
RUN apt-get update && apt-get install -y --no-install-recommends libpython3.11 python3.11-minimal && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 siphon && useradd --system --uid 10001 --gid siphon --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin siphon
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/bin/ bin/
COPY --from=build /app/dist/ dist/
COPY --from=build /app/python/siphon/ python/siphon/
COPY --from=build /app/build/Release/siphon_addon.node build/Release/
COPY --from=build /app/node_modules/ node_modules/
RUN ln -s /app/bin/siphon /usr/local/bin/siphon && mkdir -p /etc/siphon/tls
# No .pyc files written next to the app or the mounted script (the image and
# the mounts are read-only for the siphon user).
ENV NODE_ENV=production PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
# 8443: HTTPS (servers[0] in deploy/http.example.yaml); 9090: plain HTTP, /metrics.
EXPOSE 8443 9090
ENTRYPOINT ["siphon", "-c", "/etc/siphon/siphon.yaml"]
