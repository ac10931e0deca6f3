"""Cleaning what real open-data files hold: encodings, separators, codes, links, addresses, numbers.

Every function here is pure and forgiving: it takes the text of one cell as found and returns a
clean value, or ``None`` when nothing usable is left (the caller then says what it dropped).
"""

from __future__ import annotations

import csv
import html
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from communs.records.text import fold
from communs.records.values import one_line

# Read in this order: UTF-8 (a BOM is dropped), then Windows-1252, the encoding of French
# spreadsheets saved "as CSV" on Windows (Latin-1 with typographic quotes and the euro sign).
FALLBACK_ENCODING = "cp1252"
DELIMITERS = (";", ",", "\t", "|")

_TAG = re.compile(r"<[^>]{0,500}>")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s")
_NUMBER = re.compile(r"^[+-]?[0-9]+(?:[.,][0-9]+)?$")


# Files -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str  # what was used, for the report
    bom: bool


def decode(raw: bytes, encoding: str | None = None) -> DecodedText:
    """The text of a file: the given encoding, else UTF-8 (with or without BOM), else Windows-1252.

    Line ends are normalised to ``\\n`` (CRLF and lone CR, as old Mac exports have them).
    """
    bom = raw.startswith(b"\xef\xbb\xbf")
    if encoding:
        text = raw.decode(encoding)
        used = encoding
    else:
        try:
            text = raw.decode("utf-8-sig")
            used = "utf-8"
        except UnicodeDecodeError:
            text = raw.decode(FALLBACK_ENCODING, errors="replace")
            used = FALLBACK_ENCODING
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return DecodedText(text, used, bom)


def sniff_delimiter(text: str) -> str:
    """The separator of a CSV text: the one that splits the header and the next lines alike."""
    lines = [line for line in text.split("\n", 20)[:20] if line.strip()]
    if not lines:
        return ";"
    best, best_score = ";", -1
    for delimiter in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)]
        except csv.Error:
            continue
        header = counts[0]
        if header < 2:
            continue
        steady = sum(1 for count in counts[1:] if count == header)
        score = header * 10 + steady * 100
        if score > best_score:
            best, best_score = delimiter, score
    return best


@dataclass(frozen=True)
class Table:
    """A CSV file read as rows of (line number, {column: text})."""

    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]
    encoding: str
    delimiter: str


def read_table(raw: bytes, *, encoding: str | None = None, delimiter: str | None = None) -> Table:
    """Rows of a CSV file; each carries the number of the line where it starts (header = 1)."""
    decoded = decode(raw, encoding)
    delimiter = delimiter or sniff_delimiter(decoded.text)
    reader = csv.reader(io.StringIO(decoded.text), delimiter=delimiter)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        header = next(reader)
    except StopIteration:
        return Table([], [], decoded.encoding, delimiter)
    columns = [one_line(name) or f"colonne {index + 1}" for index, name in enumerate(header)]
    previous_end = reader.line_num
    for cells in reader:
        start = previous_end + 1
        previous_end = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        row = {column: (cells[index] if index < len(cells) else "") for index, column in enumerate(columns)}
        rows.append((start, row))
    return Table(columns, rows, decoded.encoding, delimiter)


# Text --------------------------------------------------------------------------------------------



def strip_html(text: str) -> str:
    """Plain text from a description that may hold HTML (paragraphs and line breaks kept)."""
    if "<" not in text and "&" not in text:
        return text
    text = re.sub(r"(?i)<br\s*/?>", "\n", text)
    text = re.sub(r"(?i)</p\s*>", "\n\n", text)
    text = _TAG.sub("", text)
    return html.unescape(text)


def markdown_text(value: object, limit: int = 10000) -> str:
    """A multi-line text fit for a Markdown field: HTML removed, no tabs, trimmed, bounded."""
    if value is None:
        return ""
    text = strip_html(str(value)).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = "".join(char for char in text if char == "\n" or unicodedata.category(char) not in ("Cc", "Cf", "Zl", "Zp"))
    lines = [line.rstrip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    # "<" opening what a Markdown reader takes for a tag would be refused as raw HTML.
    text = re.sub(r"<(?=[A-Za-z/!?])", "< ", text)
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return text


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary so that it fits ``limit`` characters (with an ellipsis)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + "…"


def first_sentence(text: str, limit: int = 250) -> str:
    """The first sentence of a text, on one line, at most ``limit`` characters."""
    flat = one_line(strip_html(text).replace("#", " ").replace("*", ""))
    if not flat:
        return ""
    sentence = _SENTENCE_END.split(flat, 1)[0]
    return shorten(sentence, limit)


def split_list(value: object) -> list[str]:
    """The items of a list cell ("culture, sport; santé | éducation"), in order, without blanks."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        items: list[str] = []
        for item in value:
            items.extend(split_list(item))
        return items
    return [item for item in (one_line(part) for part in re.split(r"[,;|/\n]", str(value))) if item]


# Numbers and places ----------------------------------------------------------------------------


def parse_number(value: object) -> float | None:
    """A decimal number from a cell ("-20.87", "-20,87", 55.4), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = one_line(value).replace(" ", "")
    if not _NUMBER.match(text):
        return None
    return float(text.replace(",", "."))


def parse_point(value: object) -> tuple[float, float] | None:
    """(lat, lon) from a "lat,lon" cell ("-20.93,55.44", "-20.93, 55.44", "-20,93;55,44")."""
    text = one_line(value)
    if not text:
        return None
    for separator in (";", ", ", ","):
        if separator in text:
            parts = [part.strip() for part in text.split(separator)]
            if len(parts) == 2:
                lat, lon = parse_number(parts[0]), parse_number(parts[1])
                if lat is not None and lon is not None:
                    return lat, lon
    parts = text.split()
    if len(parts) == 2:
        lat, lon = parse_number(parts[0]), parse_number(parts[1])
        if lat is not None and lon is not None:
            return lat, lon
    return None


def plausible_point(lat: float | None, lon: float | None) -> bool:
    """Coordinates that mean a place: in range, not the (0, 0) of a missing geocode."""
    if lat is None or lon is None:
        return False
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return False
    return not (abs(lat) < 1e-9 and abs(lon) < 1e-9)


def street_line(number: object, way_type: object, way_name: object) -> str | None:
    """"12 rue de Paris" from its parts, without repeating the type ("171 rue Rue de Bretagne")."""
    name = one_line(way_name)
    if not name:
        return None
    kind = one_line(way_type)
    if kind and fold(name).startswith(fold(kind)):
        kind = ""
    text = " ".join(part for part in (one_line(number), kind, name) if part)
    return text[:200] if text else None


def iter_unique(items: list[str]) -> Iterator[str]:
    seen: set[str] = set()
    for item in items:
        if item not in seen:
            seen.add(item)
            yield item
