#!/usr/bin/env bash
# Where npm is: what bench/gpu/run.sh needs on a GPU machine that has neither Node nor a network —
# the one-folder bundle (dist/bundle) and this machine's node binary, compressed (.gpu/node.xz).
# Then, on the GPU machine, from the repository root, carrying dist/bundle and .gpu:  bash bench/gpu/run.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
npm run bundle --silent
mkdir -p .gpu
xz -T0 -6 -c "$(command -v node)" > .gpu/node.xz
du -sh dist/bundle .gpu/node.xz
