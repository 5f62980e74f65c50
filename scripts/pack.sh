#!/usr/bin/env bash
# Packs ocirun's npm packages into DIR (default ./pack): ocirun itself, and the platform
# package of every target whose addon was built here. These x86-64 machines can build only
# ocirun.linux-x64-gnu.node, so ocirun-linux-arm64-gnu is packed only where its addon exists
# (built on arm64 or with napi-rs's cross toolchain, see README); never as an empty shell.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-pack}
mkdir -p "$out"
out=$(cd "$out" && pwd)
for dir in npm/*/; do
  triple=$(basename "$dir")
  addon=ocirun.$triple.node
  if [[ ! -f $addon ]]; then
    echo "pack: $addon was not built here; ocirun-$triple is not packed" >&2
    continue
  fi
  stage=$(mktemp -d)
  cp "$dir/package.json" "$dir/README.md" "$addon" "$stage/"
  (cd "$stage" && npm pack --silent --pack-destination "$out" >/dev/null)
  rm -rf "$stage"
done
npm pack --silent --pack-destination "$out" >/dev/null
ls "$out"
