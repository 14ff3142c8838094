# Shipline's app (webhooks in, GitHub API out) in a container. See README, "Hosting".
# Build stage: the dev dependencies bundle app/main.ts into dist/app.js (esbuild).
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY app ./app
COPY shared ./shared
COPY scripts/build.mjs ./scripts/build.mjs
RUN SHIPLINE_BUILD=app node scripts/build.mjs

# Run stage: production dependencies only, as the unprivileged `node` user of the image.
FROM node:24-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY app.yml ./
COPY --from=build /app/dist/app.js /app/dist/app.js.map ./dist/
USER node
EXPOSE 3000
# Probot answers GET /ping with PONG once it listens.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/ping').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/app.js"]
