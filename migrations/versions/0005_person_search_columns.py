"""Person name search and duplicate claims: normalised name columns, full-text index,
blocking indexes, victims and duplicate decisions.

On SQLite the names are searched through an FTS5 external-content table
(``persons_fts``) that triggers keep in step with ``persons``; on PostgreSQL through a
stored generated tsvector column over the same normalised columns
(``persons.persons_fts_document``) with a GIN index (``persons_fts_names``). Both are
invisible to the models, so migrations/env.py leaves objects named ``persons_fts*`` out
of autogenerate comparisons.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from casework.intake.names import person_name_columns

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

NAME_COLUMNS = [
    ("name_ar_norm", 200),
    ("name_latin_norm", 200),
    ("name_key_ar", 40),
    ("name_key_latin", 40),
    ("full_name_key", 120),
]
PERSON_INDEXES = [
    ("ix_persons_incident_id_name_key_ar", ["incident_id", "name_key_ar"]),
    ("ix_persons_incident_id_name_key_latin", ["incident_id", "name_key_latin"]),
    ("ix_persons_full_name_key_birth_year", ["full_name_key", "birth_year"]),
    ("ix_persons_victim_id", ["victim_id"]),
]
OUTCOMES = ("dismissed", "merged", "same_victim")

# PostgreSQL: the names' full-text document, stored (so that filtering on it costs no
# to_tsvector per row) and indexed; not mapped, searched by casework.search.queries.
PG_DOCUMENT_COLUMN = (
    "ALTER TABLE persons ADD COLUMN persons_fts_document tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple'::regconfig, "
    "coalesce(name_ar_norm, '') || ' ' || coalesce(name_latin_norm, ''))) STORED"
)
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE persons_fts USING fts5("
    "name_ar_norm, name_latin_norm, content='persons', content_rowid='id', prefix='2 3')",
    "CREATE TRIGGER persons_fts_after_insert AFTER INSERT ON persons BEGIN "
    "INSERT INTO persons_fts(rowid, name_ar_norm, name_latin_norm) "
    "VALUES (new.id, new.name_ar_norm, new.name_latin_norm); END",
    "CREATE TRIGGER persons_fts_after_delete AFTER DELETE ON persons BEGIN "
    "INSERT INTO persons_fts(persons_fts, rowid, name_ar_norm, name_latin_norm) "
    "VALUES ('delete', old.id, old.name_ar_norm, old.name_latin_norm); END",
    "CREATE TRIGGER persons_fts_after_update AFTER UPDATE OF name_ar_norm, name_latin_norm "
    "ON persons BEGIN "
    "INSERT INTO persons_fts(persons_fts, rowid, name_ar_norm, name_latin_norm) "
    "VALUES ('delete', old.id, old.name_ar_norm, old.name_latin_norm); "
    "INSERT INTO persons_fts(rowid, name_ar_norm, name_latin_norm) "
    "VALUES (new.id, new.name_ar_norm, new.name_latin_norm); END",
]


def _fill_name_columns(connection) -> None:
    """Compute the normalised columns of the persons that exist already."""
    persons = sa.table(
        "persons",
        sa.column("id"),
        sa.column("name_ar"),
        sa.column("name_latin"),
        *(sa.column(name) for name, _length in NAME_COLUMNS),
    )
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(persons.c.id, persons.c.name_ar, persons.c.name_latin)
            .where(persons.c.id > last_id)
            .order_by(persons.c.id)
            .limit(5000)
        ).all()
        if not rows:
            return
        connection.execute(
            persons.update().where(persons.c.id == sa.bindparam("person_id")),
            [
                {"person_id": row.id, **person_name_columns(row.name_ar, row.name_latin)}
                for row in rows
            ],
        )
        last_id = rows[-1].id


def upgrade():
    op.create_table(
        "victims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_victims_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_victims")),
    )
    op.create_table(
        "duplicate_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("other_case_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.Enum(*OUTCOMES, name="duplicateoutcome", native_enum=False,
                                     length=20), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("case_id < other_case_id",
                           name=op.f("ck_duplicate_decisions_ordered_pair")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"],
                                name=op.f("fk_duplicate_decisions_case_id_cases")),
        sa.ForeignKeyConstraint(["other_case_id"], ["cases.id"],
                                name=op.f("fk_duplicate_decisions_other_case_id_cases")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"],
                                name=op.f("fk_duplicate_decisions_decided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_decisions")),
        sa.UniqueConstraint("case_id", "other_case_id",
                            name=op.f("uq_duplicate_decisions_case_id")),
    )
    op.create_index("ix_duplicate_decisions_other_case_id", "duplicate_decisions",
                    ["other_case_id"], unique=False)

    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, length in NAME_COLUMNS:
        op.add_column("persons", sa.Column(name, sa.String(length=length), nullable=True))
    if sqlite:
        # ADD COLUMN ... REFERENCES: no table rebuild (which persons' referrers would block).
        op.execute("ALTER TABLE persons ADD COLUMN victim_id INTEGER "
                   "CONSTRAINT fk_persons_victim_id_victims REFERENCES victims (id)")
    else:
        op.add_column("persons", sa.Column("victim_id", sa.Integer(), nullable=True))
        op.create_foreign_key(op.f("fk_persons_victim_id_victims"), "persons", "victims",
                              ["victim_id"], ["id"])
    _fill_name_columns(op.get_bind())
    for name, columns in PERSON_INDEXES:
        op.create_index(name, "persons", columns, unique=False)

    if sqlite:
        for statement in SQLITE_FTS:
            op.execute(statement)
        op.execute("INSERT INTO persons_fts(persons_fts) VALUES ('rebuild')")
    else:
        op.execute(PG_DOCUMENT_COLUMN)
        op.execute("CREATE INDEX persons_fts_names ON persons USING gin (persons_fts_document)")


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for trigger in ("after_update", "after_delete", "after_insert"):
            op.execute(f"DROP TRIGGER persons_fts_{trigger}")
        op.execute("DROP TABLE persons_fts")
    else:
        op.execute("DROP INDEX persons_fts_names")
        op.execute("ALTER TABLE persons DROP COLUMN persons_fts_document")
    for name, _columns in reversed(PERSON_INDEXES):
        op.drop_index(name, table_name="persons")
    with op.batch_alter_table("persons") as batch:
        if not sqlite:
            batch.drop_constraint(op.f("fk_persons_victim_id_victims"), type_="foreignkey")
        batch.drop_column("victim_id")
        for name, _length in reversed(NAME_COLUMNS):
            batch.drop_column(name)
    op.drop_index("ix_duplicate_decisions_other_case_id", table_name="duplicate_decisions")
    op.drop_table("duplicate_decisions")
    op.drop_table("victims")
