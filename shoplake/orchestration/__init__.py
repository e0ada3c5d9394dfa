"""The transform side: what the Airflow DAGs in ``dags/`` use, and nothing they do at import.

* :mod:`.assets` — one Airflow asset per raw table (``shoplake://warehouse/raw/<table>``), derived
  from the contracts, and the announcements the warehouse refresh sends;
* :mod:`.selection` — which dbt nodes a transform run builds: the models downstream of the
  tables that changed (everything on a schedule, a full refresh, or a new dbt project);
* :mod:`.airflow` — the dbt project's location and target, retries, failure notifications.

The local runtime runs the same DAG with ``dag.test()`` (``shoplake.local.transform``).
Nothing here imports Airflow at module level: the CLI imports these modules, and importing
Airflow configures its settings and logging for the whole process.
"""
