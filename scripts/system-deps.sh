#!/usr/bin/env bash
# Installs the Debian packages AssetBridge uses when they are missing and we are allowed to:
# ffmpeg (real sample media in the sandbox). Never fails the build: the sandbox falls back to
# synthetic media files, and says so.
set -u
need=()
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages: ${need[*]}"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") >/dev/null 2>&1 \
    || echo "could not install ${need[*]}; the sandbox will use synthetic media" >&2
else
  echo "note: ${need[*]} not installed (needs root + apt-get); the sandbox will use synthetic media" >&2
fi
exit 0
