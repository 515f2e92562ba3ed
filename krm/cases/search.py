"""Full-text search over subject, text, customer name and the text of the case's documents
(the current version of each: extracted or OCR'd by krm/documents).

PostgreSQL: a `tsvector` per case with a GIN index and German stemming.
SQLite: an FTS5 table with the unicode61 tokenizer (remove_diacritics 2).
The index table is created by migration 0002 for the database in use; `reindex` keeps it
current and is called by every service that changes indexed text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import connection
from django.db.models.expressions import RawSQL

TABLE = "cases_search"
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_CHUNK = 500
# The text of a case's current documents, and how much of it is indexed (PostgreSQL's
# tsvector holds at most 1 MB).
DOCUMENTS_CHARS = 300_000
_DOCUMENTS_FROM = "FROM documents_document d WHERE d.case_id = c.id AND d.is_current"
_DOCUMENTS_PG = f"(SELECT string_agg(d.text, ' ') {_DOCUMENTS_FROM})"
_DOCUMENTS_SQLITE = f"(SELECT group_concat(d.text, ' ') {_DOCUMENTS_FROM})"


def create_index_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        # No foreign key (it would stop Django's TRUNCATE of cases_case in flush and
        # tests); triggers remove the rows with their case instead.
        return [
            f"CREATE TABLE {TABLE} (case_id bigint PRIMARY KEY, document tsvector NOT NULL)",
            f"CREATE INDEX {TABLE}_document_gin ON {TABLE} USING gin (document)",
            f"CREATE FUNCTION {TABLE}_case_deleted() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN DELETE FROM {TABLE} WHERE case_id = OLD.id; RETURN NULL; END $$",
            f"CREATE TRIGGER {TABLE}_case_deleted AFTER DELETE ON cases_case"
            f" FOR EACH ROW EXECUTE FUNCTION {TABLE}_case_deleted()",
            f"CREATE FUNCTION {TABLE}_cases_truncated() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN TRUNCATE {TABLE}; RETURN NULL; END $$",
            f"CREATE TRIGGER {TABLE}_cases_truncated AFTER TRUNCATE ON cases_case"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_cases_truncated()",
        ]
    if vendor == "sqlite":
        return [
            f"CREATE VIRTUAL TABLE {TABLE} USING fts5("
            " subject, body, customer, documents,"
            " tokenize = 'unicode61 remove_diacritics 2')",
            # The FTS table cannot hold a foreign key: delete its row with the case.
            f"CREATE TRIGGER {TABLE}_case_deleted AFTER DELETE ON cases_case BEGIN"
            f" DELETE FROM {TABLE} WHERE rowid = old.id; END",
        ]
    raise NotImplementedError(f"full-text search is not implemented for {vendor}")


def drop_index_sql(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {TABLE}_case_deleted", f"DROP TABLE IF EXISTS {TABLE}"]
    return [
        f"DROP TRIGGER IF EXISTS {TABLE}_case_deleted ON cases_case",
        f"DROP TRIGGER IF EXISTS {TABLE}_cases_truncated ON cases_case",
        f"DROP FUNCTION IF EXISTS {TABLE}_case_deleted()",
        f"DROP FUNCTION IF EXISTS {TABLE}_cases_truncated()",
        f"DROP TABLE IF EXISTS {TABLE}",
    ]


def reindex(case_ids: Iterable[int]) -> None:
    """(Re)build the index rows of these cases from their current data."""
    ids = sorted(set(case_ids))
    with connection.cursor() as cursor:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"INSERT INTO {TABLE} (case_id, document) "
                    "SELECT c.id,"
                    " setweight(to_tsvector('german', c.subject), 'A')"
                    " || setweight(to_tsvector('german', coalesce(cu.name, '')), 'A')"
                    " || setweight(to_tsvector('german', left(c.text, 100000)), 'B')"
                    " || setweight(to_tsvector('german',"
                    f" left(coalesce({_DOCUMENTS_PG}, ''), {DOCUMENTS_CHARS})), 'C') "
                    "FROM cases_case c LEFT JOIN cases_customer cu ON cu.case_id = c.id "
                    f"WHERE c.id IN ({marks}) "
                    "ON CONFLICT (case_id) DO UPDATE SET document = EXCLUDED.document",
                    chunk,
                )
            else:
                cursor.execute(f"DELETE FROM {TABLE} WHERE rowid IN ({marks})", chunk)
                cursor.execute(
                    f"INSERT INTO {TABLE} (rowid, subject, body, customer, documents) "
                    "SELECT c.id, c.subject, c.text, coalesce(cu.name, ''),"
                    f" substr(coalesce({_DOCUMENTS_SQLITE}, ''), 1, {DOCUMENTS_CHARS}) "
                    "FROM cases_case c LEFT JOIN cases_customer cu ON cu.case_id = c.id "
                    f"WHERE c.id IN ({marks})",
                    chunk,
                )


def tokens(query: str) -> list[str]:
    return _TOKEN.findall(query)[:12]


def matching_ids(query: str, *, documents: bool = True) -> RawSQL | None:
    """A subquery of the ids of cases matching every word of `query` (as a prefix);
    None when the query has no words. `documents=False`: in the case's own fields only
    (subject, text, customer), not in the text of its documents."""
    words = tokens(query)
    if not words:
        return None
    if connection.vendor == "postgresql":
        # Weights: subject and customer A, text B, documents C.
        weights = "ABC" if documents else "AB"
        tsquery = " & ".join(f"{word}:*{weights}" for word in words)
        return RawSQL(
            f"SELECT case_id FROM {TABLE} WHERE document @@ to_tsquery('german', %s)",
            [tsquery],
        )
    match = " ".join('"{}"*'.format(word.replace('"', "")) for word in words)
    if not documents:
        match = f"{{subject body customer}} : ({match})"
    return RawSQL(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [match])
