"""The reporting dashboard: a Streamlit app over the marts (DuckDB locally, Snowflake in the cloud).

``shoplake dashboard`` serves ``app.py``; each page is a ``render(marts, executions)`` function in
``pages/``; every question asked of the marts is a function in ``queries.py``.
"""
