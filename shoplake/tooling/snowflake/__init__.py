"""Snowflake platform objects: render the versioned DDL in ``snowflake/`` per stage and apply it.

``snowflake/`` holds Jinja templates named like Flyway migrations: ``V<n>__<what>.sql`` run once,
in version order; ``R__<what>.sql`` run after them, again whenever their rendered text changes.
``apply`` records every run in ``<database>.PUBLIC.SHOPLAKE_SCHEMA_HISTORY`` and refuses to
continue when an applied versioned script was edited afterwards (add a new one instead).

* :mod:`.settings` — every value the templates see, per stage, from one source of truth each;
* :mod:`.scripts` — the scripts, rendered, split into statements, and which are pending;
* :mod:`.apply` — the schema history, applying, connections, the values the AWS side needs;
* :mod:`.external_tables` — ``R__external_tables.sql``, generated from the dataset contracts;
* :mod:`.cli` — ``shoplake snowflake apply|deploy-params``.
"""
