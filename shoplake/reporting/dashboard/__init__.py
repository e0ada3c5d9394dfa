"""The reporting dashboard: a Streamlit app over the marts (DuckDB locally, Snowflake in the cloud).

``shoplake dashboard`` serves ``app.py``; each page is a ``render(marts, executions)`` function in
``views/`` (not ``pages/``: Streamlit treats a ``pages/`` folder beside the app as pages of its
older multipage mode, which breaks deep links); every question asked of the marts is a function
in ``queries.py``.
"""
