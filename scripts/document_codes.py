"""Write docs/validation.md from the catalogue of problem codes (communs.records.problems.CODES).

    python scripts/document_codes.py [--check]

With --check, exits 1 if the committed file is out of date (the test suite runs it).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

from communs.records.problems import CODES  # noqa: E402

TARGET = ROOT / "docs" / "validation.md"
HEADER = """\
# Codes des problèmes signalés par `communs validate`

Chaque problème a un code stable : les scripts, le formulaire de contribution et les annotations
de l'intégration continue s'y fient. Une **erreur** rend la fiche invalide (code de sortie 1) ; un
**avertissement** signale un point à vérifier sans bloquer.

Chaque message dit où est le problème (fichier, ligne, colonne, champ sous forme de pointeur JSON)
et ce qu'il faut écrire à la place.

Ce fichier est produit par `python scripts/document_codes.py` à partir de
`plugins/communs/records/problems.py` ; ne le modifiez pas à la main.

| Code | Gravité | Signification |
|---|---|---|
"""


def render() -> str:
    labels = {"error": "erreur", "warning": "avertissement"}
    rows = [f"| `{code}` | {labels[severity]} | {meaning} |" for code, (severity, meaning) in CODES.items()]
    return HEADER + "\n".join(rows) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv[1:]:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run python scripts/document_codes.py", file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
