{#- Data tests of an incremental model check the rows its last build wrote.

    An incremental fact (macros/incremental_records.sql) keeps tens of millions of rows a build
    did not touch; testing them again every month cost the national refresh a whole-table
    scan per test (a unique test on police.uk: 3 to 6 s). Each such model carries built_at
    (build_started_at(): when the build that wrote the row started), and each data test
    attached to it reads only the rows with the latest built_at: the records that build
    recomputed. A full build writes every row with one built_at, so it tests every row.

    Why that is enough:
    - row tests (not_null, accepted_values, relationships, non_negative) hold for the rows
      earlier builds tested, which are unchanged;
    - uniqueness: delete+insert deletes every earlier row with a key it writes, so a key can
      only repeat within what the last build wrote;
    - the tested parents (dim_partnerships and the seeds) change only with the project, and a
      changed project, a failed build, or a build of only some models makes the next build a
      full one (orchestration/assets/dbt.py), which tests every row again.
    A test that needs the whole table sets meta: {whole_table: true}.

    dbt calls get_where_subquery(relation) when it runs a test; this keeps its `where` config
    and adds the condition. -#}

{% macro build_started_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro default__get_where_subquery(relation) -%}
    {#- One macro, not two: dbt renders a test's arguments in a context where the project's
        other macros are not in scope. -#}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {#- What the last build of an incremental model wrote, when the test is attached to one. -#}
    {%- set tested = graph.nodes.get(model.get('attached_node') or '') if execute else none -%}
    {%- if tested and tested.config.materialized == 'incremental'
        and not (config.get('meta') or {}).get('whole_table') -%}
        {%- if 'built_at' not in tested.columns -%}
            {%- do exceptions.raise_compiler_error(
                "incremental model " ~ tested.name ~ " has no documented built_at column: "
                ~ "its data tests read only the rows of its last build (macros/"
                ~ "tests_of_incremental_models.sql); add build_started_at() as built_at and "
                ~ "document it, or give the test meta: {whole_table: true}") -%}
        {%- endif -%}
        {%- do conditions.append('built_at = (select max(built_at) from ' ~ relation ~ ')') -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
