#!/usr/bin/env bash
# Copies the GraphiQL IDE and the React builds it runs on from the npm registry into
# src/invoicegraph/static/graphiql/, so that `GET /graphql` in a browser needs no CDN.
#
# Upgrade in one command (versions default to the ones committed):
#   GRAPHIQL_VERSION=3.9.0 REACT_VERSION=18.3.1 bash tests/e2e/node/vendor-graphiql.sh
#
# GraphiQL 3.x is the last line that ships a UMD bundle (`graphiql.min.js`, global `GraphiQL`) usable
# from a plain <script> tag; 4.x deprecates it and 5.x is ESM-only with Monaco workers (a bundler).
# React 18 is the last React with UMD builds (`umd/*.production.min.js`, globals `React`, `ReactDOM`).
# After an upgrade: update LICENSES.md, run the browser test (tests/e2e/browser), look at the screenshot.
set -euo pipefail

GRAPHIQL_VERSION="${GRAPHIQL_VERSION:-3.9.0}"
REACT_VERSION="${REACT_VERSION:-18.3.1}"

root="$(cd "$(dirname "$0")/../../.." && pwd)"
dest="$root/src/invoicegraph/static/graphiql"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# `npm pack` fetches the published tarballs and checks them against the registry's integrity hashes.
(cd "$work" && npm pack --silent "graphiql@$GRAPHIQL_VERSION" "react@$REACT_VERSION" "react-dom@$REACT_VERSION" >/dev/null)
for pkg in "graphiql:$GRAPHIQL_VERSION" "react:$REACT_VERSION" "react-dom:$REACT_VERSION"; do
  name="${pkg%%:*}"
  mkdir -p "$work/$name"
  tar -xzf "$work/$name-${pkg#*:}.tgz" -C "$work/$name" --strip-components=1
done

mkdir -p "$dest"
# The GraphiQL bundle has no banner of its own: add one naming its origin and license, and drop the
# trailing source-map comment (the 4 MB map is not shipped; browsers would ask for it and get a 404).
{
  printf '/*! graphiql %s (npm) | MIT License, Copyright (c) 2021 GraphQL Contributors | bundled dependencies: see LICENSES.md */\n' "$GRAPHIQL_VERSION"
  sed -e '/^\/\/# sourceMappingURL=/d' "$work/graphiql/graphiql.min.js"
} >"$dest/graphiql.min.js"
printf '/*! graphiql %s (npm) | MIT License, Copyright (c) 2021 GraphQL Contributors */\n' "$GRAPHIQL_VERSION" >"$dest/graphiql.min.css"
sed -e '/sourceMappingURL=/d' "$work/graphiql/graphiql.min.css" >>"$dest/graphiql.min.css"
# React's UMD builds keep their own @license banners.
cp "$work/react/umd/react.production.min.js" "$dest/react.production.min.js"
cp "$work/react-dom/umd/react-dom.production.min.js" "$dest/react-dom.production.min.js"
cp "$work/graphiql/LICENSE" "$dest/LICENSE.graphiql"
cp "$work/react/LICENSE" "$dest/LICENSE.react"

echo "vendored graphiql@$GRAPHIQL_VERSION, react@$REACT_VERSION, react-dom@$REACT_VERSION into ${dest#"$root"/}:"
(cd "$dest" && sha256sum graphiql.min.js graphiql.min.css react.production.min.js react-dom.production.min.js)
