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
# ocirun itself, with optionalDependencies on every platform package added here, as napi-rs's
# prepublish step adds them: in the repository's package.json they would make `npm ci` fail,
# since the packages are not on the registry until they are published.
stage=$(mktemp -d)
cp -r bin dist README.md "$stage/"
rm -rf "$stage/dist/.code-cache"
node -e '
  const fs = require("fs");
  const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
  pkg.optionalDependencies = Object.fromEntries(
    fs.readdirSync("npm").map((d) => [JSON.parse(fs.readFileSync(`npm/${d}/package.json`, "utf8")).name, pkg.version]));
  delete pkg.devDependencies;
  delete pkg.scripts;
  fs.writeFileSync(process.argv[1] + "/package.json", JSON.stringify(pkg, null, 2) + "\n");
' "$stage"
(cd "$stage" && npm pack --silent --pack-destination "$out" >/dev/null)
rm -rf "$stage"
ls "$out"
