-- Staging model over raw.iot_device_health: one row per health_id.
select
    health_id,
    device_id,
    health_date,
    pour_count,
    uptime_pct,
    avg_temperature_c,
    error_count,
    maintenance_event,
    day_status,
    _loaded_at
from {{ source('raw', 'iot_device_health') }}
