#!/usr/bin/env bash
# Builds the public site as the deploy jobs do, from the root of a checkout:
#
#   bash scripts/ci/build-site.sh [--format github|text] [--part PART] OUTPUT
#
# Validates every record (annotations with --format github), then `communs build --settings
# publishconf.py`, which also writes the exports and the Pagefind search index. With --part, one
# part of the site only (`communs build --part`, which checks the records it reads; the commun
# part checks them all), for `communs assemble` to join. The public
# address comes from COMMUNS_SITEURL, the contribution service from COMMUNS_CONTRIB_URL (both
# read by publishconf.py). Exit status: that of the failing step, 0 when the site is built.
set -euo pipefail

format=text
if [ "${1:-}" = "--format" ]; then
  format="${2:-}"
  shift
  if [ $# -gt 0 ]; then shift; fi
fi
case "$format" in github|text) ;; *) echo "Format inconnu : $format (github ou text)" >&2; exit 2 ;; esac
part=""
if [ "${1:-}" = "--part" ]; then
  part="${2:-}"
  shift
  if [ $# -gt 0 ]; then shift; fi
  if [ -z "$part" ]; then echo "--part attend le nom d'une partie (communs build --parts les liste)" >&2; exit 2; fi
fi
if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "Usage : $0 [--format github|text] [--part PARTIE] DOSSIER_DE_SORTIE" >&2
  exit 2
fi
output="$1"
communs="${COMMUNS:-communs}"
case "$output" in /*) ;; *) output="$PWD/$output" ;; esac  # relative to where it was called from
cd "$(git rev-parse --show-toplevel 2>/dev/null || pwd)"

if [ -z "${COMMUNS_SITEURL:-}" ]; then
  echo "Attention : COMMUNS_SITEURL est vide, les liens absolus (flux, plan du site) seront relatifs." >&2
fi
if [ -n "$part" ]; then
  "$communs" build --settings publishconf.py --part "$part" --output "$output"
  exit 0
fi
"$communs" validate --format "$format"
"$communs" build --settings publishconf.py --output "$output"
