"""Backups while the app serves, and restores that check before they change anything.

``flask backup OUT`` writes one uncompressed tar file holding two members:

* ``manifest.json``: when it was taken, the database kind, the schema revision (Alembic's
  head in the database), the row count of every table, the audit trail's head
  (``COUNT:HASH`` as ``flask audit anchor`` prints it), and the name, size and SHA-256 of
  the database member;
* ``database.sqlite3`` (a copy made with SQLite's online backup API) or ``database.pgdump``
  (``pg_dump --format=custom``, taken in the same snapshot as the manifest's counts).

``flask restore IN`` checks all of that before it touches the configured database.
"""
