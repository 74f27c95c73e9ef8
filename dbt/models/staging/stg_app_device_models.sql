-- Staging model over raw.app_device_models: one row per model_id.
select
    model_id,
    model_name,
    _loaded_at
from {{ source('raw', 'app_device_models') }}
