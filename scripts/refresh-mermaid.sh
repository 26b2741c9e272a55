#!/usr/bin/env bash
# Refresh the vendored Mermaid bundle from the npm registry (the portal never loads it from a CDN).
# Usage: scripts/refresh-mermaid.sh [version-range]   (default: 11)
set -euo pipefail
range="${1:-11}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/static/vendor/mermaid"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
tarball="$(npm pack --silent "mermaid@$range")"
tar -xzf "$tarball" package/dist/mermaid.min.js package/package.json package/LICENSE
version="$(node -p "require('./package/package.json').version")"
mkdir -p "$dest"
cp package/dist/mermaid.min.js "$dest/mermaid.min.js"
cp package/LICENSE "$dest/LICENSE"
printf 'mermaid %s\nsource: npm package mermaid@%s, dist/mermaid.min.js\nsha256: %s\n' \
  "$version" "$version" "$(sha256sum "$dest/mermaid.min.js" | cut -d' ' -f1)" > "$dest/VERSION"
echo "Vendored mermaid $version into $dest"
