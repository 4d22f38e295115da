#!/usr/bin/env bash
# Usage: bash tooling/run.sh <setup|test|main|bench> [args...]
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2
APT_PACKAGES=(libegl-dev libegl-mesa0 libgl1-mesa-dri libvulkan1 chromium)

export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
export EGL_PLATFORM="${EGL_PLATFORM:-surfaceless}"
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
  XDG_RUNTIME_DIR="$(mktemp -d)"; export XDG_RUNTIME_DIR
fi
chmod 700 "$XDG_RUNTIME_DIR" 2>/dev/null || true

T0=$SECONDS
step() { echo "=== [$((SECONDS - T0))s] $*"; }

setup() {
  step "apt"
  if [ "$(id -u)" = 0 ]; then
    local missing=() p
    for p in "${APT_PACKAGES[@]}"; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
  else
    echo "not root: skipping apt (${APT_PACKAGES[*]})"
  fi

  step "pnpm"
  if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
    npm install -g --no-fund --no-audit --allow-scripts=pnpm "pnpm@$PNPM_VERSION"
  fi

  step "install"
  pnpm install --frozen-lockfile
}

build() {
  step "build"
  pnpm turbo run build
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  setup)
    setup
    ;;
  test)
    setup
    step "build+test"
    rm -rf packages/*/.vitest apps/*/.vitest
    rc=0
    # two cores: one test package at a time keeps timing-sensitive suites (WebGPU on a software adapter) from starving
    pnpm turbo run build test --continue --concurrency=1 || rc=$?
    step "summary"
    src=0
    node tooling/scripts/test-summary.mjs || src=$?
    step "done"
    if [ "$rc" -ne 0 ]; then exit "$rc"; fi
    exit "$src"
    ;;
  main)
    setup
    build
    step "start"
    pnpm --filter @nabla/examples start -- "$@"
    ;;
  bench)
    setup
    build
    step "bench"
    pnpm --filter @nabla/bench start -- "$@"
    ;;
  *)
    echo "usage: bash tooling/run.sh <setup|test|main|bench> [args...]" >&2
    exit 2
    ;;
esac
