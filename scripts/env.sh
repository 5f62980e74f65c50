# Sourced by the scripts: puts the project's Node 24 first on PATH.
export PATH="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tools/node/node_modules/.bin:$PATH"
