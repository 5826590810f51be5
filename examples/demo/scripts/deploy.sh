#!/usr/bin/env bash
# Deploys the demo services: the Bash side of the demo workspace.
set -euo pipefail

export DEPLOY_ENV="${DEPLOY_ENV:-staging}"
readonly ROOT_DIR="$(cd "$(dirname "$0")/.." && pwd)"
RETRIES=3

log() {
  printf '[deploy] %s\n' "$*" >&2
}

build_all() {
  log "building in $ROOT_DIR"
  for dir in web go rust; do
    log "building $dir"
  done
}

deploy() {
  local attempt=0
  while [ "$attempt" -lt "$RETRIES" ]; do
    build_all && return 0
    attempt=$((attempt + 1))
  done
  return 1
}

deploy "$DEPLOY_ENV"
