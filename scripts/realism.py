"""Independent realism figures of a dataset, computed with DuckDB from the Parquet shards alone
(no project code): the measures behind the realism rules of `datagen validate`.

    python3 scripts/realism.py DATASET_DIR
"""
import sys

import duckdb

d = sys.argv[1]
con = duckdb.connect()
for t in ["app_accounts", "app_users", "app_user_sessions", "app_subscriptions", "app_locations",
          "stripe_subscriptions", "marketing_campaign_performance", "marketing_mqls",
          "hubspot_deals", "iot_tap_events", "iot_device_health"]:
    con.execute(f"create view {t} as select * from read_parquet('{d}/{t}/*.parquet')")
end = "timestamptz '2026-01-01 00:00:00+00'"
win = f"({end} - interval 365 day)"


def show(title, sql):
    print(f"## {title}")
    print(con.sql(sql))


show("1. accounts churned in the activity year with no session before churning", f"""
select count(*) filter (where s.n is null) as without_sessions, count(*) as churned_in_year
from app_accounts a left join (select account_id, count(*) n from app_user_sessions group by 1) s using (account_id)
where a.churned_at >= {win} and a.churned_at - greatest(a.created_at, {win}) >= interval 30 day""")
show("1. accounts alive 30+ days of the activity year without sessions", f"""
select count(*) from app_accounts a
where coalesce(a.churned_at, {end}) - greatest(a.created_at, {win}) >= interval 30 day
  and not exists (select 1 from app_user_sessions s where s.account_id = a.account_id)""")
show("1. users whose last login is in the activity year without a session at that instant", f"""
select count(*) from app_users u where u.last_login_at >= {win}
  and not exists (select 1 from app_user_sessions s where s.user_id = u.user_id and s.started_at = u.last_login_at)""")
show("2. MRR range by tier (all accounts)", """
select plan_tier, min(mrr), max(mrr), round(avg(mrr)) from app_accounts group by 1 order by 2""")
show("3. NRR by tier over the last year", f"""
with p as (select * from app_subscriptions where trial_end is null or trial_end <= started_at or true),
s0 as (select account_id, plan_tier, mrr from app_subscriptions
       where started_at <= {win} and coalesce(ended_at, {end}) > {win} and coalesce(trial_end, started_at) <= {win}),
s1 as (select account_id, mrr from app_subscriptions
       where started_at <= {end} - interval 1 microsecond and ended_at is null and coalesce(trial_end, started_at) <= {end})
select s0.plan_tier, round(100.0 * sum(coalesce(s1.mrr, 0)) / sum(s0.mrr), 1) as nrr_pct, count(*) accounts
from s0 left join s1 using (account_id) group by 1 order by 2""")
show("4. spend per new account by year", """
with sp as (select year(date) y, sum(spend) spend from marketing_campaign_performance group by 1),
ac as (select year(created_at) y, count(*) n from app_accounts group by 1)
select y, n new_accounts, round(spend) spend, round(spend / n) per_account from sp join ac using (y) order by y""")
show("5. MQLs and deals per year", """
with m as (select year(became_mql_at) y, count(*) mqls from marketing_mqls group by 1),
dl as (select year(property_createdate) y, count(*) deals from hubspot_deals group by 1),
ac as (select year(created_at) y, count(*) accounts from app_accounts group by 1)
select * from ac left join m using (y) left join dl using (y) order by y""")
show("6. churned basic subscriptions lost to failed payments", """
select count(*) filter (where s.cancellation_reason = 'payment_failed') payment_failed, count(*) churned_basic
from app_subscriptions a join stripe_subscriptions s on s.app_subscription_id = a.subscription_id
where a.end_reason = 'churn' and a.plan_tier = 'basic'""")
show("7. device-days whose pour_count differs from the tap events of that local day (spring change)", """
with ev as (select e.device_id, cast(timezone(l.timezone, e.poured_at) as date) d, count(*) n
  from iot_tap_events e join app_locations l using (location_id)
  where e.poured_at between timestamptz '2025-03-06' and timestamptz '2025-03-13' group by 1, 2)
select h.health_date, count(*) filter (where coalesce(ev.n, 0) <> h.pour_count) mismatched
from iot_device_health h left join ev on ev.device_id = h.device_id and ev.d = h.health_date
where h.health_date between date '2025-03-07' and date '2025-03-10' group by 1 order by 1""")
show("8. timestamps without a time of day", f"""
select
  (select round(100.0 * count(*) filter (where epoch_us(property_createdate) % 86400000000 = 0) / count(*), 2)
     from hubspot_deals where property_dealstage not like 'closed%') open_deals_midnight_pct,
  (select count(*) from hubspot_deals where property_closedate = {end} - interval 1 hour) closing_at_asof_2300,
  (select round(100.0 * count(*) filter (where epoch_us(became_mql_at) % 86400000000 = 0) / count(*), 2) from marketing_mqls) mql_midnight_pct,
  (select round(100.0 * count(*) filter (where epoch_us(became_sql_at) % 3600000000 = 0) / count(became_sql_at), 2) from marketing_mqls) sql_on_hour_pct""")
