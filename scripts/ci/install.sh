#!/usr/bin/env bash
# Installs what the CI jobs need, the way `make install` does but without the test tools:
# communs (editable) and the front-end libraries the
# site copies from npm. Same script on GitHub Actions, GitLab CI and a laptop.
#
#   bash scripts/ci/install.sh            # Python package and npm libraries
#   bash scripts/ci/install.sh --no-npm   # Python package only (validation, audit)
set -euo pipefail
cd "$(dirname "$0")/../.."

python="${PYTHON:-python3}"
"$python" -m pip install --disable-pip-version-check --quiet --editable .
if [ "${1:-}" != "--no-npm" ]; then
  # Only the libraries the site ships (Leaflet...): the test tools are devDependencies.
  npm ci --omit=dev --no-audit --no-fund --loglevel=error
fi
