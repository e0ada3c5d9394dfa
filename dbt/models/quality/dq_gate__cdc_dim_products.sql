{#- GENERATED from the dataset contracts by shoplake/tooling/dbt.py: do not edit; run
    `.venv/bin/python -m shoplake.tooling.generate`. The cdc_dim_products dataset's latest checks.
    Its tests (_quality__models.yml) make a failing check an error: the marts that depend on
    this gate keep their last good state. -#}

{{ config(materialized='view', schema='staging') }}

{{ dq_latest(ref('dq_checks__cdc_dim_products')) }}
