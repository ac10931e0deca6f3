"""What several copies of the contribution service share through their data folder.

DESIGN §8 lets the service run as several processes behind a load balancer. They share one data
folder, and through it: the rate limits' counters, the form tokens already spent, and locks
around what must happen once (writing a submission, delivering it, exporting a base commit).

The counters and tokens are in SQLite (Python's own ``sqlite3``, in WAL mode), the locks are POSIX
file locks (``fcntl.flock``) on files in the folder. Both rest on the operating system's file
locking, so the supported deployment is several processes on one host, or hosts sharing a
filesystem whose locks work (a local disk, not NFS without a lock manager). Chosen over Redis or
PostgreSQL because a volunteer-run directory has one small server: the embedded store needs no
second service to install and keep alive, and the queue itself is already files in this folder.
"""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_LOCK_NAME = re.compile(r"^[a-z][a-z0-9-]{0,40}$")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS hits (scope TEXT NOT NULL, client TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS hits_by_client ON hits (scope, client, at);
CREATE INDEX IF NOT EXISTS hits_by_time ON hits (at);
CREATE TABLE IF NOT EXISTS spent_tokens (nonce TEXT PRIMARY KEY, at REAL NOT NULL);
"""


class SharedState:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "locks").mkdir(exist_ok=True)
        self.path = folder / "state.sqlite3"
        self._local = threading.local()
        self._thread_locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        with self.lock("schema"):
            connection = self._connection()
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(_SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            # autocommit; a writer waits up to 30 s for another process's transaction
            connection = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            self._local.connection = connection
        return connection

    # Rate limits ---------------------------------------------------------------------------------

    def hits(self, scope: str, client: str, window: float) -> tuple[int, float]:
        """How many events of ``client`` in ``scope`` the last ``window`` seconds saw (all copies
        together), and when the oldest of them happened (0 if none)."""
        since = time.time() - window
        count, oldest = self._connection().execute(
            "SELECT COUNT(*), COALESCE(MIN(at), 0) FROM hits WHERE scope = ? AND client = ? AND at > ?", (scope, client, since)
        ).fetchone()
        return int(count), float(oldest)

    def hit(self, scope: str, client: str, window: float) -> None:
        """Count one event; events older than the window are forgotten (memory does not grow
        with the number of clients ever seen)."""
        now = time.time()
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.execute("DELETE FROM hits WHERE scope = ? AND at <= ?", (scope, now - window))
            connection.execute("INSERT INTO hits (scope, client, at) VALUES (?, ?, ?)", (scope, client, now))
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def clients(self, scope: str) -> int:
        """How many clients the scope still remembers (for tests and monitoring)."""
        return int(self._connection().execute("SELECT COUNT(DISTINCT client) FROM hits WHERE scope = ?", (scope,)).fetchone()[0])

    # Form tokens ---------------------------------------------------------------------------------

    def spend(self, nonce: str, max_age: float) -> bool:
        """Mark a form token's nonce as used; False if a copy of the service already did."""
        now = time.time()
        connection = self._connection()
        connection.execute("DELETE FROM spent_tokens WHERE at <= ?", (now - max_age,))  # expired tokens are refused anyway
        cursor = connection.execute("INSERT OR IGNORE INTO spent_tokens (nonce, at) VALUES (?, ?)", (nonce, now))
        return cursor.rowcount == 1

    def give_back(self, nonce: str) -> None:
        """The token's submission was refused: the person may correct it and send it again."""
        self._connection().execute("DELETE FROM spent_tokens WHERE nonce = ?", (nonce,))

    # Locks ---------------------------------------------------------------------------------------

    @contextmanager
    def lock(self, name: str) -> Iterator[None]:
        """Held by one thread of one process at a time, across every copy on this folder."""
        if not _LOCK_NAME.match(name):
            raise ValueError("bad lock name")
        with self._guard:
            in_process = self._thread_locks.setdefault(name, threading.Lock())
        with in_process:
            descriptor = os.open(self.folder / "locks" / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX)
                yield
            finally:
                os.close(descriptor)  # closing releases the lock
