-- Staging model over raw.hubspot_tickets: one row per id.
select
    id,
    portal_id,
    is_deleted,
    company_id,
    contact_id,
    device_id,
    property_subject,
    property_category,
    property_hs_ticket_priority,
    property_hs_pipeline,
    property_hs_pipeline_stage,
    property_createdate,
    property_first_agent_reply_date,
    property_closed_date,
    _loaded_at
from {{ source('raw', 'hubspot_tickets') }}
