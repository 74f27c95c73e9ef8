-- Staging model over raw.app_users: one row per user_id.
select
    user_id,
    account_id,
    email,
    first_name,
    last_name,
    role,
    login_frequency,
    permissions,
    is_active,
    created_at,
    last_login_at,
    _loaded_at
from {{ source('raw', 'app_users') }}
