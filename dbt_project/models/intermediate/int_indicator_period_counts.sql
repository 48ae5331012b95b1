{{ config(materialized='kept_table', compare_rows=true) }}  {#- macros/kept_table.sql -#}
-- Numerators and denominators of every indicator, by partnership and period, before any
-- statistic: the one table that England, region and Most Similar Group figures are pooled
-- from (int_indicator_area_counts). One row per indicator x partnership x period x stratum;
-- the stratum is 'all' except for directly standardised rates, which keep one row per
-- European Standard Population age band with its weight.
--  * monthly and quarterly sources: a period is kept for a partnership only when its data
--    covers every month (or every quarter) of the period; counts are summed, or for
--    snapshots (aggregation = 'last_month') taken from the period's last month;
--  * hospital admissions: by financial year and age band (directly standardised);
--  * school exclusions: by academic year, kept when the partnership's extracts have records
--    in both September and July of it; persistent absence: the DfE's academic year.
-- Denominators: residents (ONS mid-2019) for population rates, women aged 16+ for MARAC,
-- pupils on roll for exclusions, and the source's own count for proportions.
with catalogue as (
    select * from {{ ref('stg_reference__indicator_catalogue') }}
),

partnership_population as (
    select
        partnerships.partnership_code,
        partnerships.population,
        women.female_16_plus
    from {{ ref('dim_partnerships') }} as partnerships
    left join (
        select
            partnership_code,
            -- populations can hold fractions (shares of a split area): added in a fixed
            -- order so that every build reaches the same last digit
            {{ ordered_sum('population', 'age_band_start, age_band_end, population') }}
                as female_16_plus
        from {{ ref('int_partnership_population_by_age_sex') }}
        where sex = 'female' and age_band_start >= 16
        group by partnership_code
    ) as women on partnerships.partnership_code = women.partnership_code
),

in_periods as (
    select
        counts.indicator_id,
        counts.partnership_code,
        periods.period_type,
        periods.period_start,
        periods.period_end,
        periods.period_label,
        periods.period_months / case catalogue.source_grain when 'quarter' then 3 else 1 end
            as expected_months,
        catalogue.aggregation,
        counts.month_start,
        counts.numerator,
        counts.denominator,
        row_number() over (
            partition by counts.indicator_id, counts.partnership_code,
            periods.period_type, periods.period_start
            order by counts.month_start desc
        ) as recency
    from {{ ref('int_indicator_monthly_counts') }} as counts
    inner join catalogue on counts.indicator_id = catalogue.indicator_id
    inner join {{ ref('int_indicator_periods') }} as periods
        on counts.month_start = periods.month_start
        and {{ catalogue_has_period('catalogue.period_types', 'periods.period_type') }}
),

monthly_sourced as (
    select
        indicator_id,
        partnership_code,
        period_type,
        period_start,
        period_end,
        period_label,
        sum(case when aggregation = 'last_month' and recency > 1 then 0 else numerator end)
            as numerator,
        sum(case when aggregation = 'last_month' and recency > 1 then 0 else denominator end)
            as denominator
    from in_periods
    group by
        indicator_id, partnership_code, period_type, period_start, period_end, period_label
    having count(distinct month_start) = min(expected_months)
),

admissions as (
    select
        partnership_code,
        cast(financial_year_start as date) as period_start,
        financial_year as period_label,
        age_band_start,
        sum(admissions) as admissions
    from {{ ref('fct_hospital_admissions') }}
    where partnership_code is not null
    group by partnership_code, cast(financial_year_start as date), financial_year, age_band_start
),

admission_years as (
    select distinct partnership_code, period_start, period_label
    from admissions
),

esp_bands as (
    select
        partnership_code,
        esp_age_band,
        min(age_band_start) as age_band_start,
        min(esp_weight) as esp_weight,
        {{ ordered_sum('population', 'sex, age_band_start, age_band_end, population') }}
            as population
    from {{ ref('int_partnership_population_by_age_sex') }}
    group by partnership_code, esp_age_band
),

admissions_standardised as (
    -- every ESP band of every partnership-year with admissions data, 0 where none
    select
        'hospital_admissions_violence_dsr' as indicator_id,
        years.partnership_code,
        'financial_year' as period_type,
        years.period_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1, 'years.period_start')) }} as date)
            as period_end,
        years.period_label,
        bands.esp_age_band as stratum,
        cast(bands.esp_weight as {{ type_double() }}) as stratum_weight,
        coalesce(admissions.admissions, 0) as numerator,
        bands.population as denominator
    from admission_years as years
    inner join esp_bands as bands on years.partnership_code = bands.partnership_code
    left join admissions
        on years.partnership_code = admissions.partnership_code
        and years.period_start = admissions.period_start
        and bands.age_band_start = admissions.age_band_start
),

exclusion_years as (
    select
        partnership_code,
        cast(academic_year_start as date) as period_start,
        academic_year as period_label,
        sum(case when is_physical_assault then 1 else 0 end) as assault_exclusions
    from {{ ref('fct_school_exclusions') }}
    where partnership_code is not null
    group by partnership_code, cast(academic_year_start as date), academic_year
    having max(case when extract(month from exclusion_date) = 9 then 1 else 0 end) = 1
        and max(case when extract(month from exclusion_date) = 7 then 1 else 0 end) = 1
),

pupils as (
    select
        partnership_code,
        cast(academic_year_start as date) as period_start,
        sum(pupils) as pupils
    from {{ ref('fct_school_pupils') }}
    where partnership_code is not null
    group by partnership_code, cast(academic_year_start as date)
),

assault_exclusions as (
    select
        'assault_exclusions_per_1000_pupils' as indicator_id,
        exclusion_years.partnership_code,
        'academic_year' as period_type,
        exclusion_years.period_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1, 'exclusion_years.period_start')) }}
            as date) as period_end,
        exclusion_years.period_label,
        exclusion_years.assault_exclusions as numerator,
        pupils.pupils as denominator
    from exclusion_years
    inner join pupils
        on exclusion_years.partnership_code = pupils.partnership_code
        and exclusion_years.period_start = pupils.period_start
),

persistent_absence as (
    -- the DfE publishes a rate and enrolments: the count is enrolments x rate, rounded
    select
        'persistent_absence_pct' as indicator_id,
        partnership_code,
        'academic_year' as period_type,
        cast({{ september_first('academic_year_start') }} as date) as period_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1, september_first('academic_year_start'))) }}
            as date) as period_end,
        academic_year as period_label,
        sum(round(enrolments * persistent_absence_rate / 100.0)) as numerator,
        sum(round(enrolments)) as denominator
    from {{ ref('fct_dfe_attendance_by_la') }}
    where partnership_code is not null
        and not suppressed
        and persistent_absence_rate is not null
        and enrolments > 0
    group by partnership_code, academic_year_start, academic_year
),

unstratified as (
    select * from monthly_sourced
    union all
    select * from assault_exclusions
    union all
    select * from persistent_absence
)

select
    unstratified.indicator_id,
    unstratified.partnership_code,
    unstratified.period_type,
    unstratified.period_start,
    unstratified.period_end,
    unstratified.period_label,
    'all' as stratum,
    cast(null as {{ type_double() }}) as stratum_weight,
    cast(unstratified.numerator as {{ type_double() }}) as numerator,
    cast(case catalogue.denominator_type
        when 'population' then partnership_population.population
        when 'female_16_plus' then partnership_population.female_16_plus
        when 'none' then null
        else unstratified.denominator
    end as {{ type_double() }}) as denominator
from unstratified
inner join catalogue on unstratified.indicator_id = catalogue.indicator_id
left join partnership_population
    on unstratified.partnership_code = partnership_population.partnership_code

union all

select
    indicator_id,
    partnership_code,
    period_type,
    period_start,
    period_end,
    period_label,
    stratum,
    stratum_weight,
    cast(numerator as {{ type_double() }}) as numerator,
    cast(denominator as {{ type_double() }}) as denominator
from admissions_standardised
