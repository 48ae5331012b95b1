-- One row per landing file version the loader logged (ops.load_log), renamed and typed.
select
    source,
    file as source_file,
    sha256,
    cast(rows_read as bigint) as rows_read,
    cast(rows_loaded as bigint) as rows_loaded,
    cast(rows_quarantined as bigint) as rows_quarantined,
    status,
    message,
    cast(loaded_at as timestamp) as loaded_at,
    cast(received_at as timestamp) as received_at
from {{ source('ops', 'load_log') }}
