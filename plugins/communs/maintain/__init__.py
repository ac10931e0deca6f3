"""What maintainers run: reading a change before merging it, and keeping the directory tidy.

``review`` summarises a change in French (``communs review``), ``audit`` is the weekly look over
the whole directory (``communs audit``), ``maintainers`` turns ``maintainers.yml`` into CODEOWNERS
(``communs maintainers``), ``newrecord`` starts a record file (``communs new``).

Public face: ``review.review``, ``audit.run_audit``, ``maintainers.parse_maintainers`` /
``render_codeowners``, and each module's ``*_command`` that the command line calls.
"""
