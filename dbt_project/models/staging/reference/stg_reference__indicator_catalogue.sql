-- The indicator catalogue (seed), typed.
select
    indicator_id,
    indicator_name,
    agency,
    source_mart,
    numerator_definition,
    denominator_definition,
    denominator_type,
    cast(multiplier as integer) as multiplier,
    unit,
    method,
    polarity,
    period_types,
    source_grain,
    aggregation,
    cast(disclosure_control as boolean) as disclosure_control,
    cast(display_order as integer) as display_order,
    notes
from {{ ref('indicator_catalogue') }}
