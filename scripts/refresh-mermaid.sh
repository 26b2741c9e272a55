#!/usr/bin/env bash
# Refresh the vendored Mermaid ES module build from the npm registry (the portal never loads it
# from a CDN). The ES module build loads each diagram type's code only when a diagram of that type
# is drawn (static/js/diagrams.js), instead of evaluating one 3.5 MB script.
# Usage: scripts/refresh-mermaid.sh [version-range]   (default: 11)
set -euo pipefail
range="${1:-11}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/static/vendor/mermaid"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
tarball="$(npm pack --silent "mermaid@$range")"
tar -xzf "$tarball" package/dist package/package.json package/LICENSE
version="$(node -p "require('./package/package.json').version")"
rm -rf "$dest"
mkdir -p "$dest/chunks/mermaid.esm.min"
cp package/dist/mermaid.esm.min.mjs "$dest/"
cp package/dist/chunks/mermaid.esm.min/*.mjs "$dest/chunks/mermaid.esm.min/"
cp package/LICENSE "$dest/LICENSE"
printf 'mermaid %s\nsource: npm package mermaid@%s, dist/mermaid.esm.min.mjs and dist/chunks/mermaid.esm.min/*.mjs (no source maps)\n' \
  "$version" "$version" > "$dest/VERSION"
echo "Vendored mermaid $version into $dest"
