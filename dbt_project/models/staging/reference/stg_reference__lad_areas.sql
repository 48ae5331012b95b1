-- Land area of English local authority districts (ONS MYE 5, whole square kilometres).
select
    lad_code,
    area_sq_km
from {{ ref('lad_area_mye2019') }}
