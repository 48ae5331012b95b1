{{ config(materialized='kept_table') }}  {#- macros/kept_table.sql -#}
{#- the order terms are added in: the full row, so rows that tie are the same term -#}
{%- set strata = 'stratum, stratum_weight, numerator, denominator' %}
-- Every indicator's value and 95% / 99.8% confidence limits for every area and period,
-- computed from the pooled counts by the indicator's method (macros/statistics, see
-- docs/methods.md): rates with exact Poisson limits below 10 events and Byar's from 10,
-- proportions with Wilson score limits, directly standardised rates by Dobson's method, and
-- counts as they are. Nothing is suppressed here; analytics.indicator_values applies the
-- disclosure rule.
-- Sums that can hold fractions (age-band populations, the Dobson terms) add their terms in a
-- fixed order (ordered_sum by stratum, macros/cross_db: on DuckDB list_sum over a list ordered
-- by stratum), never with sum(): DuckDB's parallel sum() adds doubles in whatever order its
-- threads meet the rows, so the last binary digit of a standardised rate could change from
-- one build to the next, and `pvw rebuild` must reproduce every published figure exactly
-- (tests/integration/test_rebuild.py).
with collapsed as (
    select
        indicator_id,
        area_type,
        area_code,
        area_name,
        period_type,
        period_start,
        period_end,
        period_label,
        max(areas_pooled) as areas_pooled,
        sum(numerator) as numerator,  -- counts: whole numbers, exact in any order
        {{ ordered_sum('denominator', strata) }} as denominator,
        -- directly standardised rates: sums over age bands (Dobson)
        {{ ordered_sum(
            'case when denominator > 0 then numerator * stratum_weight / denominator end',
            strata) }} as weighted_rate_sum,
        {{ ordered_sum(
            'case when denominator > 0'
            ~ ' then numerator * (stratum_weight / denominator) * (stratum_weight / denominator)'
            ~ ' end',
            strata) }} as weighted_variance_sum,
        sum(case when denominator > 0 then stratum_weight end) as weight_total
    from {{ ref('int_indicator_area_counts') }}
    group by
        indicator_id, area_type, area_code, area_name, period_type, period_start, period_end,
        period_label
),

described as (
    select
        collapsed.*,
        catalogue.indicator_name,
        catalogue.method,
        catalogue.polarity,
        catalogue.multiplier,
        catalogue.disclosure_control
    from collapsed
    inner join {{ ref('stg_reference__indicator_catalogue') }} as catalogue
        on collapsed.indicator_id = catalogue.indicator_id
)

select
    indicator_id,
    indicator_name,
    area_type,
    area_code,
    area_name,
    period_type,
    period_start,
    period_end,
    period_label,
    areas_pooled,
    method,
    polarity,
    multiplier,
    disclosure_control,
    numerator,
    denominator,
    case method
        when 'rate' then {{ stats_rate_value('numerator', 'denominator', 'multiplier') }}
        when 'proportion' then {{ stats_proportion_value('numerator', 'denominator', 'multiplier') }}
        when 'dsr' then {{ stats_dsr_value(
            'weighted_rate_sum', 'weight_total', 'numerator', 'multiplier') }}
        when 'count' then numerator
    end as value,
    {%- for level, confidence in [('95', 0.95), ('998', 0.998)] %}
    {%- for side in ['lower', 'upper'] %}
    {{ indicator_limit(side, confidence) }} as {{ side }}_{{ level }}
    {{- ',' if not (loop.last and level == '998') }}
    {%- endfor %}
    {%- endfor %}
from described
-- a rate or proportion of nothing is undefined, not zero: no row
where method = 'count' or denominator > 0
