# flightpulse worker image: KCL-style consumer workers for the ECS Fargate service.
# Build:  docker build -t flightpulse-worker .
# Multi-stage: compile TypeScript with the dev toolchain, ship only production dependencies and dist/.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY analytics ./analytics
COPY consumers ./consumers
COPY ingest ./ingest
RUN npm run build && npm prune --omit=dev

FROM gcr.io/distroless/nodejs22-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER nonroot
EXPOSE 8080
# ECS sends SIGTERM on deploys and scale-in; the worker hands its leases over within the task's
# stopTimeout (120 s). Distroless runs node as PID 1 with the signal delivered to it directly.
# The V8 flags are consumers/node-flags.ts's (a test keeps the two equal).
CMD ["--max-semi-space-size=64", "dist/consumers/main.js", "worker"]
