# syntax=docker/dockerfile:1
#
# The operator's image. Two stages:
#   build    installs the locked dependencies (dev ones included: TypeScript, esbuild), compiles
#            src/ into dist/ and bundles the CLI (`npm run bundle`)
#   runtime  distroless Node 22: the bundle and crds/, nothing else (no node_modules)
#
# The bundle, dist/bundle/eks-fargate-operator.mjs and the chunk-*.mjs next to it, is
# bin/eks-fargate-operator with everything it imports from dist/ and node_modules/ as minified,
# tree-shaken ES modules (esbuild, scripts/bundle.mjs): only the code the CLI reaches is loaded, and loaded code is
# most of the operator's memory (README, "Scale: the benchmark"). Chunks rather than one file: the
# commands load the operator's modules with import(), which in one file esbuild can neither
# tree-shake nor keep lazy, and one 3.9 MB module took about 30 MiB more native memory to load.
# It imports nothing but Node's built-in modules and its chunks (ws and node-fetch try optional
# native helpers and do without them), so the image needs no node_modules, and it finds crds/ two
# folders above itself, as dist/api/crd-schemas.js does. node-fetch's whatwg-url, which it uses
# only where the platform has no URL, is Node's own URL in the bundle (scripts/bundle.mjs): that
# leaves out tr46's Unicode tables and Node's deprecated built-in punycode.
# The bin/ launcher and dist/ as tsc writes it are what the tests and the CLI from the repository
# run; the image ships neither.
#
# Node 22, the maintained LTS line: Node 20 reached end of life in April 2026, and the AWS SDK for
# JavaScript v3 needs Node 22 for its releases from January 2027. The build stage uses the same
# major as the runtime, so that what npm installs and esbuild bundles there is what runs here
# (package.json's engines and the README's Requirements name the same version).
#
# Runtime base: gcr.io/distroless/nodejs22-debian12 rather than node:22-alpine, because
#   - it is the same Debian 12 (glibc) as the build stage, should a native addon ever be needed;
#   - it has no shell, no package manager and no npm: nothing to exec into or to patch at runtime,
#     and far fewer packages for scanners to report;
#   - its :nonroot tag already defines user 65532 (we still set USER numerically so that
#     Kubernetes' runAsNonRoot can verify it without reading /etc/passwd).
#
# Read-only root filesystem: nothing is written at runtime. HOME points at /tmp (an emptyDir in
# deploy/) for any library that looks for a home directory; npm is not in the image.
#
# Build:  docker build --build-arg VERSION=$(node -p "require('./package.json').version") -t eks-fargate-operator .
# test/integration/container-runtime.test.ts reproduces both stages without Docker (same COPY lines,
# same npm commands, same ENTRYPOINT, as uid 65532 on a read-only tree), on the Node.js release
# NODE_RUNTIME_IMAGE names, fetched from the npm registry.

ARG NODE_BUILD_IMAGE=node:22-bookworm-slim
ARG NODE_RUNTIME_IMAGE=gcr.io/distroless/nodejs22-debian12:nonroot

FROM ${NODE_BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
COPY scripts/bundle.mjs scripts/bundle-notices.mjs ./scripts/
# tsc into dist/, then esbuild from bin/eks-fargate-operator into dist/bundle/ (scripts/bundle.mjs),
# with the licences of the packages bundled in THIRD-PARTY-NOTICES.txt (package.json).
RUN npm run bundle

FROM ${NODE_RUNTIME_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG SOURCE_URL=https://github.com/eksops/eks-fargate-operator
LABEL org.opencontainers.image.title="eks-fargate-operator" \
      org.opencontainers.image.description="Kubernetes operator that converges a FargateWorkload into a Fargate profile, IRSA role, security groups for pods, ALB Ingress and the Deployment on AWS EKS Fargate" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"
# MALLOC_ARENA_MAX: glibc gives each thread that allocates (libuv's pool, V8's helpers) a malloc
# arena of its own, memory it rarely returns; two arenas kept the resident set 30 MiB lower at
# 1,000 workloads (README, "Scale: the benchmark").
ENV NODE_ENV=production \
    HOME=/tmp \
    MALLOC_ARENA_MAX=2
WORKDIR /app
# Owned by root and not writable by the operator's user: the code cannot be changed at runtime.
# The bundle is the whole program: it carries bin/eks-fargate-operator's code, so bin/ (which
# loads dist/cli/) and package.json (which nothing reads at runtime) stay out.
COPY --from=build /src/dist/bundle ./dist/bundle/
COPY crds ./crds
USER 65532:65532
# /healthz, /readyz and /metrics (--health-port); /metrics again on 8080 when --metrics-port=8080.
EXPOSE 8081 8080
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/bundle/eks-fargate-operator.mjs", "run"]
