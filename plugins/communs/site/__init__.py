"""The site: the Pelican plugin and everything it writes from a validated directory.

``plugin`` is what Pelican calls; it builds ``pages`` (each declares the data it needs) with
``render`` and the ``theme/``, at the addresses of ``urls``, and writes the maps (``maps``,
``vendor``), the open-data files (``exports``, ``jsonld``), the feeds (``feeds``) and records'
history (``history``), through ``outputs`` and ``buildcache`` so a rebuild redoes only what changed.
``exporting`` is ``communs export``; ``richtext`` turns contributors' Markdown into safe HTML.

Public face: ``plugin.build_site`` / ``plugin.register``, ``urls``, ``exporting.export_command``.
"""
