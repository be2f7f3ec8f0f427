# syntax=docker/dockerfile:1
#
# The operator's image. Three stages:
#   build            compiles src/ into dist/ with the dev dependencies (TypeScript)
#   production-deps  installs only the production dependencies from the lock file
#   runtime          distroless Node 22: the two results, bin/, crds/ and package.json, nothing else
#
# Node 22, the maintained LTS line: Node 20 reached end of life in April 2026, and the AWS SDK for
# JavaScript v3 needs Node 22 for its releases from January 2027. The build stages use the same
# major as the runtime, so that what npm installs there is what runs here (package.json's engines
# and the README's Requirements name the same version).
#
# Runtime base: gcr.io/distroless/nodejs22-debian12 rather than node:22-alpine, because
#   - it is the same Debian 12 (glibc) as the build stages, so whatever npm installs there runs
#     unchanged (alpine is musl: a native addon built on bookworm would not load);
#   - it has no shell, no package manager and no npm: nothing to exec into or to patch at runtime,
#     and far fewer packages for scanners to report;
#   - its :nonroot tag already defines user 65532 (we still set USER numerically so that
#     Kubernetes' runAsNonRoot can verify it without reading /etc/passwd).
#
# Read-only root filesystem: nothing is written at runtime. HOME points at /tmp (an emptyDir in
# deploy/) for any library that looks for a home directory; npm is not in the image.
#
# Build:  docker build --build-arg VERSION=$(node -p "require('./package.json').version") -t eks-fargate-operator .
# test/integration/container-runtime.test.ts reproduces the production-deps and runtime stages
# without Docker (same npm command, same COPY lines, same ENTRYPOINT, as uid 65532 on a read-only tree),
# on the Node.js release NODE_RUNTIME_IMAGE names, fetched from the npm registry.

ARG NODE_BUILD_IMAGE=node:22-bookworm-slim
ARG NODE_RUNTIME_IMAGE=gcr.io/distroless/nodejs22-debian12:nonroot

FROM ${NODE_BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_BUILD_IMAGE} AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: no production dependency needs one, and none should run in the image.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_RUNTIME_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG SOURCE_URL=https://github.com/eksops/eks-fargate-operator
LABEL org.opencontainers.image.title="eks-fargate-operator" \
      org.opencontainers.image.description="Kubernetes operator that converges a FargateWorkload into a Fargate profile, IRSA role, security groups for pods, ALB Ingress and the Deployment on AWS EKS Fargate" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"
ENV NODE_ENV=production \
    HOME=/tmp
WORKDIR /app
# Owned by root and not writable by the operator's user: the code cannot be changed at runtime.
COPY --from=production-deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY crds ./crds
USER 65532:65532
# /healthz, /readyz and /metrics (--health-port); /metrics again on 8080 when --metrics-port=8080.
EXPOSE 8081 8080
ENTRYPOINT ["/nodejs/bin/node", "/app/bin/eks-fargate-operator", "run"]
