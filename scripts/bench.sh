#!/usr/bin/env bash
# The benchmarks against runc and crun: the CLI (bench/bench.ts), or with `library` as the
# first argument the library (bench/library.ts). Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --for-tests
source scripts/env.sh
npm run build >/dev/null
if [[ ${1:-} == library ]]; then
  shift
  node bench/library.ts "$@"
else
  node bench/bench.ts "$@"
fi
