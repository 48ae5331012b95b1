{{ config(materialized='kept_table') }}  {#- macros/kept_table.sql -#}
-- Numerators and denominators for every area an indicator is published for, pooled from the
-- partnerships' counts (never averaged from their rates):
--  * partnership: the partnership's own counts;
--  * region and england: the sum over the partnerships of the region / of England that
--    have data for the period;
--  * msg: for each partnership, the sum over its 15 most similar partnerships
--    (analytics.most_similar_groups) that have data for the period, not counting itself.
-- Directly standardised rates keep their age bands (stratum) so pooled rates are
-- standardised from pooled band counts and populations.
-- Numerators are counts (whole numbers: exact in any order); denominators can hold fractions
-- (populations of split areas), so they are added in partnership order, not with sum(), whose
-- order changes from build to build (see int_indicator_values_computed).
with counts as (
    select
        counts.*,
        partnerships.partnership_name,
        partnerships.region_code,
        partnerships.region_name
    from {{ ref('int_indicator_period_counts') }} as counts
    inner join {{ ref('dim_partnerships') }} as partnerships
        on counts.partnership_code = partnerships.partnership_code
),

partnership_rows as (
    select
        indicator_id,
        'partnership' as area_type,
        partnership_code as area_code,
        partnership_name as area_name,
        period_type,
        period_start,
        period_end,
        period_label,
        stratum,
        stratum_weight,
        numerator,
        denominator,
        1 as areas_pooled
    from counts
),

{%- for area_type, code, name in [
    ('region', 'region_code', 'region_name'),
    ('england', "'E92000001'", "'England'"),
] %}
{{ area_type }}_rows as (
    select
        indicator_id,
        '{{ area_type }}' as area_type,
        {{ code }} as area_code,
        {{ name }} as area_name,
        period_type,
        period_start,
        period_end,
        period_label,
        stratum,
        stratum_weight,
        sum(numerator) as numerator,
        {{ ordered_sum('denominator', 'partnership_code') }} as denominator,
        count(distinct partnership_code) as areas_pooled
    from counts
    where {{ code }} is not null
    group by
        indicator_id, {{ code }}, {{ name }}, period_type, period_start, period_end,
        period_label, stratum, stratum_weight
),

{% endfor %}
msg_rows as (
    select
        counts.indicator_id,
        'msg' as area_type,
        {{ msg_area_code('groups.partnership_code') }} as area_code,
        {{ dbt.concat(["'Most similar to '", 'min(groups.partnership_name)']) }} as area_name,
        counts.period_type,
        counts.period_start,
        counts.period_end,
        counts.period_label,
        counts.stratum,
        counts.stratum_weight,
        sum(counts.numerator) as numerator,
        {{ ordered_sum('counts.denominator', 'counts.partnership_code') }} as denominator,
        count(distinct counts.partnership_code) as areas_pooled
    from {{ ref('most_similar_groups') }} as groups
    inner join counts on groups.similar_partnership_code = counts.partnership_code
    -- a group is published only beside its partnership's own figure
    inner join (
        select distinct indicator_id, partnership_code, period_type, period_start
        from counts
    ) as own
        on groups.partnership_code = own.partnership_code
        and counts.indicator_id = own.indicator_id
        and counts.period_type = own.period_type
        and counts.period_start = own.period_start
    group by
        counts.indicator_id, groups.partnership_code, counts.period_type, counts.period_start,
        counts.period_end, counts.period_label, counts.stratum, counts.stratum_weight
)

select * from partnership_rows
union all
select * from region_rows
union all
select * from england_rows
union all
select * from msg_rows
