"""SQLite backend that batches by the connection's real parameter limit.

Django assumes SQLite's historical limit of 999 bound parameters per statement, so a bulk insert of
wide rows (a match has ~30 columns) goes out ~33 rows at a time: persisting an 8,191-match bracket
took hundreds of statements. SQLite 3.32+ allows 32,766 by default (the build here reports more);
we ask the connection and stay within it.
"""
import sqlite3
from functools import cached_property

from django.db.backends.sqlite3 import base, features


class DatabaseFeatures(features.DatabaseFeatures):
    @cached_property
    def max_query_params(self):
        self.connection.ensure_connection()
        try:
            limit = self.connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        except (AttributeError, sqlite3.Error):  # Python < 3.11 or an unusual build: keep Django's default
            return 999
        return max(999, min(limit, 32766))


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
