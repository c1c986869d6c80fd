# syntax=docker/dockerfile:1
# The bundled MCP server, built from the compiled package (dist/ + npm-shrinkwrap.json): the same
# context works from this repository after `npm run build` and from the published npm package,
# which is what `mcp-obo deploy` uploads. Multi-stage: production dependencies only.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json npm-shrinkwrap.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
# Heap sized for the default 0.5 GiB container: V8 otherwise sizes its generations from what it
# sees of the host and lets RSS grow far past the live set. Measured by `npm run bench` (same
# throughput, RSS bounded after 20,000 users); raise both for larger containers.
ENV NODE_OPTIONS="--max-semi-space-size=16 --max-old-space-size=160"
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY dist ./dist
COPY bin ./bin
# Compile the server's modules once at build time, so every container starts from a warm cache.
ENV NODE_COMPILE_CACHE=/app/.node-compile-cache
RUN node -e "Promise.all([import('./dist/server/wire.js'), import('@azure/msal-node')])" && chown -R node:node /app/.node-compile-cache
# The base image's unprivileged user; only the compile cache in /app is writable by it.
USER node
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8000/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/mcp-obo"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
