# Ward's container image. Build from the repository root:
#   docker build -t ward:0.1.0 .
# The Helm chart (deploy/helm/ward) runs exactly this ENTRYPOINT and CMD as this USER
# (test/integration/helm/image.test.ts keeps them in step).

# Build stage: the full Node image has python3, make and g++ for the native addon and
# better-sqlite3. `npm ci` runs the install script (native/build.mjs) and prepare (tsc).
FROM node:22-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json ./
COPY native ./native
COPY bin ./bin
COPY src ./src
RUN npm ci && npm prune --omit=dev

# Runtime stage: Node 22 LTS, the compiled dist/src, production node_modules, the native
# addon and nothing else (no shell is needed: Ward runs as PID 1 in exec form).
FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
# `ward` on the PATH: the injector's agent containers run `ward agent`, deploy/kubernetes/*.yaml
# run `command: [ward]` (bin/ward is `#!/usr/bin/env node`).
ENV PATH="/app/bin:${PATH}"
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/bin ./bin
COPY --from=build /src/dist/src ./dist/src
COPY --from=build /src/native/build/Release/ward_native.node ./native/build/Release/ward_native.node
# The chart's server.uid and server.gid: a fixed non-root user, no entry in /etc/passwd needed.
USER 100:1000
EXPOSE 8200 8201
ENTRYPOINT ["/usr/local/bin/node", "/app/bin/ward"]
CMD ["server", "-config=/ward/config/ward.json"]
