"""Strict YAML reading with the position of every value.

Records are hand-written, so the reader refuses what surprises people (duplicate keys, anchors
and aliases, explicit tags, several documents) and resolves plain scalars with the YAML 1.2 core
schema: ``no`` stays the text "no", dates stay text for the schema to check, only ``true``/``false``,
``null`` and numbers are typed. It is built on libyaml's event stream (PyYAML's C parser) rather
than a round-trip library because the validator reads tens of thousands of files per run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from communs.i18n import _
from communs.problems import Problem, problem

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_DEPTH = 32

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?[0-9]+$")
_INT_OTHER = re.compile(r"^0o[0-7]+$|^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")

# libyaml's problem texts, explained in French with what to do.
_SYNTAX_HINTS: list[tuple[str, str]] = [
    ("mapping values are not allowed", "deux-points inattendu. Si la valeur contient « : », mettez-la entre guillemets ; sinon vérifiez l'indentation de la ligne."),
    ("could not find expected ':'", "il manque « : » après le nom du champ, ou un guillemet ou un crochet d'une ligne précédente n'est pas refermé."),
    ("did not find expected key", "l'indentation de cette ligne ne correspond pas à celle du bloc : alignez-la sur les autres champs, ou mettez la valeur précédente entre guillemets."),
    ("did not find expected '-' indicator", "élément de liste mal aligné : chaque élément commence par « - » à la même indentation."),
    ("block sequence entries are not allowed", "« - » inattendu : une liste commence sur une nouvelle ligne après « champ: »."),
    ("found character that cannot start any token", "caractère interdit en début de valeur (comme @, ` ou %) : mettez la valeur entre guillemets."),
    ("found unknown escape character", "séquence d'échappement inconnue entre guillemets doubles (comme \\d) : utilisez des guillemets simples."),
    ("found unexpected end of stream", "fin de fichier inattendue : un guillemet ou un crochet n'est pas refermé."),
    ("did not find expected node content", "valeur attendue mais absente ou mal placée."),
    ("did not find expected comment or line break", "texte inattendu après une valeur entre guillemets : mettez toute la valeur entre les guillemets."),
    ("found undefined alias", "alias YAML (*nom) inconnu ; les alias ne sont de toute façon pas acceptés, écrivez la valeur en entier."),
    ("found unexpected ':'", "deux-points inattendu : mettez la valeur entre guillemets."),
    ("control characters are not allowed", "caractère de contrôle invisible dans le texte : supprimez-le."),
]


@dataclass(slots=True)
class ParsedYaml:
    """What a YAML text holds: its value and where each part of it starts (1-based)."""

    value: Any = None
    value_marks: dict[str, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[str, tuple[int, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    ok: bool = True  # False when the text could not be parsed at all


def pointer_token(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _resolve_plain(value: str) -> Any:
    if _NULL.match(value):
        return None
    if value in _BOOL:
        return _BOOL[value]
    if _INT.match(value):
        return int(value)
    if _INT_OTHER.match(value):
        return int(value, 0)
    if _FLOAT.match(value):
        return float(value)
    return value


def explain_syntax_error(problem_text: str) -> str:
    for needle, hint in _SYNTAX_HINTS:
        if needle in problem_text:
            return _(hint)
    return _("structure illisible ({problem}). Vérifiez l'indentation et les guillemets de cette ligne.").format(
        problem=problem_text
    )


class _Builder:
    def __init__(self, file: str | None) -> None:
        self.file = file
        self.parsed = ParsedYaml()

    def report(self, code: str, message: str, mark: Any, pointer: str = "") -> None:
        self.parsed.problems.append(
            problem(code, message, file=self.file, line=mark.line + 1, column=mark.column + 1, pointer=pointer)
        )

    def check_node_options(self, event: Any, pointer: str) -> None:
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self.report(
                "yaml-anchor",
                _("Les ancres YAML (&{anchor}) ne sont pas acceptées : écrivez chaque valeur en entier.").format(anchor=anchor),
                event.start_mark,
                pointer,
            )
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!":
            self.report(
                "yaml-tag",
                _("Les étiquettes YAML ({tag}) ne sont pas acceptées : écrivez une valeur simple, entre guillemets si c'est un texte.").format(tag=tag),
                event.start_mark,
                pointer,
            )

    def build(self, events: Any) -> None:
        """Turn the event stream into plain values, iteratively (no recursion limit to hit)."""
        parsed = self.parsed
        documents = 0
        # Stack of open containers: [container, pointer, pending_key, key_mark, seen_keys]
        stack: list[list[Any]] = []
        root_set = False

        def attach(value: Any, event: Any) -> str | None:
            """Place a finished value in its parent; returns the value's pointer or None to drop."""
            nonlocal root_set
            if not stack:
                parsed.value = value
                root_set = True
                return ""
            top = stack[-1]
            container = top[0]
            if isinstance(container, list):
                pointer = f"{top[1]}/{len(container)}"
                container.append(value)
                return pointer
            if top[2] is None:  # this value is a key
                if not isinstance(value, str):
                    self.report("yaml-key-type", _("Un nom de champ est un simple mot, pas une liste ni un bloc."), event.start_mark, top[1])
                    top[2] = ""
                    top[3] = None
                    return None
                top[2] = value
                top[3] = (event.start_mark.line + 1, event.start_mark.column + 1)
                return None
            key, key_mark = top[2], top[3]
            top[2] = None
            if key_mark is None:
                return None
            pointer = f"{top[1]}/{pointer_token(key)}"
            if key in container:
                first_line = parsed.key_marks.get(pointer, (0, 0))[0]
                self.parsed.problems.append(
                    problem(
                        "yaml-duplicate-key",
                        _("Le champ « {key} » apparaît deux fois (déjà ligne {first}) : gardez-en un seul.").format(key=key, first=first_line),
                        file=self.file,
                        line=key_mark[0],
                        column=key_mark[1],
                        pointer=pointer,
                    )
                )
                return None
            container[key] = value
            parsed.key_marks[pointer] = key_mark
            return pointer

        def target_pointer() -> str:
            """The pointer the next value will have (for messages about it)."""
            if not stack:
                return ""
            top = stack[-1]
            if isinstance(top[0], list):
                return f"{top[1]}/{len(top[0])}"
            return f"{top[1]}/{pointer_token(top[2])}" if top[2] else top[1]

        def is_key_position() -> bool:
            return bool(stack) and isinstance(stack[-1][0], dict) and stack[-1][2] is None

        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    self.report(
                        "yaml-multiple-documents",
                        _("Un fichier contient une seule fiche : supprimez la ligne « --- » et ce qui la suit, ou créez un autre fichier."),
                        event.start_mark,
                    )
                    return
                continue
            if isinstance(event, (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)):
                continue
            if isinstance(event, yaml.AliasEvent):
                self.report(
                    "yaml-alias",
                    _("Les alias YAML (*{alias}) ne sont pas acceptés : écrivez la valeur en entier.").format(alias=event.anchor),
                    event.start_mark,
                    target_pointer(),
                )
                pointer = attach(None, event)
                if pointer is not None:
                    parsed.value_marks[pointer] = (event.start_mark.line + 1, event.start_mark.column + 1)
                continue
            if isinstance(event, yaml.ScalarEvent):
                key_position = is_key_position()
                if not key_position:
                    self.check_node_options(event, target_pointer())
                if not event.style and event.implicit[0] and not key_position:
                    value: Any = _resolve_plain(event.value)
                else:
                    value = event.value
                pointer = attach(value, event)
                if pointer is not None:
                    parsed.value_marks[pointer] = (event.start_mark.line + 1, event.start_mark.column + 1)
                continue
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if len(stack) >= MAX_DEPTH:
                    self.report("yaml-syntax", _("Structure imbriquée trop profondément pour une fiche."), event.start_mark)
                    parsed.ok = False
                    return
                self.check_node_options(event, target_pointer())
                container: Any = {} if isinstance(event, yaml.MappingStartEvent) else []
                if is_key_position():
                    attach(container, event)  # reports yaml-key-type
                    pointer = None
                else:
                    pointer = attach(container, event)
                if pointer is not None:
                    parsed.value_marks[pointer] = (event.start_mark.line + 1, event.start_mark.column + 1)
                # A dropped container (bad key, duplicate) is still walked, into a throwaway pointer.
                stack.append([container, pointer if pointer is not None else "/~dropped", None, None])
                continue
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                stack.pop()
                continue
        if not root_set:
            parsed.value = None


def _events(text: str):
    loader = _Loader(text)
    try:
        while loader.check_event():
            yield loader.get_event()
    finally:
        loader.dispose()


def read_yaml(text: str, file: str | None = None) -> ParsedYaml:
    """Parse ``text``; syntax errors and refused constructs become problems, never exceptions."""
    builder = _Builder(file)
    try:
        builder.build(_events(text))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        builder.parsed.problems.append(
            problem(
                "yaml-syntax",
                _("Erreur de syntaxe YAML : {explanation}").format(explanation=explain_syntax_error(str(error.problem or error.context))),
                file=file,
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
            )
        )
        builder.parsed.ok = False
    except yaml.YAMLError as error:
        builder.parsed.problems.append(
            problem("yaml-syntax", _("Erreur de syntaxe YAML : {explanation}").format(explanation=explain_syntax_error(str(error))), file=file)
        )
        builder.parsed.ok = False
    return builder.parsed
