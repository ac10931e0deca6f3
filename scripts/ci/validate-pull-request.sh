#!/usr/bin/env bash
# Checks a pull request (GitHub) or merge request (GitLab) exactly as CI does; runs on a laptop
# too, from the root of a checkout whose HEAD is the proposed change:
#
#   bash scripts/ci/validate-pull-request.sh [--format github|gitlab|text] BASE
#
# BASE is the target branch as a Git revision (origin/main). Steps:
# 1. `communs validate --changed-since <merge base of BASE and HEAD>`: the records the change
#    adds or modifies, checked against the whole directory. github: annotations on the exact
#    lines; gitlab: text in the log and a code-quality report; text: for a person.
# 2. `communs maintainers --check` when maintainers.yml is there: CODEOWNERS must follow it.
# 3. `communs review <merge base> HEAD --format markdown`, appended to $GITHUB_STEP_SUMMARY on
#    GitHub, to revue.md on GitLab (an artifact), else printed; COMMUNS_SUMMARY overrides. It is
#    what a maintainer reads first.
# 4. `communs build --settings publishconf.py`, when the records are valid: the site still builds.
#    A large directory (COMMUNS_PR_BUILD=parts, or auto — the default — from COMMUNS_PR_PARTS_FROM
#    records, 20000 by default) builds only the parts of the site the change touches (`communs
#    build --parts --changed-since`: the départements of its records), and the whole site when
#    it changes anything but records; the deploy workflow still builds every part.
#
# Exit status: 0 fine, 1 invalid records, stale CODEOWNERS or a failed build, 2 usage error.
# Environment: COMMUNS (the command; default communs), COMMUNS_SUMMARY, COMMUNS_CODEQUALITY
# (GitLab report; default gl-code-quality-report.json), COMMUNS_BUILD_OUTPUT (default: a
# temporary folder), COMMUNS_PR_BUILD (site, parts or auto), COMMUNS_PR_PARTS_FROM, PYTHON
# (default python3).
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
format=github
while [ $# -gt 0 ]; do
  case "$1" in
    --format) format="${2:-}"; shift; if [ $# -gt 0 ]; then shift; fi ;;
    --format=*) format="${1#--format=}"; shift ;;
    --) shift; break ;;
    -*) echo "Usage : $0 [--format github|gitlab|text] BASE" >&2; exit 2 ;;
    *) break ;;
  esac
done
case "$format" in github|gitlab|text) ;; *) echo "Format inconnu : $format (github, gitlab ou text)" >&2; exit 2 ;; esac
build_mode="${COMMUNS_PR_BUILD:-auto}"
case "$build_mode" in site|parts|auto) ;; *) echo "COMMUNS_PR_BUILD vaut site, parts ou auto, et non « $build_mode »." >&2; exit 2 ;; esac
parts_from="${COMMUNS_PR_PARTS_FROM:-20000}"
case "$parts_from" in ''|*[!0-9]*) echo "COMMUNS_PR_PARTS_FROM attend un nombre de fiches, et non « $parts_from »." >&2; exit 2 ;; esac
if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "Usage : $0 [--format github|gitlab|text] BASE (par exemple origin/main)" >&2
  exit 2
fi
base_ref="$1"
communs="${COMMUNS:-communs}"
python="${PYTHON:-python3}"

root="$(git rev-parse --show-toplevel)" || exit 2
cd "$root" || exit 2

say_error() {  # a message for the run's page (GitHub) or log
  if [ "$format" = github ]; then echo "::error::$1"; else echo "Erreur : $1" >&2; fi
}
group() { if [ "$format" = github ]; then echo "::group::$1"; else echo "--- $1"; fi; }
endgroup() { if [ "$format" = github ]; then echo "::endgroup::"; fi; }

base="$(git rev-parse --verify --quiet --end-of-options "${base_ref}^{commit}")"
if [ -z "$base" ]; then
  say_error "La branche de base « ${base_ref} » est introuvable : récupérez tout l'historique (fetch-depth: 0 sur GitHub, GIT_DEPTH: 0 sur GitLab)."
  exit 2
fi
# Compare with the point where the change left its base, not with the base's tip (which may
# have moved on since).
merge_base="$(git merge-base "$base" HEAD 2>/dev/null || echo "$base")"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0

# 1. The changed records.
if [ "$format" = gitlab ]; then
  "$communs" validate --changed-since "$merge_base" --format json > "$work/validate.json"
  validated=$?
  if [ "$validated" -le 1 ]; then
    "$python" "$here/gitlab_codequality.py" "$work/validate.json" "${COMMUNS_CODEQUALITY:-gl-code-quality-report.json}" || validated=2
  fi
else
  "$communs" validate --changed-since "$merge_base" --format "$format"
  validated=$?
fi
if [ "$validated" -ge 2 ]; then
  say_error "communs validate n'a pas pu vérifier la demande (code $validated)."
  exit 2
fi
[ "$validated" -eq 1 ] && status=1

# 2. CODEOWNERS follows maintainers.yml.
if [ -f maintainers.yml ]; then
  for codeowners in .github/CODEOWNERS .gitlab/CODEOWNERS; do
    if [ -f "$codeowners" ]; then
      if ! "$communs" maintainers --check --output "$codeowners"; then
        say_error "$codeowners ne correspond plus à maintainers.yml : lancez « communs maintainers » et commitez le résultat."
        status=1
      fi
    fi
  done
fi

# 3. The review summary, even when records are invalid: it helps to answer the contributor.
case "$format" in
  github) summary="${COMMUNS_SUMMARY:-${GITHUB_STEP_SUMMARY:-/dev/stdout}}" ;;
  gitlab) summary="${COMMUNS_SUMMARY:-revue.md}" ;;
  *) summary="${COMMUNS_SUMMARY:-/dev/stdout}" ;;
esac
"$communs" review "$merge_base" HEAD --format markdown >> "$summary"
reviewed=$?
if [ "$reviewed" -ge 2 ]; then  # 1 only repeats that some records are invalid
  if [ "$format" = github ]; then echo "::warning::Le résumé de revue (communs review) n'a pas pu être produit."; else echo "Attention : le résumé de revue (communs review) n'a pas pu être produit." >&2; fi
fi

# 4. The site still builds (only worth trying with valid records: the build refuses others).
if [ "$status" -eq 0 ]; then
  output="${COMMUNS_BUILD_OUTPUT:-$work/site}"
  if [ "$build_mode" = auto ]; then
    records="$(find content/actors content/events content/calls -name '*.yml' 2>/dev/null | wc -l)"
    if [ "$records" -ge "$parts_from" ]; then build_mode=parts; else build_mode=site; fi
  fi
  touched=""
  if [ "$build_mode" = parts ]; then
    if ! touched="$("$communs" build --parts --changed-since "$merge_base")"; then
      say_error "communs build --parts n'a pas pu lister les parties touchées."
      exit 2
    fi
    # More than records changed (settings, pages, templates, code): every page may show it.
    if printf '%s\n' "$touched" | grep -qx commun; then build_mode=site; fi
  fi
  group "Construction du site"
  built=0
  if [ "$build_mode" = site ]; then
    "$communs" build --settings publishconf.py --output "$output" --cache "$work/cache"
    built=$?
  elif [ -z "$touched" ]; then
    echo "Aucune partie du site n'est touchée par cette modification."
  else
    echo "Parties du site construites (celles que la modification touche) : $(echo $touched)"
    for part in $touched; do
      "$communs" build --settings publishconf.py --part "$part" --output "$output/$part" --cache "$work/cache/$part"
      built=$?
      [ "$built" -ne 0 ] && break
    done
  fi
  endgroup
  if [ "$built" -ne 0 ]; then
    say_error "Le site ne se construit plus avec cette modification (communs build, code $built)."
    status=1
  fi
else
  echo "Construction du site non tentée : corrigez d'abord les erreurs signalées."
fi

if [ "$status" -eq 0 ]; then
  echo "Demande de modification vérifiée : fiches valides, site construit."
fi
exit "$status"
