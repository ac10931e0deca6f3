#!/usr/bin/env bash
# Builds one shard of the site's parts, for CI jobs that run in parallel (GitLab's `parallel:`),
# from the root of a checkout:
#
#   bash scripts/ci/build-parts.sh N/TOTAL PARTS_DIR
#
# `communs build --parts --shard N/TOTAL` names the parts of shard N (shards balanced by their
# numbers of records); each is built by build-site.sh --part into PARTS_DIR/<part>, and
# `communs assemble PARTS_DIR/* OUTPUT` then joins every shard's parts. Exit status: that of the
# first failing build, 0 when the shard is built.
set -euo pipefail

if [ $# -ne 2 ] || [ -z "$1" ] || [ -z "$2" ]; then
  echo "Usage : $0 N/TOTAL DOSSIER_DES_PARTIES" >&2
  exit 2
fi
shard="$1"
parts_dir="$2"
communs="${COMMUNS:-communs}"
here="$(cd "$(dirname "$0")" && pwd)"
case "$parts_dir" in /*) ;; *) parts_dir="$PWD/$parts_dir" ;; esac
cd "$(git rev-parse --show-toplevel 2>/dev/null || pwd)"

parts="$("$communs" build --parts --shard "$shard")"
for part in $parts; do
  echo "Partie $part"
  bash "$here/build-site.sh" --part "$part" "$parts_dir/$part"
done
