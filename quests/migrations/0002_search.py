"""Full-text search on PostgreSQL (quests.search): a tsvector column kept by the database
and its GIN index. Title weighs A, description and objectives' text B, in the 'english'
configuration (stemming: "running" finds "Run a 5k").

A trigger keeps the column rather than a generated column: PostgreSQL refuses to change
the type of a column a generated column reads, so a later AlterField on the title (a new
max_length) would fail. The column is not on the model; only quests.search reads it.
On SQLite nothing is done: quests.search matches words with icontains there."""

from django.db import migrations

TABLE = "quests_quest"

CREATE = [
    f"ALTER TABLE {TABLE} ADD COLUMN search_vector tsvector",
    f"""CREATE FUNCTION quests_quest_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector :=
            setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A')
            || setweight(to_tsvector('english', coalesce(NEW.description, '')), 'B')
            || setweight(to_tsvector('english', coalesce(NEW.objectives_text, '')), 'B');
        RETURN NEW;
    END
    $$""",
    f"""CREATE TRIGGER quests_quest_search_vector BEFORE INSERT OR UPDATE OF title, description, objectives_text
    ON {TABLE} FOR EACH ROW EXECUTE FUNCTION quests_quest_search_vector()""",
    f"UPDATE {TABLE} SET title = title",  # fills the column for rows already there
    f"CREATE INDEX quest_search ON {TABLE} USING GIN (search_vector)",
]

DROP = [
    "DROP INDEX IF EXISTS quest_search",
    f"DROP TRIGGER IF EXISTS quests_quest_search_vector ON {TABLE}",
    "DROP FUNCTION IF EXISTS quests_quest_search_vector()",
    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_vector",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("quests", "0001_initial")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP), elidable=False)]
