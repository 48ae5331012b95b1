{#- kept_table: a table that is not rebuilt when nothing it reads has changed, and (with
    compare_rows) not replaced when rebuilding it gives the rows it already holds.

    A month whose data neither completes a period (a quarter, a financial year, a rolling 12
    months) nor changes a complete one changes the monthly counts and not the counts by
    period, yet everything computed from them (area pooling, statistics, trends,
    indicator_values and the dashboards' tables) would be rebuilt to the same rows. Nationally
    that is one month in three (May, August, November, February): a month completes a
    quarter in March, June, September and December, and the month after a quarter changes
    its last month, since ED attendances on the last day are matched with crimes recorded on
    the first day of the new month (ed_assaults_unseen_by_police_pct). A model configured with
    materialized='kept_table' instead:

    1. is left as it is, without running its SQL, when its compiled SQL is the one it was last
       built with and none of the tables it reads has changed since then;
    2. otherwise builds into an intermediate table like dbt's table materialization; with
       config compare_rows=true it compares it with the table it would replace (the row count,
       then EXCEPT ALL both ways): the same rows keep the existing table and the model counts
       as unchanged for the models downstream. Different rows, or no comparison, replace it,
       as the table materialization does. The comparison is configured where the same rows
       are likely (int_indicator_period_counts: a month that completes no period and changes
       no complete one); downstream of it, a model whose inputs changed has changed too, and
       comparing a changed table of a million rows costs more than it saves (1 to 2 s each,
       measured on the national refresh).

    What changed is recorded in ops.dbt_model_changes, one row per model and build (append
    only: two dbt threads never write the same row): when the model's rows last changed
    (changed_at) and when it last looked at its inputs (computed_at), both as the build's
    run_started_at. Every model and seed records itself through the project's post-hook
    (record_model_change: built now, so changed now); a kept_table records itself.

    What counts as an input: the models and seeds the model refs, with views looked through
    (a view holds no rows: it changes when what it reads does). A model reading a source, even
    through a view, always builds: only the loader knows when a raw table changed. A full
    refresh always builds and replaces. -#}

{% macro model_changes_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema='ops',
                                  identifier='dbt_model_changes')) }}
{%- endmacro %}

{% macro create_model_changes() -%}
    create schema if not exists ops;
    create table if not exists {{ model_changes_relation() }} (
        unique_id {{ dbt.type_string() }} not null,
        sql_hash {{ dbt.type_string() }},
        computed_at {{ dbt.type_timestamp() }} not null,
        changed_at {{ dbt.type_timestamp() }} not null
    )
{%- endmacro %}

{% macro run_started() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- project post-hook of every model and seed: it was built now. kept_table records itself. -#}
{% macro record_model_change() -%}
    {%- if config.get('materialized') != 'kept_table' -%}
    insert into {{ model_changes_relation() }} (unique_id, sql_hash, computed_at, changed_at)
    values ('{{ model.unique_id }}', null, {{ run_started() }}, {{ run_started() }})
    {%- endif -%}
{%- endmacro %}

{#- The latest record of each model. -#}
{% macro latest_model_changes() -%}
    select unique_id, sql_hash, computed_at, changed_at
    from (
        select
            unique_id, sql_hash, computed_at, changed_at,
            row_number() over (partition by unique_id order by computed_at desc) as recency
        from {{ model_changes_relation() }}
    ) as ranked
    where recency = 1
{%- endmacro %}

{#- The models and seeds whose rows node_ids read, views looked through; none when one of them
    reads a source. -#}
{% macro kept_inputs(node_ids) -%}
    {%- set inputs = [] -%}
    {%- set pending = node_ids | list -%}
    {%- set seen = [] -%}
    {%- for _ in range(1000) if pending -%}
        {%- set node_id = pending.pop() -%}
        {%- if node_id not in seen -%}
            {%- do seen.append(node_id) -%}
            {%- set node = graph.nodes.get(node_id) -%}
            {%- if node is none -%}
                {{ return(none) }}  {#- a source (or anything not a model or seed) -#}
            {%- elif node.resource_type == 'model' and node.config.materialized in ('view', 'ephemeral') -%}
                {%- do pending.extend(node.depends_on.nodes) -%}
            {%- else -%}
                {%- do inputs.append(node_id) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(inputs | sort) }}
{%- endmacro %}

{#- true when this model was last built from the same SQL and no input has changed since. -#}
{% macro kept_inputs_unchanged(sql_hash) -%}
    {%- set inputs = kept_inputs(model.depends_on.nodes) -%}
    {%- if inputs is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set quoted = [] -%}
    {%- for node_id in inputs -%}{%- do quoted.append("'" ~ node_id ~ "'") -%}{%- endfor -%}
    {%- set query -%}
        with latest as ({{ latest_model_changes() }}),
        own as (
            select computed_at from latest
            where unique_id = '{{ model.unique_id }}' and sql_hash = '{{ sql_hash }}'
        )
        select
            (select count(*) from own) = 1
            {%- if quoted %}
            and (select count(*) from latest where unique_id in ({{ quoted | join(', ') }}))
                = {{ quoted | length }}
            and not exists (
                select 1 from latest
                where unique_id in ({{ quoted | join(', ') }})
                    and changed_at > (select computed_at from own)
            )
            {%- endif %} as unchanged
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0]) }}
{%- endmacro %}

{#- true when the two relations hold the same rows, as many times each: the row counts first
    (a changed table usually differs there), then EXCEPT ALL both ways. -#}
{% macro kept_same_rows(existing, rebuilt) -%}
    {%- set counts -%}
        select (select count(*) from {{ existing }}) = (select count(*) from {{ rebuilt }})
    {%- endset -%}
    {%- if not run_query(counts).columns[0].values()[0] -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set query -%}
        select
            not exists (
                select * from (
                    select * from {{ existing }}
                    except all
                    select * from {{ rebuilt }}
                ) as gone
            )
            and not exists (
                select * from (
                    select * from {{ rebuilt }}
                    except all
                    select * from {{ existing }}
                ) as added
            ) as same_rows
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0]) }}
{%- endmacro %}

{% macro record_kept(sql_hash, changed) -%}
    {%- call statement('record_kept') -%}
        insert into {{ model_changes_relation() }} (unique_id, sql_hash, computed_at, changed_at)
        select
            '{{ model.unique_id }}', '{{ sql_hash }}', {{ run_started() }},
            {%- if changed %}
            {{ run_started() }}
            {%- else %}
            coalesce(
                (select changed_at from ({{ latest_model_changes() }}) as latest
                 where unique_id = '{{ model.unique_id }}'),
                {{ run_started() }})
            {%- endif %}
    {%- endcall -%}
{%- endmacro %}

{% materialization kept_table, default %}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set intermediate_relation = make_intermediate_relation(target_relation) -%}
    {%- set backup_relation = make_backup_relation(
        target_relation, existing_relation.type if existing_relation is not none else 'table') -%}
    {%- set sql_hash = local_md5(compiled_code) -%}
    {%- set comparable = existing_relation is not none and existing_relation.is_table
        and not should_full_refresh() -%}

    {{ drop_relation_if_exists(load_cached_relation(intermediate_relation)) }}
    {{ drop_relation_if_exists(load_cached_relation(backup_relation)) }}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- if comparable and kept_inputs_unchanged(sql_hash) %}
        {{ log(model.name ~ ": inputs unchanged since its last build, left as it is") }}
        {%- call statement('main') -%}
            select 1 as kept
        {%- endcall %}
        {%- do record_kept(sql_hash, changed=false) %}
    {%- else %}
        {%- call statement('main') -%}
            {{ create_table_as(False, intermediate_relation, compiled_code) }}
        {%- endcall %}
        {%- if comparable and config.get('compare_rows', false)
            and kept_same_rows(existing_relation, intermediate_relation) %}
            {{ log(model.name ~ ": rebuilt to the rows it held, left as it is") }}
            {%- do adapter.drop_relation(intermediate_relation) %}
            {%- do record_kept(sql_hash, changed=false) %}
        {%- else %}
            {%- if existing_relation is not none %}
                {{ adapter.rename_relation(existing_relation, backup_relation) }}
            {%- endif %}
            {{ adapter.rename_relation(intermediate_relation, target_relation) }}
            {%- do record_kept(sql_hash, changed=true) %}
        {%- endif %}
    {%- endif %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ drop_relation_if_exists(backup_relation) }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
