-- Staging model over raw.app_page_views: one row per page_view_id.
select
    page_view_id,
    session_id,
    user_id,
    viewed_at,
    page_path,
    page_category,
    view_order,
    time_on_page_s,
    is_exit,
    _loaded_at
from {{ source('raw', 'app_page_views') }}
