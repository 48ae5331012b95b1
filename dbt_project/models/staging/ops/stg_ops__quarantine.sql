-- One row per row the loader refused (ops.quarantine), renamed and typed.
select
    source,
    file as source_file,
    sha256,
    cast(line_number as bigint) as source_line,
    reason,
    record,
    cast(quarantined_at as timestamp) as quarantined_at
from {{ source('ops', 'quarantine') }}
