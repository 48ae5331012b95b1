{{ config(materialized='kept_table') }}  {#- macros/kept_table.sql -#}
-- The published indicators: one row per indicator x area x period, for partnerships, their
-- Most Similar Groups, regions and England, with confidence limits, comparisons with England
-- and with the group, rank in the group, quintile across partnerships, recent trend, and the
-- disclosure rule applied. Computed in int_indicator_values_computed (values and limits) and
-- int_indicator_trends (trend); docs/methods.md and docs/indicators.md describe the methods.
--
-- Disclosure control: for indicators whose numerator could identify a person
-- (catalogue.disclosure_control: health, probation, schools, MARAC), a partnership row with
-- a numerator from 1 to 7 is suppressed: numerator, value and limits are NULL, suppressed is
-- true, and it is neither compared, ranked nor placed in a quintile. Groups, regions and
-- England are pooled from many partnerships and are not suppressed.
with computed as (
    select
        computed.*,
        computed.area_type = 'partnership'
        and computed.disclosure_control
        and computed.numerator between 1 and 7 as suppressed
    from {{ ref('int_indicator_values_computed') }} as computed
),

england as (
    select indicator_id, period_type, period_start, value
    from computed
    where area_type = 'england'
),

msg as (
    select
        area_code,
        indicator_id,
        period_type,
        period_start,
        value
    from computed
    where area_type = 'msg'
),

group_members as (
    -- each partnership with its 15 most similar: the group it is ranked in
    select
        partnership_code,
        partnership_code as member_code
    from {{ ref('dim_partnerships') }}
    union all
    select
        partnership_code,
        similar_partnership_code as member_code
    from {{ ref('most_similar_groups') }}
),

group_ranks as (
    select
        members.partnership_code,
        members.indicator_id,
        members.period_type,
        members.period_start,
        members.msg_rank,
        members.msg_size
    from (
        select
            group_members.partnership_code,
            group_members.member_code,
            computed.indicator_id,
            computed.period_type,
            computed.period_start,
            rank() over (
                partition by
                    group_members.partnership_code, computed.indicator_id,
                    computed.period_type, computed.period_start
                order by case when computed.polarity = 'low is good'
                    then computed.value else -computed.value end
            ) as msg_rank,
            count(*) over (
                partition by
                    group_members.partnership_code, computed.indicator_id,
                    computed.period_type, computed.period_start
            ) as msg_size
        from group_members
        inner join computed
            on group_members.member_code = computed.area_code
            and computed.area_type = 'partnership'
        where computed.value is not null
            and not computed.suppressed
            and computed.method != 'count'
    ) as members
    where members.partnership_code = members.member_code
),

published as (
    select
        computed.*,
        england.value as england_value,
        msg.value as msg_value,
        group_ranks.msg_rank,
        group_ranks.msg_size,
        trends.trend
    from computed
    left join england
        on computed.indicator_id = england.indicator_id
        and computed.period_type = england.period_type
        and computed.period_start = england.period_start
    left join msg
        on computed.area_type = 'partnership'
        and msg.area_code = {{ msg_area_code('computed.area_code') }}
        and computed.indicator_id = msg.indicator_id
        and computed.period_type = msg.period_type
        and computed.period_start = msg.period_start
    left join group_ranks
        on computed.area_type = 'partnership'
        and computed.area_code = group_ranks.partnership_code
        and computed.indicator_id = group_ranks.indicator_id
        and computed.period_type = group_ranks.period_type
        and computed.period_start = group_ranks.period_start
    left join {{ ref('int_indicator_trends') }} as trends
        on computed.indicator_id = trends.indicator_id
        and computed.area_type = trends.area_type
        and computed.area_code = trends.area_code
        and computed.period_type = trends.period_type
        and computed.period_start = trends.period_start
),

quintiles as (
    select
        indicator_id,
        area_code,
        period_type,
        period_start,
        {{ stats_quantile('value', 'polarity', 5, 'indicator_id, period_type, period_start') }}
            as quintile
    from published
    where area_type = 'partnership'
        and value is not null
        and not suppressed
        and method != 'count'
)

select
    published.indicator_id,
    published.indicator_name,
    published.area_code,
    published.area_name,
    published.area_type,
    published.period_type,
    published.period_label,
    published.period_start,
    published.period_end,
    case when published.suppressed then null else cast(published.numerator as bigint) end
        as numerator,
    cast(published.denominator as {{ type_double() }}) as denominator,
    published.multiplier,
    case when published.suppressed then null else published.value end as value,
    case when published.suppressed then null else published.lower_95 end as lower_95,
    case when published.suppressed then null else published.upper_95 end as upper_95,
    case when published.suppressed then null else published.lower_998 end as lower_998,
    case when published.suppressed then null else published.upper_998 end as upper_998,
    published.method,
    published.polarity,
    published.england_value,
    case
        when published.suppressed or published.area_type = 'england' then 'not compared'
        else {{ stats_compare(
            'published.value', 'published.lower_95', 'published.upper_95',
            'published.lower_998', 'published.upper_998', 'published.england_value',
            'published.polarity') }}
    end as compared_to_england,
    published.msg_value,
    case
        when published.suppressed or published.area_type != 'partnership' then 'not compared'
        else {{ stats_compare(
            'published.value', 'published.lower_95', 'published.upper_95',
            'published.lower_998', 'published.upper_998', 'published.msg_value',
            'published.polarity') }}
    end as compared_to_msg,
    published.msg_rank,
    published.msg_size,
    cast(quintiles.quintile as bigint) as quintile,
    case
        when published.suppressed then 'cannot be calculated'
        else coalesce(published.trend, 'cannot be calculated')
    end as trend,
    published.suppressed,
    published.areas_pooled
from published
left join quintiles
    on published.area_type = 'partnership'
    and published.indicator_id = quintiles.indicator_id
    and published.area_code = quintiles.area_code
    and published.period_type = quintiles.period_type
    and published.period_start = quintiles.period_start
