#!/usr/bin/env bash
# The benchmark against runc and crun (see bench/bench.ts). Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --for-tests
source scripts/env.sh
npm run build >/dev/null
node bench/bench.ts "$@"
