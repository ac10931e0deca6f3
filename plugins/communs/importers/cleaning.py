"""Cleaning what real open-data files hold: encodings, separators, codes, links, addresses, numbers.

Every function here is pure and forgiving: it takes the text of one cell as found and returns a
clean value, or ``None`` when nothing usable is left (the caller then says what it dropped).
"""

from __future__ import annotations

import codecs
import csv
import html
import io
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

import nh3

from communs.i18n import _
from communs.importers.model import ImportUsageError, Reason, Skip
from communs.records.text import fold
from communs.records.values import one_line

# Without a byte order mark, a file is read as UTF-8, unless it holds bytes beyond ASCII and not
# one UTF-8 sequence: then as Windows-1252, the encoding of French spreadsheets saved "as CSV" on
# Windows (Latin-1 with typographic quotes and the euro sign). A UTF-8 file with a few bad bytes
# stays UTF-8: the rows holding them are reported (CSV) or the file refused at that line.
FALLBACK_ENCODING = "cp1252"
DELIMITERS = (";", ",", "\t", "|")
# UTF-32 first: its little-endian mark starts with UTF-16's.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_SNIFF_CHARS = 64 * 1024  # of a CSV file, to guess its separator
EXCERPT = 60

_LINE_BREAK = re.compile(r"(?i)<br\s*/?>")
_PARAGRAPH_END = re.compile(r"(?i)</p\s*>")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s")
_NUMBER = re.compile(r"^[+-]?[0-9]+(?:[.,][0-9]+)?$")


# Files -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str  # what was used, for the report
    bom: bool


def bom_encoding(head: bytes) -> str | None:
    """The codec a byte order mark at the start of a file calls for (it drops the mark), or None."""
    return next((codec for mark, codec in BOMS if head.startswith(mark)), None)


def excerpt(text: str | bytes, limit: int = EXCERPT) -> str:
    """A short, printable excerpt: undecodable bytes and control characters escaped."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="backslashreplace")
    else:
        text = text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="backslashreplace")
    shown = "".join(char if char.isprintable() else repr(char)[1:-1] for char in text[: limit * 2])
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _bad_utf8(raw: bytes, position: int, name: str) -> ImportUsageError:
    line = raw.count(b"\n", 0, position) + 1
    start = raw.rfind(b"\n", 0, position) + 1
    end = raw.find(b"\n", position)
    return ImportUsageError(
        _("{path}, ligne {line} : octets invalides en UTF-8 (« {excerpt} ») dans un fichier UTF-8 ; corrigez cette ligne ou enregistrez le fichier en UTF-8.").format(
            path=name or _("le fichier"), line=line, excerpt=excerpt(raw[start : end if end >= 0 else len(raw)]))
    )


def decode(raw: bytes, encoding: str | None = None, *, name: str = "") -> DecodedText:
    """The text of a whole file: the given encoding, else the one of its byte order mark, else
    UTF-8, else Windows-1252 (see ``FALLBACK_ENCODING``). A UTF-8 file with invalid bytes is
    refused (``ImportUsageError`` naming ``name`` and the line).

    Line ends are normalised to ``\\n`` (CRLF and lone CR, as old Mac exports have them).
    """
    bom = bom_encoding(raw[:4])
    if encoding:
        text = raw.decode(encoding)
        used = encoding
    elif bom:
        text = raw.decode(bom)
        used = bom.removesuffix("-sig")
    else:
        try:
            text = raw.decode("utf-8")
            used = "utf-8"
        except UnicodeDecodeError as error:
            if _UTF8_SEQUENCE.search(raw):
                raise _bad_utf8(raw, error.start, name) from error
            text = raw.decode(FALLBACK_ENCODING, errors="replace")
            used = FALLBACK_ENCODING
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return DecodedText(text, used, bom is not None)


def sniff_encoding(stream: BinaryIO) -> str:
    """The encoding of a file read line by line (the stream is left where it was): its byte order
    mark's, else UTF-8 when it holds a UTF-8 sequence or only ASCII, else Windows-1252."""
    start = stream.tell()
    try:
        bom = bom_encoding(stream.read(4))
        if bom:
            return bom
        stream.seek(start)
        beyond_ascii = False
        for line in stream:
            if line.isascii():
                continue
            if _UTF8_SEQUENCE.search(line):
                return "utf-8"
            beyond_ascii = True
        return FALLBACK_ENCODING if beyond_ascii else "utf-8"
    finally:
        stream.seek(start)


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
class BadRow:
    """A row holding bytes its file's encoding cannot read: reported, not imported."""

    line: int
    excerpt: str


class _Lines:
    """The lines of a text stream, knowing when they ran out (a quote left open to the end)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.exhausted = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.stream.readline()
        if not line:
            self.exhausted = True
            raise StopIteration
        return line


def _has_bad_bytes(cells: list[str]) -> bool:
    """Cells decoded with ``surrogateescape`` keep undecodable bytes as lone surrogates."""
    for cell in cells:
        if not cell.isascii():
            try:
                cell.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


def _csv_rows(stream: TextIO, delimiter: str, name: str, encoding: str) -> Iterator[tuple[int, list[str] | BadRow]]:
    """(line where it starts, cells) of each row of a CSV text, header included; a malformed
    file is an ``ImportUsageError`` naming the file and line."""
    lines = _Lines(stream)
    reader = csv.reader(lines, delimiter=delimiter)
    previous_end = 0
    while True:
        start = previous_end + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field limit" in str(error):
                raise ImportUsageError(_("{path}, ligne {line} : une cellule dépasse {limit} caractères ; un guillemet est sans doute resté ouvert dans cette ligne.").format(
                    path=name, line=start, limit=f"{csv.field_size_limit():,}".replace(",", "\u202f"))) from error
            raise ImportUsageError(_("{path}, ligne {line} : ligne CSV illisible ({error}).").format(path=name, line=start, error=excerpt(str(error)))) from error
        except UnicodeDecodeError as error:
            raise ImportUsageError(_("{path}, vers la ligne {line} : octets invalides en {encoding}.").format(path=name, line=start, encoding=encoding)) from error
        previous_end = reader.line_num
        if lines.exhausted:
            raise ImportUsageError(_("{path}, ligne {line} : guillemet ouvert et jamais fermé (la cellule court jusqu'à la fin du fichier).").format(path=name, line=start))
        if _has_bad_bytes(cells):
            yield start, BadRow(start, excerpt(delimiter.join(cells)))
        else:
            yield start, [cell.replace("\r\n", "\n").replace("\r", "\n") if "\r" in cell else cell for cell in cells]


@dataclass(frozen=True)
class Table:
    """A CSV file read as rows of (line number, {column: text})."""

    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]
    encoding: str
    delimiter: str


class TableFile:
    """A CSV file read row by row (never whole in memory): its columns, encoding and separator
    are read when it is opened, its rows each time ``rows()`` is called.

    ``encoding``: given, else guessed (``sniff_encoding``); ``delimiter``: given, else guessed
    from the first lines. Unreadable files and malformed rows raise ``ImportUsageError``.
    """

    def __init__(self, path: Path, *, encoding: str | None = None, delimiter: str | None = None) -> None:
        self.path = path
        self.name = str(path)
        with path.open("rb") as stream:
            self.encoding = codecs.lookup(encoding).name if encoding else sniff_encoding(stream)
        with self._open() as text:
            head = text.read(_SNIFF_CHARS)
        self.delimiter = delimiter or sniff_delimiter(head.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))
        with self._open() as text:
            first = next(_csv_rows(text, self.delimiter, self.name, self.encoding), None)
        header = first[1] if first is not None and not isinstance(first[1], BadRow) else []
        if first is not None and isinstance(first[1], BadRow):
            raise ImportUsageError(_("{path}, ligne 1 : octets invalides dans la ligne des colonnes (« {excerpt} »).").format(path=self.name, excerpt=first[1].excerpt))
        self.columns = [one_line(cell.lstrip("\ufeff") if index == 0 else cell) or f"colonne {index + 1}" for index, cell in enumerate(header)]

    def _open(self) -> TextIO:
        # UTF-8 keeps bad bytes as lone surrogates (their row is reported); Windows-1252 has a few
        # undefined bytes, read as U+FFFD as before.
        errors = "replace" if self.encoding == FALLBACK_ENCODING else "surrogateescape"
        encoding = "utf-8-sig" if self.encoding == "utf-8" else self.encoding
        return self.path.open("r", encoding=encoding, errors=errors, newline="")

    @property
    def label(self) -> str:
        return self.encoding.removesuffix("-sig")

    def rows(self) -> Iterator[tuple[int, dict[str, str]] | BadRow]:
        """Each row but the header and blank ones, as (line where it starts, {column: text}), or a
        ``BadRow``."""
        with self._open() as text:
            rows = _csv_rows(text, self.delimiter, self.name, self.encoding)
            next(rows, None)  # the header
            for start, cells in rows:
                if isinstance(cells, BadRow):
                    yield cells
                elif any(cell.strip() for cell in cells):
                    yield start, {column: (cells[index] if index < len(cells) else "") for index, column in enumerate(self.columns)}


def open_table(path: Path, *, encoding: str | None = None, delimiter: str | None = None) -> TableFile:
    """A ``TableFile``, its opening problems as ``ImportUsageError``."""
    try:
        return TableFile(path, encoding=encoding, delimiter=delimiter)
    except OSError as error:
        raise ImportUsageError(_("Le fichier {path} est illisible ({error}).").format(path=path, error=error.strerror or error)) from error
    except LookupError as error:
        raise ImportUsageError(_("Encodage inconnu « {encoding} » ([file] encoding).").format(encoding=encoding)) from error


def bad_row_skip(row: BadRow, table: TableFile) -> Skip:
    return Skip(row.line, Reason("bad-encoding", _("octets invalides en {encoding} (« {excerpt} ») : ligne ignorée, corrigez-la dans le fichier.").format(
        encoding=table.label.upper(), excerpt=row.excerpt)))


def read_table(raw: bytes, *, encoding: str | None = None, delimiter: str | None = None) -> Table:
    """Rows of a CSV file held in memory; each carries the number of the line where it starts
    (header = 1). Rows with bytes the encoding cannot read are left out (``TableFile`` reports them)."""
    with tempfile.TemporaryDirectory(prefix="communs-table-") as folder:
        path = Path(folder) / "table.csv"
        path.write_bytes(raw)
        table = TableFile(path, encoding=encoding, delimiter=delimiter)
        rows = [row for row in table.rows() if not isinstance(row, BadRow)]
    return Table(table.columns, rows, table.label, table.delimiter)


# Text --------------------------------------------------------------------------------------------



def strip_html(text: str) -> str:
    """Plain text from a description that may hold HTML (paragraphs and line breaks kept).

    nh3 (html5ever's parser, as browsers parse) removes every tag, comment and CDATA section and
    the content of ``<script>`` and ``<style>``; its output escapes the text, which is then
    decoded once, so that an entity of the source reads as its character."""
    if "<" not in text and "&" not in text:
        return text
    text = _LINE_BREAK.sub("\n", text)
    text = _PARAGRAPH_END.sub("\n\n", text)
    return html.unescape(nh3.clean(text, tags=set()))


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
