# syntax=docker/dockerfile:1
# Multi-stage image: the build stage compiles TypeScript to dist/; the runtime stage holds production
# dependencies, dist/ and the migrations only, and runs as an unprivileged numeric user.
#
#   docker build -t appdirect-provisioner .
#   docker run --init ... appdirect-provisioner                 # the API (default command)
#   docker run --init ... appdirect-provisioner worker          # a worker
#   docker run --init ... appdirect-provisioner migrate         # apply migrations, then exit
#   docker run --init ... appdirect-provisioner admin overview  # the admin CLI (ADMIN_URL, ADMIN_TOKEN)
#   docker exec <api container> appdirect-provisioner-admin overview   # the CLI beside a running API
#
# CI cannot run Docker; test/integration/package.test.ts repeats these steps outside it (npm pack,
# npm ci --omit=dev --omit=optional --ignore-scripts, the compiled API and worker against PostgreSQL and Redis,
# the compiled admin CLI by name on PATH against that API).

ARG NODE_IMAGE=node:24-trixie-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /build
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY prisma.config.ts ./
# Full install: the Prisma CLI generates the client into src/generated (postinstall).
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workers ./workers
COPY bin ./bin
COPY tools/admin-cli.ts ./tools/admin-cli.ts
COPY tools/admin-cli ./tools/admin-cli
RUN npm run build && npm pack --pack-destination /build/pack

FROM ${NODE_IMAGE} AS runtime
# HOST: the API listens on every interface of the container (Docker and Kubernetes route to its address);
# the service's own default is loopback.
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    HOST=0.0.0.0
WORKDIR /app
# The packed project (dist/, prisma/migrations, package.json) and the lock file, then production
# dependencies only. No install scripts: nothing at run time needs one (the client is compiled in dist/).
# --omit=optional too: npm otherwise keeps optional peers that are also dev dependencies (the Prisma CLI,
# TypeScript); the one real optional package, msgpackr-extract, only speeds BullMQ up (pure JS fallback).
COPY --from=build /build/pack/*.tgz /tmp/app.tgz
COPY package-lock.json /tmp/package-lock.json
RUN tar -xzf /tmp/app.tgz --strip-components=1 -C /app \
 && cp /tmp/package-lock.json /app/ \
 && npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force \
 && rm -f /tmp/app.tgz /tmp/package-lock.json \
 && printf '#!/bin/sh\nset -e\ncase "${1:-api}" in\n  api) exec node dist/src/http/server.js ;;\n  worker) exec node dist/workers/event-worker.js ;;\n  migrate) exec node --experimental-wasm-modules --disable-warning=ExperimentalWarning dist/bin/migrate.js ;;\n  admin) shift; exec node dist/tools/admin-cli.js "$@" ;;\n  *) exec "$@" ;;\nesac\n' > /usr/local/bin/provisioner \
 && chmod 0755 /usr/local/bin/provisioner \
 && ln -s /app/bin/appdirect-provisioner-admin.cjs /usr/local/bin/appdirect-provisioner-admin
# Numeric UID/GID (Kubernetes runAsNonRoot can verify it); the app's files stay owned by root, read-only.
USER 10001:10001
EXPOSE 3000 9464
# The API's liveness probe; for a worker container, point the check at :9464/livez (compose does).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HEALTHCHECK_PORT||process.env.PORT||3000)+'/livez').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# `node` becomes PID 1 through exec and handles SIGTERM itself (graceful shutdown); run with `--init`
# (compose: init: true; Kubernetes reaps by itself) so orphaned children are reaped too.
ENTRYPOINT ["provisioner"]
CMD ["api"]
