#!/usr/bin/env bash
# The whole test suite: Rust unit tests, the TypeScript type check, and the ava tests (unit and
# integration, with real containers: run as root). Builds first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --for-tests
source scripts/env.sh
npm run build
# The generated binding types are committed; a build that changes them means they are stale.
if ! git diff --quiet -- ts/native/binding.d.ts 2>/dev/null; then
  echo "test: ts/native/binding.d.ts changed when built; commit the regenerated file" >&2
  if [[ -n "${CI:-}" ]]; then exit 1; fi
fi
cargo clippy --quiet -p ocirun-core --all-targets -- -D warnings
cargo clippy --quiet -p ocirun-node -- -D warnings
cargo test --workspace --quiet
npm run typecheck
npx ava "$@"
npx ava --config ava.cgroup-v2.config.mjs
