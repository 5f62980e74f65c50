#!/usr/bin/env bash
# The benchmarks against runc and crun: the CLI (bench/bench.ts), or with `library` as the
# first argument the library (bench/library.ts), with `podman` podman run with each runtime
# (bench/podman.ts). Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --for-tests
source scripts/env.sh
npm run build >/dev/null
case ${1:-} in
  library) shift; node bench/library.ts "$@" ;;
  podman) shift; node bench/podman.ts "$@" ;;
  *) node bench/bench.ts "$@" ;;
esac
