# syntax=docker/dockerfile:1
# The bundled MCP server, built from the compiled package (dist/ + bin/): the same context works from
# this repository after `npm run build` and from the published npm package, which is what
# `mcp-obo deploy` uploads. Multi-stage: the server's own dependencies only.
#
# Base image: the official Node image through the Microsoft Artifact Registry mirror, so ACR Tasks
# never pulls anonymously from Docker Hub (rate-limited), pinned by digest so every build starts
# from the same bytes. Refresh the digest with `npm run base-image:pin` (needs internet); build
# from a copy imported into your registry with `mcp-obo deploy --base-image <ref>@sha256:<digest>`.
ARG NODE_IMAGE=mcr.microsoft.com/mirror/docker/library/node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# dist/image holds what `serve` needs, pruned from npm-shrinkwrap.json by `npm run build`
# (.ci/image-deps.ts): 120 packages, 30.7 MB in node_modules, where the whole CLI tree was
# 209 packages and 91.1 MB (`npm ci --omit=dev` of each lock, file bytes; measured 2026-11-27).
COPY dist/image/package.json dist/image/npm-shrinkwrap.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# The compiled package with only the chunks of the bundled CLI that `serve` loads (dist/bundle/serve.json,
# written by `npm run build`; .ci/bundle.ts): the other commands' code stays out of the image, and the
# SBOM lists the packages whose code those chunks hold.
FROM ${NODE_IMAGE} AS app
WORKDIR /app
COPY dist ./dist
RUN node -e "const fs = require('node:fs'); const keep = new Set(require('./dist/bundle/serve.json').chunks); fs.readdirSync('dist/bundle').filter((f) => f.endsWith('.js')).filter((f) => !keep.has(f)).forEach((f) => fs.rmSync('dist/bundle/' + f))"

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
# V8 flags for the default 0.5 GiB container, chosen by `BENCH_ONLY=v8 npm run bench`: each candidate
# served 10,000 new users and warm tool calls inside a 512 MiB memory cgroup (2026-11-27, Node 24.21):
#   none (V8 sizes itself from the cgroup: 259 MiB heap)  RSS 202 MiB, 0.0043 major GCs per call
#   semi 16, old 160                                      RSS 229 MiB, 0.0015
#   semi 16, old 192                                      RSS 226 MiB, 0.0018
#   semi 32, old 192                                      RSS 250 MiB, 0.0020
#   semi 16, old 256                                      RSS 221 MiB, 0.0015
# A 16 MiB semi-space cuts full collections by 2.5-3x (fewer survivors promoted); a larger one only
# costs memory. A 256 MiB old space leaves the caches room without crowding the limit: the token
# cache takes 16% of the heap (48 MiB, packed tokens of ~1.1 KB: 20,000 users with a Graph and a DevOps
# token each) and verified tokens 3% (9 MiB, ~0.35 KB a user); `npm run bench` measured RSS 218-234 MiB
# after 10,000 users and 244-264 MiB after 20,000 (two runs, 2026-11-27), 205-227 and 236-259 MiB in two
# later runs; a semi-space of 8 MiB gave 208 and 239 MiB, no flatter (1.15x). The cgroup never came near 512 MiB.
# `deploy --memory` scales both.
ENV NODE_OPTIONS="--max-semi-space-size=16 --max-old-space-size=256"
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# The image's package.json and its CycloneDX SBOM (the packages in node_modules and those bundled into its chunks).
COPY dist/image/package.json dist/image/sbom.cdx.json ./
COPY --from=app /app/dist ./dist
COPY bin ./bin
# Compile what `serve` loads once at build time, so every container starts from a warm cache.
ENV NODE_COMPILE_CACHE=/app/.node-compile-cache
RUN node -e "require('@azure/msal-node'); Promise.all(require('./dist/bundle/serve.json').chunks.map((f) => import('./dist/bundle/' + f)))" && chown -R node:node /app/.node-compile-cache
# The base image's unprivileged user; only the compile cache in /app is writable by it.
USER node
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8000/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/mcp-obo"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
