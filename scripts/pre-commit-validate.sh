#!/usr/bin/env bash
# pre-commit hook: `communs validate` on the record files being committed, checked against the
# whole directory, with the same messages as CI. Used by .pre-commit-config.yaml (this
# repository) and .pre-commit-hooks.yaml (other instances that reuse the hook).
#
# communs is taken from COMMUNS, else the .venv of the communs checkout holding this script
# (`make install` creates it), else the PATH; failing all three, that .venv is created once.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
if [ -n "${COMMUNS:-}" ]; then
  communs="$COMMUNS"
elif [ -x "$here/.venv/bin/communs" ]; then
  communs="$here/.venv/bin/communs"
elif command -v communs > /dev/null 2>&1; then
  communs=communs
else
  echo "Installation de communs dans $here/.venv (une seule fois)…" >&2
  "${PYTHON:-python3}" -m venv "$here/.venv"
  "$here/.venv/bin/python" -m pip install --quiet --disable-pip-version-check --editable "$here"
  communs="$here/.venv/bin/communs"
fi
exec "$communs" validate "$@"
