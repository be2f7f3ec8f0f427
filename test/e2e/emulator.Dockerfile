# The AWS emulator for the kind end-to-end suite: moto in server mode (the same pinned set as the
# integration tests, scripts/dev-env/python/requirements.txt) behind the EKS proxy, which is part
# of the local environment (scripts/dev-env) in TypeScript. `npm run test:e2e` compiles it into .dev-env/e2e first; this image
# copies the compiled JavaScript (it needs no npm package), so it builds without a TypeScript step.
# Build from the repository root (BuildKit reads emulator.Dockerfile.dockerignore beside this file):
#   docker build -f test/e2e/emulator.Dockerfile -t eksfo-aws-emulator:e2e .
FROM node:20-bookworm-slim
# Debian's python3 of the base image's release: a pinned Debian version would break at the next
# point release, and what must not move (moto and its dependencies) is pinned by requirements.txt.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv \
 && rm -rf /var/lib/apt/lists/*
COPY scripts/dev-env/python/requirements.txt /opt/moto/requirements.txt
RUN python3 -m venv /opt/moto/venv \
 && /opt/moto/venv/bin/pip install --no-cache-dir -r /opt/moto/requirements.txt
WORKDIR /e2e
RUN echo '{"type":"module"}' > package.json
COPY .dev-env/e2e/scripts/dev-env ./scripts/dev-env
COPY .dev-env/e2e/test/support ./test/support
COPY .dev-env/e2e/test/e2e ./test/e2e
# The node image's unprivileged user.
USER 1000
EXPOSE 4566
ENTRYPOINT ["node", "test/e2e/emulator-main.js"]
