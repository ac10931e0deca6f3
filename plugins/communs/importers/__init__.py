"""``communs import``: records from open-data files, written as canonical YAML, re-importable.

::

    communs import FORMAT FILE [--commune CODE ...] [--departement CODE ...] [--mapping FILE]
                   [--dataset NAME] [--parent-commune] [--dry-run] [--content DIR] [--format text|json]
                   [--max-size MB]

Formats, one module each: ``csv`` (any table, with a TOML mapping file: ``mapping``), ``geojson``,
``gogocarto`` (GoGoCarto elements JSON), ``osm`` (Overpass JSON), ``ical`` (events of an .ics
feed) and ``festivals`` (the Ministry of Culture's list of festivals). A reader turns each row
into an ``Item`` (record data + source id + notes) or a ``Skip`` (line + reason) and never stops
at a bad row; the shared cleaning (``cleaning``, ``places``, ``build``) handles encodings and BOMs,
separators, CRLF, INSEE codes stripped of their leading zero, missing or unusable coordinates,
links without scheme, decorated or multiple e-mails, and the mapping onto our closed
vocabularies; the engine (``engine``) does the rest.

Identity and ids
    Every record carries ``source: {dataset, id, url, licence, credit}``. The source id is the
    row's own stable id (made unique when the dataset's is not, e.g. festivals). A new record's
    id is the slug of its name (events: ``<start date>-<slug of the title>``); when it is taken
    (by any record, or an earlier row), the commune's slug is appended, then a short hash of the
    source id: the same file imported into the same directory always gives the same ids, and a
    re-import keeps the ids the records already have. A source id that already is a communs id
    (communs' own exports) is kept as the record's id.

Re-import is an update (``state``)
    The importer remembers, per dataset, what it last wrote: ``<content>/.imports/<dataset>.json``
    maps each source id to its file and a hash of each imported field (records cannot hold this:
    the schema refuses unknown fields; the folder is outside ``actors/`` and ``events/``, where
    the validator and the site look). On re-import, field by field:

    * unchanged in the source -> left as it is, whatever people did to it;
    * changed in the source, untouched by people (the file still holds what the last import
      wrote) -> updated;
    * changed in the source *and* edited by people -> kept as people left it, and reported as a
      conflict ("champ modifié à la main, non écrasé").

    Edits go through ``communs.records.canonical.update_record``: untouched lines, comments included,
    stay byte for byte. The record of a source id is found through the state, else through the
    ``source`` block of the records (so a record renamed or moved by hand, or a hand-made record
    to which someone added the ``source`` of a row, is updated rather than duplicated). Without
    a state, fields present on both sides that differ are conflicts and missing ones are added.
    A record deleted by hand is not recreated (reported). Records of earlier imports absent from
    the file are reported, never deleted. Each run reports created / updated / unchanged /
    skipped (with line numbers and reasons) / likely duplicates / conflicts.

Files at real size
    Tables (``csv``, ``festivals``) are read row by row: their size does not matter. The other
    formats are parsed whole in memory (about 12 times the file's size for GeoJSON, 22 for
    iCalendar), so a file larger than ``--max-size`` (50 MB by default) is refused with its size
    and the limit. Encodings: a byte order mark (UTF-8, UTF-16 LE/BE, UTF-32) decides; without
    one, a file holding any UTF-8 sequence is UTF-8 and one holding bytes beyond ASCII but no
    UTF-8 sequence is Windows-1252. In a UTF-8 table, a row with invalid bytes is skipped and
    listed (``bad-encoding``, with an escaped excerpt); in a JSON or iCalendar file, the file is
    refused at that line. A malformed file (a quote never closed, a cell beyond the csv module's
    field limit, JSON nested deeper than 64 levels, unparsable iCalendar) is refused with its
    file and line (exit status 2), the excerpt escaped so that it prints as text.

Duplicates
    A new item whose name is the same as, or close to, an existing record's in the same commune
    (``communs.contrib.lookup``'s rules; events only on the same day), or an earlier row's, is reported
    and not created. Rows are compared only with the earlier rows that share name keys with
    them (``duplicates``), which finds the same pairs as comparing every pair, in time that grows
    linearly with the file. To import it anyway, link the existing record by giving it the row's
    ``source`` block: the next import updates it.

Validity
    Each record is checked by the validator's single-record checks before it is written; a
    refused optional field is dropped (flagged), a refused required one skips the row with the
    validator's message. After writing, ``communs validate`` runs on the written files against
    the whole directory, and its problems are part of the report. ``--dry-run`` does everything
    but write (files and state).

Filters
    ``--commune`` and ``--departement`` keep the rows of those places (either); the others are
    counted, not listed. A row that cannot be placed is listed unless its département is known
    to be elsewhere.

A failed import writes nothing: when nothing can be imported, neither records nor the state are
written; when the written files do not validate, every file is put back as it was.

Exit status: 0 done; 1 when the written files do not validate (nothing kept) or nothing could be
imported; 2 for usage errors (unknown format, missing, unreadable, malformed or too large file,
bad mapping, unknown code).

Public face: ``run.run_import`` and ``run.FORMATS`` (``cli`` is the command line);
``model.ImportUsageError`` for usage problems.
"""
