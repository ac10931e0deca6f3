"""What a record is and whether it is valid: the bottom of the data flow, used by every other part.

YAML files (``content``, ``yamlreader``) become ``Record`` values (``record``), checked against
the JSON Schemas (``schemas``), the rules that need the calendar or the communes (``rules``,
``communes``, ``dates``; ``hours`` reads opening hours week by week) and each other
(``crosscheck``), all at once by ``validation``; problems
are values (``problems``), shown by ``reporting``. A valid tree becomes a ``Directory``
(``directory``), the index every output reads. ``canonical`` writes records back, ``forms``
describes a record as fields a person fills in, ``text`` folds names for comparison.

Public face: ``validation.validate``, ``directory.Directory`` / ``load_directory``,
``record.Record``, ``problems.Problem``, ``schemas.default_schemas``, ``communes.default_communes``,
``canonical.dump_record`` / ``update_record``, ``forms.form_for``.
"""
