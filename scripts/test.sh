#!/usr/bin/env bash
# The whole test suite: Rust unit tests, the TypeScript type check, and the ava tests (unit and
# integration, with real containers: run as root). Builds first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --for-tests
source scripts/env.sh
npm run build
# The generated binding types are committed; a build that changes them means they are stale.
git diff --exit-code -- ts/native/binding.d.ts >/dev/null 2>&1 || {
  echo "test: ts/native/binding.d.ts changed when built; commit the regenerated file" >&2
  [[ -n "${CI:-}" ]] && exit 1
}
cargo test --workspace --quiet
npm run typecheck
npx ava "$@"
