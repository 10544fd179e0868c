# syntax=docker/dockerfile:1
# One image for every Baton role; the command picks the role:
#   node --max-semi-space-size=64 --import tsx api/main.ts   REST API (the default; api/node-flags.ts says why)
#   node --import tsx worker/main.ts     Temporal worker (scale it out: docker compose up --scale worker=3)
#   node --import tsx dev/services/main.ts   the six sample downstream services
# Entries run TypeScript through tsx (a runtime dependency), so there is no compile step besides the
# prebuilt workflow bundle, which makes workers start fast and run exactly the code that was built.

# Node 24, the version the tests and benchmarks run on (package.json's `node` devDependency; decision 0015).
ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: every dependency (dev ones too) and the workflow bundle --------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm ci`: exactly the lockfile (it lists every platform's optional binaries, so it installs anywhere).
RUN npm ci --no-audit --no-fund --loglevel=error
COPY . .
RUN npm run build

# --- prod-deps: production dependencies only ----------------------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error && npm cache clean --force

# --- runtime ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    BATON_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js
WORKDIR /app
# Owned by root and read-only for the app user: the process cannot rewrite its own code.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY . .
COPY --from=build /app/dist ./dist
# The image's own `node` user (uid 1000); tsx keeps its cache in /tmp.
USER node
EXPOSE 3000 4001 4002 4003 4004 4005 4006 9464
# Role-neutral: checks BATON_HEALTHCHECK_URL when set (e.g. http://127.0.0.1:3000/healthz for the API);
# docker-compose.yml gives every service its own check instead.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const u = process.env.BATON_HEALTHCHECK_URL; if (!u) process.exit(0); fetch(u, { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1));"]
CMD ["node", "--max-semi-space-size=64", "--import", "tsx", "api/main.ts"]
