#!/usr/bin/env bash
# The weekly check, from the root of a checkout with its whole Git history:
#
#   bash scripts/ci/audit.sh REPORT.md [OPTIONS OF communs audit...]
#
# Writes the report of `communs audit` (broken links, events over, records untouched for two
# years) to REPORT.md, and to the job summary on GitHub ($GITHUB_STEP_SUMMARY). It reports and
# never fails because of what it finds: exit status 0, or 2 for a usage error.
set -euo pipefail

if [ $# -lt 1 ] || [ -z "$1" ]; then
  echo "Usage : $0 RAPPORT.md [options de communs audit]" >&2
  exit 2
fi
report="$1"
shift
communs="${COMMUNS:-communs}"
case "$report" in /*) ;; *) report="$PWD/$report" ;; esac  # relative to where it was called from
cd "$(git rev-parse --show-toplevel 2>/dev/null || pwd)"

"$communs" audit --output "$report" "$@"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  cat "$report" >> "$GITHUB_STEP_SUMMARY"
fi
