"""Turns `communs validate --format json` into a GitLab code-quality report, and prints the problems.

    python scripts/ci/gitlab_codequality.py VALIDATE.json REPORT.json

GitLab shows the report's entries in the merge request, on the changed lines (Code Quality
widget; the format is the Code Climate subset GitLab documents: description, check_name,
fingerprint, severity, location.path, location.lines.begin). Errors are "major", warnings
"minor". The fingerprint leaves the line out, so a problem that only moves is not "new".
The same problems are printed as `communs validate` prints them, for the job log.
"""

from __future__ import annotations

import hashlib
import json
import sys


def convert(document: dict) -> tuple[list[dict], list[str]]:
    issues: list[dict] = []
    lines: list[str] = []
    for key, severity, label in (("errors", "major", "erreur"), ("warnings", "minor", "avertissement")):
        for found in document.get(key, []):
            path = found.get("file") or "content"
            line = found.get("line") or 1
            field = (found.get("pointer") or "")[1:]
            message = found.get("message", "")
            code = found.get("code", "")
            description = f"[{code}] {field + ' — ' if field else ''}{message}"
            fingerprint = hashlib.sha256(f"{code}\x00{path}\x00{field}\x00{message}".encode()).hexdigest()
            issues.append({
                "type": "issue",
                "check_name": code,
                "description": description,
                "categories": ["Bug Risk"],
                "severity": severity,
                "fingerprint": fingerprint,
                "location": {"path": path, "lines": {"begin": line}},
            })
            where = f"{path}:{line}" + (f":{found['column']}" if found.get("column") else "")
            lines.append(f"{where}: {label} {description}")
    return issues, lines


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {plural if n > 1 else singular}"  # French: 0 and 1 take the singular


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("Usage : gitlab_codequality.py VALIDATION.json RAPPORT.json", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as handle:
        document = json.load(handle)
    issues, lines = convert(document)
    with open(argv[2], "w", encoding="utf-8") as handle:
        json.dump(issues, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
    for line in lines:
        print(line)
    errors = len(document.get("errors", []))
    warnings = len(document.get("warnings", []))
    checked = document.get("checked", 0)
    print(f"{_count(checked, 'fiche vérifiée', 'fiches vérifiées')} : {_count(errors, 'erreur', 'erreurs')}, {_count(warnings, 'avertissement', 'avertissements')}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
