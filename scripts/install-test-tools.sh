#!/usr/bin/env bash
# Installs the system tools the tests use as independent oracles (rclone;
# Chromium and its WebDriver for the browser test; openssl for the HTTPS
# test's certificate), from Debian's packages,
# when they are missing. Needs root or sudo.
set -euo pipefail
missing=()
command -v rclone >/dev/null || missing+=(rclone)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v openssl >/dev/null || missing+=(openssl)
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing ${missing[*]} from Debian's packages" >&2
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
