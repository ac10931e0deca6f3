#!/usr/bin/env bash
# The scheduled pull of followed sources (sources.yml), from the root of a checkout:
#
#   bash scripts/ci/sources-pull.sh github|gitlab [OPTIONS OF communs sources pull...]
#
# Each source that changed becomes a branch sources/<name> and one pull (merge) request described
# by `communs review`; nothing is pushed to the default branch. The forge token comes from
# COMMUNS_FORGE_TOKEN: communs hands it to git as an HTTP header through the environment
# (GIT_CONFIG_*), never written to a file, a URL, a log or a commit.
set -euo pipefail

if [ $# -lt 1 ] || { [ "$1" != github ] && [ "$1" != gitlab ]; }; then
  echo "Usage : $0 github|gitlab [options de communs sources pull]" >&2
  exit 2
fi
forge="$1"
shift
communs="${COMMUNS:-communs}"
cd "$(git rev-parse --show-toplevel 2>/dev/null || pwd)"

if [ -z "${COMMUNS_FORGE_TOKEN:-}" ]; then
  echo "COMMUNS_FORGE_TOKEN est vide : il faut un jeton qui peut pousser une branche et ouvrir une demande de fusion." >&2
  exit 2
fi

if [ "$forge" = github ]; then
  server="${GITHUB_SERVER_URL:-https://github.com}"
  project="${GITHUB_REPOSITORY:?GITHUB_REPOSITORY manque}"
  base="${COMMUNS_BASE_BRANCH:-main}"
  api="${GITHUB_API_URL:-https://api.github.com}"
else
  server="${CI_SERVER_URL:?CI_SERVER_URL manque}"
  project="${CI_PROJECT_PATH:?CI_PROJECT_PATH manque}"
  base="${CI_DEFAULT_BRANCH:-main}"
  api="${CI_API_V4_URL:-$server/api/v4}"
fi

# Who the commits of the pull are from (they carry their own robot author; this is for git).
git config user.name >/dev/null || git config user.name "communs (sources)"
git config user.email >/dev/null || git config user.email "sources@users.noreply.communs.invalid"

# communs pushes over HTTPS with the token as a header given to git through its environment.
git remote set-url origin "$server/$project.git"
"$communs" sources pull --propose --remote origin --base "$base" --forge "$forge" --project "$project" --api-url "$api" "$@"
