"""The contribution form, generated from the JSON Schemas.

Fields, labels, help texts, allowed values and length caps all come from the schema (a field is
left out with ``"x-form": false``). The same ``Form`` renders the server-side form of the
contribution service and the form built into the static site, and turns posted form fields back
into a record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from communs.records.dates import PickedRecurrence, compose_rule, picked_from_rule, same_rule
from communs.records.rules import parse_moment
from communs.records.schemas import Choice, SchemaSet, default_schemas

# Widgets: how a schema type is typed in a browser.
TEXT, TEXTAREA, MARKDOWN, SELECT, CHECKBOXES, CHECKBOX, NUMBER, INTEGER = (
    "text", "textarea", "markdown", "select", "checkboxes", "checkbox", "number", "integer",
)
URL, EMAIL, TEL, LIST, MOMENT, GROUP = "url", "email", "tel", "list", "moment", "group"
RECURRENCE = "recurrence"  # a French picker (how often, which days, until when) that writes the rule
PICTURE = "picture"  # a file to send with the record, and its words (``"x-form-widget": "picture"``)
DATE_ONLY = "date"
MAX_NESTING = 4
# A field of every form that people never see; bots fill every field they find (see guard.py).
HONEYPOT = "site_web_2"


@dataclass(frozen=True)
class Field:
    name: str  # dotted path, also the HTML name: "address.postal_code"
    label: str
    help: str
    widget: str
    required: bool = False
    choices: tuple[Choice, ...] = ()
    min_length: int | None = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    example: str = ""
    children: tuple["Field", ...] = ()
    reference: bool = False  # a group that may also be given as an actor id (an event's venue)

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.name.split("."))

    @property
    def html_id(self) -> str:
        return "champ-" + self.name.replace(".", "-").replace("_", "-")

    def touched(self, values: Mapping[str, list[str]], errors: Mapping[str, Any]) -> bool:
        """Whether the field, or one of its children, holds a value or an error: an optional
        section folded by default opens when it does."""
        if errors.get(self.name) or any(v.strip() for key, found in values.items() if key == self.name or key.startswith(self.name + ".") for v in found):
            return True
        return any(child.touched(values, errors) for child in self.children)


def _example(schema: Mapping[str, Any]) -> str:
    """The example shown under a field: the form's own (``x-form-example``, for a field a person
    fills differently from a YAML file), else the schema's first."""
    if isinstance(schema.get("x-form-example"), str):
        return schema["x-form-example"]
    examples = schema.get("examples") or []
    first = examples[0] if examples else ""
    if isinstance(first, list):
        return ", ".join(str(item) for item in first)
    return first if isinstance(first, str) else ""


def _field(schemas: SchemaSet, kind: str, path: list[str], required: bool, depth: int) -> Field | None:
    schema = schemas.field_schema(kind, path)
    if schema.get("x-form") is False:
        return None
    name = ".".join(path)
    common = {
        "name": name,
        "label": schema.get("title", path[-1]),
        "help": schema.get("x-form-help") or schema.get("description", ""),
        "required": required,
        "example": _example(schema),
    }
    branches = schema.get("oneOf", [])
    if branches and all("const" in b for b in branches):
        return Field(widget=SELECT, choices=tuple(Choice(b["const"], b.get("title", b["const"]), b.get("description", "")) for b in branches), **common)
    if branches:
        # A reference or a block (an event's venue): the block's fields plus an id field.
        block = next((b for b in branches if b.get("type") == "object" or "properties" in b), None)
        children = _children(schemas, kind, path, block or {}, depth, group_required=required) if block is not None else ()
        return Field(widget=GROUP, children=children, reference=True, **common)
    kind_of = schema.get("type")
    if kind_of == "object":
        widget = PICTURE if schema.get("x-form-widget") == PICTURE else GROUP
        return Field(widget=widget, children=_children(schemas, kind, path, schema, depth, group_required=required), **common)
    if kind_of == "array":
        items = schemas.field_schema(kind, path + ["0"])
        if items.get("oneOf") and all("const" in b for b in items["oneOf"]):
            choices = tuple(Choice(b["const"], b.get("title", b["const"]), b.get("description", "")) for b in items["oneOf"])
            return Field(widget=CHECKBOXES, choices=choices, **common)
        return Field(widget=LIST, max_length=items.get("maxLength"), **common)
    if kind_of == "boolean":
        return Field(widget=CHECKBOX, **common)
    if kind_of in ("number", "integer"):
        return Field(widget=INTEGER if kind_of == "integer" else NUMBER, minimum=schema.get("minimum"), maximum=schema.get("maximum"), **common)
    marker = schema.get("format") or schema.get("contentMediaType")
    widget = {
        "uri": URL, "email": EMAIL, "phone": TEL, "text/markdown": MARKDOWN, "rrule": RECURRENCE,
        "date-or-date-time": MOMENT, "date": DATE_ONLY,
    }.get(marker, TEXT)
    if widget == TEXT and (schema.get("maxLength") or 0) > 200:
        widget = TEXTAREA
    return Field(widget=widget, min_length=schema.get("minLength"), max_length=schema.get("maxLength"), **common)


def _children(schemas: SchemaSet, kind: str, path: list[str], schema: Mapping[str, Any], depth: int, *, group_required: bool = True) -> tuple[Field, ...]:
    """The fields of a group. A field required inside an optional group (a point's latitude) is
    not marked required: a person may leave the whole group empty."""
    if depth >= MAX_NESTING:
        return ()
    required = set(schema.get("required", [])) if group_required else set()
    found = []
    for name in schema.get("properties", {}):
        child = _field(schemas, kind, path + [name], name in required, depth + 1)
        if child is not None:
            found.append(child)
    return tuple(found)


@dataclass(frozen=True)
class Form:
    kind: str
    fields: tuple[Field, ...]

    def walk(self) -> list[Field]:
        """Every field, groups and their children, in order."""
        found: list[Field] = []

        def visit(fields: tuple[Field, ...]) -> None:
            for item in fields:
                found.append(item)
                visit(item.children)

        visit(self.fields)
        return found

    def field_for(self, pointer: str) -> Field | None:
        """The field a problem's JSON pointer belongs to ("/themes/1" -> themes)."""
        parts = [p for p in pointer.strip("/").split("/") if p and not p.isdigit()]
        names = {item.name: item for item in self.walk()}
        while parts:
            item = names.get(".".join(parts))
            if item is not None:
                return item
            parts.pop()
        return None


@dataclass(frozen=True)
class Mistake:
    """One thing a person must change, worded for them: the field's label, never its key."""

    field: str  # the field's dotted name ("" when the mistake is about the whole record)
    anchor: str  # the HTML id the error summary links to
    label: str
    message: str
    code: str = ""  # the problem's stable code and JSON pointer, for programs
    pointer: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (value, what a person reads) to pick from

    @property
    def summary(self) -> str:
        """The line of the error summary: the message, led by the field's label unless it names it."""
        if not self.label or f"« {self.label} »" in self.message:
            return self.message
        return f"{self.label} : {self.message}"


def _people_wording(message: str, item: Field) -> str:
    """A validator message names a field by its key (« website »), as YAML writers see it; a
    person filling the form sees its label (« Site web »)."""
    message = message.replace(f"« {item.path[-1]} »", f"« {item.label} »")
    return message.replace(f"« {item.label} » ({item.label})", f"« {item.label} »")


def mistakes(form: Form, errors: list[dict]) -> list[Mistake]:
    """The problems of a refused submission, one per field (the first found: later ones on the
    same field are most often its consequences), in the order of the form."""
    order = {item.name: position for position, item in enumerate(form.walk())}
    by_field: dict[str, Mistake] = {}
    general: list[Mistake] = []
    for error in errors:
        pointer = error.get("pointer") or ""
        item = form.field_for(pointer)
        message = str(error.get("message", ""))
        if item is None:
            if message not in [m.message for m in general]:
                general.append(Mistake("", "", "", message, str(error.get("code", "")), pointer))
            continue
        if item.name in by_field:
            continue
        anchor = item.html_id + {MOMENT: "-date", PICTURE: "-fichier"}.get(item.widget, "")
        choices = tuple((str(c.get("code", "")), str(c.get("name", ""))) for c in error.get("choices") or () if isinstance(c, dict))
        by_field[item.name] = Mistake(item.name, anchor, item.label, _people_wording(message, item), str(error.get("code", "")), pointer, choices)
    return general + sorted(by_field.values(), key=lambda m: order.get(m.field, len(order)))


@cache
def form_for(kind: str, schemas: SchemaSet | None = None) -> Form:
    schemas = schemas or default_schemas()
    root = schemas.roots[kind]
    required = set(root.get("required", []))
    fields = []
    for name in root["x-order"]:
        item = _field(schemas, kind, [name], name in required, 0)
        if item is not None:
            fields.append(item)
    return Form(kind=kind, fields=tuple(fields))


# Reading posted fields back into a record ------------------------------------------------------

_NUMBER = re.compile(r"^-?[0-9]+(?:[.,][0-9]+)?$")


def _offset(day: date, clock: time, zone: str) -> str:
    moment = datetime.combine(day, clock, tzinfo=ZoneInfo(zone))
    offset = moment.strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"


def moment_value(day: str, clock: str, zone: str) -> str:
    """A date and an optional time typed in a form, as the record writes them."""
    day = day.strip()
    clock = clock.strip()
    if not clock:
        return day
    try:
        parsed_day = date.fromisoformat(day)
        parsed_clock = time.fromisoformat(clock)
    except ValueError:
        return f"{day}T{clock}"  # the validator explains what is wrong
    return f"{day}T{parsed_clock.strftime('%H:%M:%S')}{_offset(parsed_day, parsed_clock, zone)}"


def split_moment(value: str) -> tuple[str, str]:
    """A record's date as the form's (date, time) inputs."""
    if "T" not in value:
        return value, ""
    day, rest = value.split("T", 1)
    return day, rest[:5]


def _read(item: Field, values: Mapping[str, list[str]], zone: str) -> Any:
    def first(name: str) -> str:
        found = values.get(name) or [""]
        return found[0].strip() if isinstance(found[0], str) else ""

    if item.widget in (GROUP, PICTURE):
        if item.reference and first(item.name + ".ref"):
            return first(item.name + ".ref")
        block = {}
        for child in item.children:
            value = _read(child, values, zone)
            if value not in (None, "", [], {}):
                block[child.path[-1]] = value
        return block or None
    if item.widget == CHECKBOXES:
        return [v for v in values.get(item.name, []) if v] or None
    if item.widget == CHECKBOX:
        return True if first(item.name) in ("on", "true", "1", "oui") else None
    if item.widget == LIST:
        text = first(item.name)
        return [part.strip() for part in re.split(r"[,;\n]", text) if part.strip()] or None
    if item.widget == MOMENT:
        day = first(item.name + ".date")
        return moment_value(day, first(item.name + ".time"), zone) if day else None
    if item.widget == RECURRENCE:
        picked = {part: first(f"{item.name}.{part}") for part in ("freq", "interval", "monthly", "until", "count", "rule")}
        picked["byday"] = [v for v in values.get(f"{item.name}.byday", []) if v]
        picked["except"] = [v.strip() for v in values.get(f"{item.name}.except", []) if isinstance(v, str) and v.strip()]
        return {k: v for k, v in picked.items() if v} or None
    text = first(item.name)
    if item.widget in (NUMBER, INTEGER) and text:
        if _NUMBER.match(text):
            number = float(text.replace(",", "."))
            return int(number) if item.widget == INTEGER and number.is_integer() else number
        return text  # the schema reports the wrong type
    if item.widget in (TEXTAREA, MARKDOWN):
        text = (values.get(item.name) or [""])[0].replace("\r\n", "\n").strip()
        return text + "\n" if item.widget == MARKDOWN and text else (text or None)
    return text or None


def record_from_fields(form: Form, values: Mapping[str, list[str]], zone: str) -> dict[str, Any]:
    """A record dict from posted form fields (name -> list of values); empty fields are left out."""
    record: dict[str, Any] = {}
    for item in form.fields:
        value = _read(item, values, zone)
        if value not in (None, "", [], {}):
            record[item.path[-1]] = value
    return record


def values_from_record(form: Form, record: Mapping[str, Any]) -> dict[str, list[str]]:
    """The form's fields filled from a record (to correct it, or to show back what was typed)."""
    values: dict[str, list[str]] = {}

    def put(item: Field, value: Any) -> None:
        if value is None:
            return
        if item.widget in (GROUP, PICTURE):
            if isinstance(value, str) and item.reference:
                values[item.name + ".ref"] = [value]
            elif isinstance(value, Mapping):
                for child in item.children:
                    put(child, value.get(child.path[-1]))
        elif item.widget == CHECKBOXES:
            values[item.name] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        elif item.widget == LIST:
            values[item.name] = [", ".join(str(v) for v in value)] if isinstance(value, list) else [str(value)]
        elif item.widget == MOMENT:
            day, clock = split_moment(str(value))
            values[item.name + ".date"] = [day]
            values[item.name + ".time"] = [clock]
        elif item.widget == CHECKBOX:
            values[item.name] = ["on"] if value is True else []
        elif item.widget == RECURRENCE:
            values[item.name + ".rule"] = [str(value)]
            first = parse_moment(str(record.get("start", "")))
            picked = picked_from_rule(str(value), first) if first is not None else None
            if picked is not None:
                values[item.name + ".freq"] = [picked.frequency]
                values[item.name + ".interval"] = [str(picked.interval)]
                values[item.name + ".byday"] = list(picked.weekdays)
                values[item.name + ".monthly"] = [picked.monthly]
                values[item.name + ".until"] = [picked.until.isoformat()] if picked.until else []
                values[item.name + ".count"] = [str(picked.count)] if picked.count else []
            values[item.name + ".except"] = [str(e.get("date")) for e in record.get("exceptions") or () if isinstance(e, Mapping) and (e.get("status") or "excluded") == "excluded"]
        else:
            values[item.name] = [str(value).rstrip("\n") if item.widget == MARKDOWN else str(value)]

    for item in form.fields:
        put(item, record.get(item.path[-1]))
    return values


def _whole(text: Any, default: int | None) -> int | None:
    return int(text) if isinstance(text, (str, int)) and str(text).strip().isdigit() and int(text) > 0 else default


def written_recurrence(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record whose recurrence came from the picker (a mapping of choices), with the rule it
    means written in its place. A rule the person did not change stays as it was written; with no
    frequency picked, the rule typed in the picker's last field (or none) is kept."""
    value = record.get("recurrence")
    if not isinstance(value, Mapping):
        return dict(record)
    typed = str(value.get("rule") or "").strip()
    frequency = str(value.get("freq") or "").strip().upper()
    start = record.get("start")
    first = parse_moment(start) if isinstance(start, str) else None
    rule = typed
    if frequency and first is not None:
        days = value.get("byday") or ()
        picked = PickedRecurrence(
            frequency=frequency,
            interval=_whole(value.get("interval"), 1) or 1,
            weekdays=tuple(str(day) for day in (days if isinstance(days, (list, tuple)) else [days])),
            monthly=str(value.get("monthly") or "monthday"),
            until=_day_or_none(value.get("until")),
            count=_whole(value.get("count"), None),
        )
        composed = compose_rule(picked, first)
        rule = typed if typed and same_rule(typed, composed, first) else composed
    elif frequency:
        rule = typed or f"FREQ={frequency}"  # no start yet: the validator asks for it
    written = {k: v for k, v in record.items() if k != "recurrence"}
    if rule:
        written["recurrence"] = rule
    excepted = value.get("except") or ()
    days = sorted({str(day).strip() for day in (excepted if isinstance(excepted, (list, tuple)) else [excepted]) if str(day).strip()})
    before = [e for e in record.get("exceptions") or () if isinstance(e, Mapping)]
    excluded = {e.get("date"): e for e in before if (e.get("status") or "excluded") == "excluded"}
    kept = [e for e in before if (e.get("status") or "excluded") != "excluded" and e.get("date") not in days]
    # A day the picker still names keeps what was written of it (its note).
    exceptions = sorted([dict(excluded.get(day) or {"date": day}) for day in days] + kept, key=lambda e: str(e.get("date")))
    if exceptions and rule:
        written["exceptions"] = exceptions
    else:
        written.pop("exceptions", None)
    return written


def _day_or_none(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text).strip()) if text else None
    except ValueError:
        return None
