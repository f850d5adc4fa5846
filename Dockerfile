# syntax=docker/dockerfile:1
# cancel-stockin: build with the dev toolchain, run with production dependencies only, as a non-root user.

# Build: compiles TypeScript and better-sqlite3's native module (python3, make, g++ only live here).
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Production dependencies only, native module compiled against the same Node.
FROM node:20-bookworm-slim AS prod-deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# Runtime: no compiler, no dev dependency, no tsx.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    AUDIT_DB_PATH=/data/audit.db \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The audit file lives on the /data volume, whatever .env says: AUDIT_DB_PATH=/data/audit.db below, and the
# default ./data/audit.db (an empty or copied AUDIT_DB_PATH in .env) reaches the same folder through this link,
# since /app itself is not writable by the node user.
RUN mkdir -p /data && chown node:node /data && ln -s /data /app/data
VOLUME ["/data"]
USER node
EXPOSE 3000
# Liveness only (/readyz is for the orchestrator's traffic decisions); node, because the slim image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The bot drains in-flight cancels on SIGTERM for up to SHUTDOWN_GRACE_MS (15 s by default): give it longer
# (`docker stop -t 30`, compose `stop_grace_period: 30s`), or a cancel may be cut off mid-call.
STOPSIGNAL SIGTERM
# As `npm start` runs it (package.json), without npm in between so SIGTERM reaches node itself.
CMD ["node", "--max-semi-space-size=4", "dist/src/main.js"]
