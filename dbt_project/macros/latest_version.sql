{#- The rule "a record sent again counts once, its latest version wins", in one place: per
    key, the row from the file that arrived last (received_at: the landing file's modification
    time), then the latest file name, then the last line. Arrival, not load time: a rebuild
    loads every file at once, and a corrected extract that arrived after a later month's must
    still win, as it did run by run. Rows loaded before received_at was recorded (NULL) rank
    below every row whose arrival is known. keep_null_keys keeps rows whose key is NULL as
    records of their own (police.uk anti-social behaviour has no Crime ID).

      latest_versions(relation, key_columns, where=none, keep_null_keys=false)
          a whole SELECT of relation's rows (filtered by the SQL condition where, if given)
          keeping the latest version of each record: the body of a CTE.
      latest_version_filter(key_columns, keep_null_keys=false)
          the QUALIFY clause that does it, after FROM/WHERE.

    QUALIFY runs on DuckDB, Snowflake, BigQuery and Databricks. Open-source Spark has none:
    spark__latest_versions ranks the rows in a subquery and lists the relation's columns
    (star_except), so that the rank does not become a column of the model. -#}
{% macro latest_versions(relation, key_columns, where=none, keep_null_keys=false) -%}
    {{ return(adapter.dispatch('latest_versions', 'pvw')(
        relation, key_columns, where, keep_null_keys)) }}
{%- endmacro %}

{% macro default__latest_versions(relation, key_columns, where, keep_null_keys) -%}
    select *
    from {{ relation }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
    {{ latest_version_filter(key_columns, keep_null_keys) }}
{%- endmacro %}

{#- DuckDB: most records have one version, and ranking every row (a window over the whole
    relation, tens of millions of rows, spilling past the memory limit) is what made a full
    build slow. The keys with more than one version are found first (an aggregate over the
    key columns only); rows of the other keys pass straight through, and only the repeated
    keys' rows are ranked. Same rows as the default form; 3 to 4 times faster on the national
    police extracts (15.7 million rows: 6.8 s against 19 to 30 s). NULL keys group together,
    as in the window's PARTITION BY (IS NOT DISTINCT FROM), unless keep_null_keys. With a
    condition (an incremental build's few changed records), the rows it selects are computed
    once (a materialized CTE), not once per use. -#}
{% macro duckdb__latest_versions(relation, key_columns, where, keep_null_keys) -%}
    {%- set matched = [] -%}
    {%- for key in key_columns -%}
        {%- do matched.append('versions.' ~ key ~ ' is not distinct from repeated.' ~ key) -%}
    {%- endfor -%}
    {%- set versions = 'selected' if where else relation -%}
    with
    {%- if where %}
    selected as materialized (
        select * from {{ relation }}
        where {{ where }}
    ),
    {%- endif %}
    repeated as (
        select {{ key_columns | join(', ') }}, true as is_repeated
        from {{ versions }}
        group by {{ key_columns | join(', ') }}
        having count(*) > 1
    )

    select versions.*
    from {{ versions }} as versions
    left join repeated on {{ matched | join(' and ') }}
    where repeated.is_repeated is null
    {%- if keep_null_keys %} or versions.{{ key_columns | join(' is null or versions.') }} is null{% endif %}

    union all

    select *
    from (
        select versions.*
        from {{ versions }} as versions
        inner join repeated on {{ matched | join(' and ') }}
        {%- if keep_null_keys %}
        where not (versions.{{ key_columns | join(' is null or versions.') }} is null)
        {%- endif %}
    ) as repeated_versions
    {{ latest_version_filter(key_columns) }}
{%- endmacro %}

{#- dbt-databricks would otherwise take the spark__ form: Databricks has QUALIFY. -#}
{% macro databricks__latest_versions(relation, key_columns, where, keep_null_keys) -%}
    {{ default__latest_versions(relation, key_columns, where, keep_null_keys) }}
{%- endmacro %}

{% macro spark__latest_versions(relation, key_columns, where, keep_null_keys) -%}
    select {{ star_except(relation, 'versions', []) }}
    from (
        select *, {{ latest_version_rank(key_columns) }} as latest_version_rank
        from {{ relation }}
        {%- if where %}
        where {{ where }}
        {%- endif %}
    ) as versions
    where
    {%- if keep_null_keys %} {{ key_columns | join(' is null or ') }} is null or{% endif %}
    latest_version_rank = 1
{%- endmacro %}

{% macro latest_version_filter(key_columns, keep_null_keys=false) -%}
    {{ return(adapter.dispatch('latest_version_filter', 'pvw')(key_columns, keep_null_keys)) }}
{%- endmacro %}

{% macro default__latest_version_filter(key_columns, keep_null_keys) -%}
    qualify
    {%- if keep_null_keys %} {{ key_columns | join(' is null or ') }} is null or{% endif %}
    {{ latest_version_rank(key_columns) }} = 1
{%- endmacro %}

{#- 1 for the latest version of each record. -#}
{% macro latest_version_rank(key_columns) -%}
    row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by received_at desc nulls last, source_file desc, source_line desc
    )
{%- endmacro %}
