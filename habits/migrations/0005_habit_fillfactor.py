"""Room on each page of habits_habit for a row's next version (PostgreSQL).

The day close rewrites every habit's statistics and fold daily; with free space on the
page, PostgreSQL updates the row in place (a HOT update) instead of adding an entry to
each of the table's indexes. Applies to pages written from now on; existing pages get
it when the table is rewritten (VACUUM FULL or pg_repack), and in time as rows move."""

from django.db import migrations


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE habits_habit SET (fillfactor = 70)")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE habits_habit RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("habits", "0004_stats_fold")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
