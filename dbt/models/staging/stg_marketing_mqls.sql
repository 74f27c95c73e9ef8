-- Staging model over raw.marketing_mqls: one row per mql_id.
select
    mql_id,
    contact_id,
    company_id,
    became_mql_at,
    lead_score_at_creation,
    lead_score_at_mql,
    source_channel,
    campaign_id,
    status,
    became_sql_at,
    deal_id,
    converted_account_id,
    _loaded_at
from {{ source('raw', 'marketing_mqls') }}
