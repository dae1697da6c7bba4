#!/usr/bin/env bash
# Builds the browser bundle into target/site (what cargo-leptos would do,
# without its 14-minute install): wasm, wasm-bindgen, wasm-opt, minified JS,
# CSS and public files; for release, brotli and gzip copies of the bundle.
# Usage: scripts/build-site.sh [--dev] [area…]   (default: size-optimised
# release of every area; naming areas rebuilds only their bundles in the
# release site already built)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
NAME=tayori
SITE=target/site
PKG=$SITE/pkg
profile=wasm-release
[ "${1:-}" = "--dev" ] && profile=dev && shift
only=("$@")

rm -rf "$PKG.tmp" && mkdir -p "$PKG.tmp"
if [ ${#only[@]} -gt 0 ]; then
  if [ "$profile" != wasm-release ] || [ ! -d "$PKG" ]; then
    echo "naming areas needs a release site built before" >&2; exit 1
  fi
  cp -r "$PKG/." "$PKG.tmp/"
fi
# Release: one bundle per area (app::area_of), so a page loads only the
# islands of its area; the server picks the one for each page. Dev: one
# bundle of every island, built once.
if [ "$profile" = wasm-release ]; then
  bundles="${only[*]:-core mail compose admin}"
else
  bundles=all
fi
for area in $bundles; do
  if [ "$area" = all ]; then features=(); out=$NAME; else features=(--features "$area"); out=$NAME-$area; fi
  cargo build --package=frontend --lib --target=wasm32-unknown-unknown \
    --target-dir=target/front --profile="$profile" "${features[@]}"
  outdir=$profile; [ "$profile" = dev ] && outdir=debug
  wasm-bindgen --target=web --no-typescript --out-name="$out" --out-dir="$PKG.tmp" \
    "target/front/wasm32-unknown-unknown/$outdir/frontend.wasm"
  if [ "$profile" = wasm-release ]; then
    wasm-opt -Oz --converge --enable-bulk-memory --enable-nontrapping-float-to-int \
      "$PKG.tmp/${out}_bg.wasm" -o "$PKG.tmp/${out}_bg.wasm"
    esbuild "$PKG.tmp/$out.js" --minify --format=esm --log-level=warning --outfile="$PKG.tmp/$out.min.js"
    mv "$PKG.tmp/$out.min.js" "$PKG.tmp/$out.js"
  fi
done
if [ "$profile" = wasm-release ]; then
  esbuild style/main.css --minify --log-level=warning --outfile="$PKG.tmp/$NAME.css"
  # What the server sends to browsers that accept it (server::bundle_files):
  # brotli at its best quality and gzip -9, made once here rather than on
  # every request. Node's zlib, already needed for the build tools.
  node -e '
    const fs = require("fs"), zlib = require("zlib"), path = require("path");
    const dir = process.argv[1];
    for (const name of fs.readdirSync(dir).filter((n) => /\.(js|wasm|css)$/.test(n))) {
      const file = path.join(dir, name), data = fs.readFileSync(file);
      const q = zlib.constants;
      fs.writeFileSync(file + ".br", zlib.brotliCompressSync(data, {
        params: { [q.BROTLI_PARAM_QUALITY]: 11, [q.BROTLI_PARAM_SIZE_HINT]: data.length },
      }));
      fs.writeFileSync(file + ".gz", zlib.gzipSync(data, { level: 9 }));
    }' "$PKG.tmp"
else
  cp style/main.css "$PKG.tmp/$NAME.css"
fi
mkdir -p "$SITE"
cp -r public/. "$SITE/"
rm -rf "$PKG" && mv "$PKG.tmp" "$PKG"
echo "site built ($profile): $(du -sh "$PKG" | cut -f1) in $PKG"
