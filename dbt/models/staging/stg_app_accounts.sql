-- Staging model over raw.app_accounts: one row per account_id.
select
    account_id,
    account_name,
    domain,
    industry,
    plan_tier,
    mrr,
    billing_interval,
    employee_count,
    hq_city,
    hq_state,
    status,
    created_at,
    churned_at,
    _loaded_at
from {{ source('raw', 'app_accounts') }}
