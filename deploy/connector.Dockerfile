# The l2msg connector as a container. Build from the repository root:
#   docker build -f deploy/connector.Dockerfile -t l2msg-connector .
# Run (it dials the worker; no port needs publishing):
#   docker run -d --name l2msg-connector -v l2msg-data:/data \
#     -e WORKER_URL=https://l2msg.example.workers.dev -e CONNECTOR_SECRET=... \
#     -e CONNECTOR_ID=box-1 -e CONNECTOR_CAPACITY=50 l2msg-connector
# DATA_DIR (/data) holds the WhatsApp credentials and the event outbox: keep it on a volume.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
# better-sqlite3 builds from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production DATA_DIR=/data
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY protocol ./protocol
COPY connector ./connector
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
# SIGTERM stops it gracefully (sockets closed without logout, outbox flushed).
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "connector/index.ts"]
