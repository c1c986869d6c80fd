# syntax=docker/dockerfile:1
# Your MCP server: your project (its tools and its locked dependencies, mcp-obo among them) on the
# same pinned Node base image as mcp-obo's own. Written by `mcp-obo deploy` for a deployment that
# lists tool modules; the server is the mcp-obo version your lock file pins.
ARG NODE_IMAGE=__NODE_IMAGE__

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json __LOCKFILE__ ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
ENV NODE_OPTIONS="--max-semi-space-size=16 --max-old-space-size=160"
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
USER node
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8000/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "node_modules/mcp-obo/bin/mcp-obo"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
