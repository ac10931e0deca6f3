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
from sys import intern
from typing import Any

import yaml

from communs.i18n import _
from communs.records.problems import Problem, problem

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_DEPTH = 32
# Keys, and texts up to this length (codes, vocabulary values, tags, dates), are interned: the
# records of a national directory repeat them hundreds of thousands of times, and one string
# each saves a third of their memory (and of their pickles between processes, which then hold
# each such text once per batch).
INTERNED_LENGTH = 40

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


_ScalarEvent = yaml.ScalarEvent
_MappingStart = yaml.MappingStartEvent
_SequenceStart = yaml.SequenceStartEvent
_Ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_Alias = yaml.AliasEvent
_DocumentStart = yaml.DocumentStartEvent


class _Builder:
    """Turns libyaml's event stream into plain values and marks, in one tight loop.

    The stack holds one frame per open container: [container, pointer, pending key or None,
    key mark]. A value whose key is refused (duplicate, not text) is built into a dropped
    frame so the rest of the file is still read.
    """

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

    def _place(self, stack: list, value: Any, mark: Any) -> str | None:
        """Put a finished value (not a key) in its parent; its pointer, or None if dropped."""
        parsed = self.parsed
        if not stack:
            parsed.value = value
            pointer = ""
        else:
            frame = stack[-1]
            container = frame[0]
            if container.__class__ is list:
                pointer = f"{frame[1]}/{len(container)}"
                container.append(value)
            else:
                key, key_mark = frame[2], frame[3]
                frame[2] = None
                if key_mark is None:
                    return None
                pointer = f"{frame[1]}/{pointer_token(key)}" if ("~" in key or "/" in key) else f"{frame[1]}/{key}"
                if key in container:
                    first_line = parsed.key_marks.get(pointer, (0, 0))[0]
                    parsed.problems.append(
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
        parsed.value_marks[pointer] = (mark.line + 1, mark.column + 1)
        return pointer

    @staticmethod
    def _next_pointer(stack: list) -> str:
        """The pointer the next value will have (for messages about it)."""
        if not stack:
            return ""
        frame = stack[-1]
        if frame[0].__class__ is list:
            return f"{frame[1]}/{len(frame[0])}"
        return f"{frame[1]}/{pointer_token(frame[2])}" if frame[2] else frame[1]

    def build(self, get_event: Any) -> None:
        parsed = self.parsed
        stack: list[list[Any]] = []
        documents = 0
        while True:
            event = get_event()
            if event is None:
                return
            cls = event.__class__
            if cls is _ScalarEvent:
                if stack and stack[-1][0].__class__ is dict and stack[-1][2] is None:
                    frame = stack[-1]  # a key
                    mark = event.start_mark
                    frame[2] = intern(event.value)
                    frame[3] = (mark.line + 1, mark.column + 1)
                    continue
                if event.anchor is not None or event.tag is not None:
                    self.check_node_options(event, self._next_pointer(stack))
                value = _resolve_plain(event.value) if (not event.style and event.implicit[0]) else event.value
                if value.__class__ is str and len(value) <= INTERNED_LENGTH:
                    value = intern(value)
                self._place(stack, value, event.start_mark)
            elif cls is _MappingStart or cls is _SequenceStart:
                if len(stack) >= MAX_DEPTH:
                    self.report("yaml-syntax", _("Structure imbriquée trop profondément pour une fiche."), event.start_mark)
                    parsed.ok = False
                    return
                if event.anchor is not None or event.tag is not None:
                    self.check_node_options(event, self._next_pointer(stack))
                container: Any = {} if cls is _MappingStart else []
                if stack and stack[-1][0].__class__ is dict and stack[-1][2] is None:
                    frame = stack[-1]
                    self.report("yaml-key-type", _("Un nom de champ est un simple mot, pas une liste ni un bloc."), event.start_mark, frame[1])
                    frame[2], frame[3] = "", None
                    pointer = None
                else:
                    pointer = self._place(stack, container, event.start_mark)
                stack.append([container, pointer if pointer is not None else "/~dropped", None, None])
            elif cls in _Ends:
                stack.pop()
            elif cls is _Alias:
                pointer = self._next_pointer(stack)
                self.report(
                    "yaml-alias",
                    _("Les alias YAML (*{alias}) ne sont pas acceptés : écrivez la valeur en entier.").format(alias=event.anchor),
                    event.start_mark,
                    pointer,
                )
                if stack and stack[-1][0].__class__ is dict and stack[-1][2] is None:
                    stack[-1][2], stack[-1][3] = "", None  # an alias used as a key
                else:
                    self._place(stack, None, event.start_mark)
            elif cls is _DocumentStart:
                documents += 1
                if documents > 1:
                    self.report(
                        "yaml-multiple-documents",
                        _("Un fichier contient une seule fiche : supprimez la ligne « --- » et ce qui la suit, ou créez un autre fichier."),
                        event.start_mark,
                    )
                    return


def read_yaml(text: str, file: str | None = None) -> ParsedYaml:
    """Parse ``text``; syntax errors and refused constructs become problems, never exceptions."""
    builder = _Builder(file)
    loader = _Loader(text)
    try:
        builder.build(loader.get_event if _Loader is not yaml.SafeLoader else lambda: loader.get_event() if loader.check_event() else None)
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
    finally:
        loader.dispose()
    return builder.parsed
