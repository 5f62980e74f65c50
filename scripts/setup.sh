#!/usr/bin/env bash
# Brings a fresh Debian machine to where ocirun builds and its tests run: Debian packages
# (when run as root and they are missing), Node 24 for the build and tests (from the npm
# registry, into tools/node), and the npm dependencies. Idempotent and quiet when done.
# Usage: scripts/setup.sh [--for-tests]
set -euo pipefail
cd "$(dirname "$0")/.."

want=(busybox-static)
if [[ "${1:-}" == "--for-tests" ]]; then
  # Peers for the differential and benchmark runs, tools the tests use (a C compiler and
  # glibc's static library build the seccomp probe), and the container managers the
  # acceptance tests drive ocirun with (podman with conmon, containerd with its runc shim);
  # uidmap's newuidmap and newgidmap map several ranges for the rootless tests.
  want+=(runc crun util-linux iproute2 gcc libc6-dev podman conmon catatonit fuse-overlayfs containerd uidmap)
fi
missing=()
for p in "${want[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "setup: cargo is missing: install Rust (https://rustup.rs)" >&2
  exit 1
fi

if [[ ! -x tools/node/node_modules/.bin/node ]]; then
  echo "setup: fetching Node 24 into tools/node" >&2
  npm ci --prefix tools/node --no-audit --no-fund --loglevel=error
fi
export PATH="$PWD/tools/node/node_modules/.bin:$PATH"

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: installing npm dependencies" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
