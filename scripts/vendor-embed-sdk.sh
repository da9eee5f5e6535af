#!/usr/bin/env bash
# Copies Looker's Embed SDK bundle (the `dist/main.js` of the npm package
# @looker/embed-sdk, pinned by scripts/js/package-lock.json) and its
# licences into the example portal, which `ponte demo` serves from the
# binary: the portal loads the SDK from its own origin, no CDN at run time,
# and `cargo run -- demo` needs no npm. Run it after changing the pinned
# version, and commit the result.
#
# The portal uses the 1.x SDK: the demo serves ponte over plain HTTP on
# localhost, and the 2.x SDK loads only https:// hosts.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
modules=$("$root/scripts/js-env.sh")
package="$modules/embed-sdk-1"
version=$(node -p "require('$package/package.json').version")
vendor="$root/examples/comerc/portal/vendor"
mkdir -p "$vendor"
cp "$package/dist/main.js" "$vendor/looker-embed-sdk.js"
{
  echo "@looker/embed-sdk $version, dist/main.js, from the npm registry, unmodified."
  echo
  cat "$package/LICENSE"
  echo
  echo "The bundle also holds (dist/main.js.LICENSE.txt):"
  cat "$package/dist/main.js.LICENSE.txt"
} > "$vendor/looker-embed-sdk.LICENSE.txt"
echo "copied @looker/embed-sdk $version into $vendor" >&2
