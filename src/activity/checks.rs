//! Rules of the activity tables read back from disk: session coverage of active users, page
//! views that add up to each session's page count, feature use that the plan tier allowed.

use std::collections::HashMap;

use arrow::array::AsArray;
use arrow::datatypes::{Int32Type, Int64Type, TimestampMicrosecondType};

use super::feature_usage::FEATURES;
use crate::activity::feature_usage::cols as app_feature_usage;
use crate::activity::page_views::cols as app_page_views;
use crate::activity::sessions::cols as app_user_sessions;
use crate::app::accounts::cols as app_accounts;
use crate::app::locations::cols as app_locations;
use crate::app::subscriptions::cols as app_subscriptions;
use crate::app::users::cols as app_users;
use crate::check::{Check, Dataset, share_check_counts};
use crate::error::Result;
use crate::plans::activity::ACTIVITY_DAYS;
use crate::targets;
use crate::time::MICROS_PER_DAY;
use crate::world::TIERS;

/// Values keyed by session id: a vector indexed by `id - min` when the ids are dense (as the
/// generator's are: a third of the memory of a hash map at production size), else a hash map.
enum ById<V> {
    Dense { min: i64, values: Vec<Option<V>> },
    Sparse(HashMap<i64, V>),
}

impl<V: Copy> ById<V> {
    fn new(min: i64, max: i64, len: usize) -> ById<V> {
        let span = (max - min + 1).max(0) as usize;
        if span <= len.saturating_mul(2).max(1024) {
            ById::Dense {
                min,
                values: vec![None; span],
            }
        } else {
            ById::Sparse(HashMap::with_capacity(len))
        }
    }

    fn get(&self, id: i64) -> Option<V> {
        match self {
            ById::Dense { min, values } => usize::try_from(id - min)
                .ok()
                .and_then(|i| values.get(i).copied().flatten()),
            ById::Sparse(m) => m.get(&id).copied(),
        }
    }

    /// The value of `id`, created from `V::default()` when absent.
    fn entry(&mut self, id: i64) -> &mut V
    where
        V: Default,
    {
        match self {
            ById::Dense { min, values } => {
                let i = usize::try_from(id - *min).expect("id inside the dense range");
                values[i].get_or_insert_with(V::default)
            }
            ById::Sparse(m) => m.entry(id).or_default(),
        }
    }

    fn insert(&mut self, id: i64, v: V) {
        match self {
            ById::Dense { min, values } => {
                values[usize::try_from(id - *min).expect("id inside the dense range")] = Some(v)
            }
            ById::Sparse(m) => {
                m.insert(id, v);
            }
        }
    }

    fn for_each(&self, mut f: impl FnMut(i64, V)) {
        match self {
            ById::Dense { min, values } => {
                for (i, v) in values.iter().enumerate() {
                    if let Some(v) = v {
                        f(min + i as i64, *v);
                    }
                }
            }
            ById::Sparse(m) => m.iter().for_each(|(k, v)| f(*k, *v)),
        }
    }
}

/// Sessions by id: (start, end, page count). Session ids are read once for their range, then
/// the rows once more into the map.
fn sessions(ds: &Dataset) -> Result<ById<(i64, i64, i32)>> {
    let (mut min, mut max, mut n) = (i64::MAX, i64::MIN, 0usize);
    ds.scan(&[app_user_sessions::SESSION_ID], |b| {
        for &id in b.column(0).as_primitive::<Int64Type>().values() {
            min = min.min(id);
            max = max.max(id);
            n += 1;
        }
        Ok(())
    })?;
    let mut out = ById::new(min, max, n);
    ds.scan(
        &[
            app_user_sessions::SESSION_ID,
            app_user_sessions::STARTED_AT,
            app_user_sessions::ENDED_AT,
            app_user_sessions::PAGE_COUNT,
        ],
        |b| {
            let id = b.column(0).as_primitive::<Int64Type>().values();
            let s = b
                .column(1)
                .as_primitive::<TimestampMicrosecondType>()
                .values();
            let e = b
                .column(2)
                .as_primitive::<TimestampMicrosecondType>()
                .values();
            let p = b.column(3).as_primitive::<Int32Type>().values();
            for i in 0..b.num_rows() {
                out.insert(id[i], (s[i], e[i], p[i]));
            }
            Ok(())
        },
    )?;
    Ok(out)
}

pub fn session_checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = app_user_sessions::TABLE;
    let users = ds.index(app_users::USER_ID)?;
    let u_account = ds.i64s(app_users::ACCOUNT_ID)?;
    let u_created = ds.instants(app_users::CREATED_AT)?;
    let u_last = ds.timestamps(app_users::LAST_LOGIN_AT)?;
    let u_freq = ds.texts(app_users::LOGIN_FREQUENCY)?;
    let accounts = ds.index(app_accounts::ACCOUNT_ID)?;
    let a_created = ds.instants(app_accounts::CREATED_AT)?;
    let a_churned = ds.timestamps(app_accounts::CHURNED_AT)?;
    let l_account = ds.i64s(app_locations::ACCOUNT_ID)?;
    let l_state = ds.texts(app_locations::STATE)?;
    let mut states: HashMap<i64, Vec<&str>> = HashMap::new();
    for (a, s) in l_account.iter().zip(&l_state) {
        states.entry(*a).or_default().push(s);
    }
    let window = ds.end_ts - ACTIVITY_DAYS * MICROS_PER_DAY;
    let (mut ineligible, mut outside, mut bad_end, mut bad_geo) = (0, 0, 0, 0);
    let mut past_churn = 0;
    let mut count = vec![0u64; u_account.len()];
    // Sessions of each account, and of churned accounts by weeks before the churn.
    let mut by_account = vec![0u64; a_created.len()];
    let mut before_churn = [0u64; 13];
    let mut latest = vec![i64::MIN; u_account.len()];
    // Streamed: at production size the sessions' columns (a text one among them) are too big
    // to hold.
    ds.scan(
        &[
            app_user_sessions::USER_ID,
            app_user_sessions::STARTED_AT,
            app_user_sessions::ENDED_AT,
            app_user_sessions::DURATION_S,
            app_user_sessions::GEO_STATE,
        ],
        |b| {
            let user = b.column(0).as_primitive::<Int64Type>().values();
            let started = b
                .column(1)
                .as_primitive::<TimestampMicrosecondType>()
                .values();
            let ended = b
                .column(2)
                .as_primitive::<TimestampMicrosecondType>()
                .values();
            let duration = b.column(3).as_primitive::<Int64Type>().values();
            let geo = b.column(4).as_string::<i32>();
            for i in 0..b.num_rows() {
                let Some(&u) = users.get(&user[i]) else {
                    continue;
                };
                count[u] += 1;
                latest[u] = latest[u].max(started[i]);
                if let Some(&a) = accounts.get(&u_account[u]) {
                    by_account[a] += 1;
                    if let Some(c) = a_churned[a] {
                        ineligible += usize::from(started[i] >= c);
                        past_churn += usize::from(started[i] < c && ended[i] > c);
                        let week = (c - started[i]).div_euclid(7 * MICROS_PER_DAY);
                        let span = c - 13 * 7 * MICROS_PER_DAY;
                        if (0..13).contains(&week) && span >= window && span >= a_created[a] {
                            before_churn[week as usize] += 1;
                        }
                    }
                }
                let from = u_created[u].max(window);
                outside +=
                    usize::from(started[i] < from || u_last[u].is_none_or(|l| started[i] > l));
                bad_end += usize::from(
                    ended[i] >= ds.end_ts || ended[i] - started[i] != duration[i] * 1_000_000,
                );
                bad_geo += usize::from(
                    !states
                        .get(&u_account[u])
                        .is_some_and(|s| s.contains(&geo.value(i))),
                );
            }
            Ok(())
        },
    )?;
    // Users who logged in inside the activity year, and their login-frequency groups.
    let eligible = |u: usize| u_last[u].is_some_and(|l| l >= u_created[u].max(window));
    let uncovered = (0..count.len())
        .filter(|&u| eligible(u) && Some(latest[u]) != u_last[u])
        .count();
    let last_mismatch = (0..count.len())
        .filter(|&u| count[u] > 0 && Some(latest[u]) != u_last[u])
        .count();
    let mean = |f: &str| {
        let v: Vec<u64> = (0..count.len())
            .filter(|&u| eligible(u) && u_freq[u] == f)
            .map(|u| count[u])
            .collect();
        v.iter().sum::<u64>() as f64 / v.len().max(1) as f64
    };
    let (d, w, m) = (mean("daily"), mean("weekly"), mean("monthly"));
    // Accounts alive 30+ days of the activity year (churned ones included) use the product.
    let lived: Vec<usize> = (0..a_created.len())
        .filter(|&a| {
            a_churned[a].unwrap_or(ds.end_ts) - a_created[a].max(window) >= 30 * MICROS_PER_DAY
        })
        .collect();
    let idle = lived.iter().filter(|&&a| by_account[a] == 0).count();
    let used = 1.0 - idle as f64 / lived.len().max(1) as f64;
    // Fading: sessions in the last two weeks before churn against weeks 5–12 before it, over
    // accounts that lived 13 weeks before churning inside the activity year.
    let late = (before_churn[0] + before_churn[1]) as f64 / 2.0;
    let early = before_churn[4..12].iter().sum::<u64>() as f64 / 8.0;
    let fade = late / early.max(1.0);

    let smallest = ["daily", "weekly", "monthly"]
        .iter()
        .map(|f| {
            (0..count.len())
                .filter(|&u| eligible(u) && u_freq[u] == *f)
                .count()
        })
        .min()
        .unwrap_or(0);
    Ok(vec![
        Check::zero(
            t,
            "every user who last logged in inside the activity year has that session",
            uncovered,
        ),
        Check::zero(t, "no session after the account churned", ineligible),
        Check::zero(t, "sessions end by the account's churn", past_churn),
        Check::new(
            t,
            "accounts alive 30+ days in the activity year have sessions",
            format!("≥ {:.0} %", targets::ACCOUNTS_USING_PRODUCT * 100.0),
            format!("{:.1} % ({idle} of {} without)", used * 100.0, lived.len()),
            used >= targets::ACCOUNTS_USING_PRODUCT,
        )
        .unless_too_few(lived.len() >= 50, format!("{} accounts", lived.len())),
        Check::new(
            t,
            "engagement fades before churn",
            format!(
                "sessions/week in the last 2 weeks ≤ {:.0} % of weeks 5–12 before churn",
                targets::CHURN_FADE_MAX * 100.0
            ),
            format!("{:.0} % ({late:.0} vs {early:.0} a week)", fade * 100.0),
            fade <= targets::CHURN_FADE_MAX,
        )
        .unless_too_few(
            early >= 100.0,
            format!("{early:.0} sessions a week before churn"),
        ),
        Check::zero(
            t,
            "sessions inside the user's life and the activity year",
            outside,
        ),
        Check::zero(
            t,
            "last session starts at the user's last_login_at",
            last_mismatch,
        ),
        Check::zero(
            t,
            "ended_at = started_at + duration, before the as-of date",
            bad_end,
        ),
        Check::zero(
            t,
            "IP geolocates to a state of the account's locations",
            bad_geo,
        ),
        Check::new(
            t,
            "sessions per user follow login frequency",
            "daily > weekly > monthly",
            format!("{d:.1} / {w:.1} / {m:.1}"),
            d > w && w > m,
        )
        .unless_too_few(smallest >= 10, format!("{smallest} users in a group")),
    ])
}

pub fn page_view_checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = app_page_views::TABLE;
    let sessions = sessions(ds)?;
    let (lo, hi, n) = match &sessions {
        ById::Dense { min, values } => (*min, *min + values.len() as i64 - 1, values.len()),
        ById::Sparse(m) => (0, i64::MAX - 1, m.len()),
    };
    let mut seen: ById<(i32, i32, i32)> = ById::new(lo, hi, n);
    let mut unknown: HashMap<i64, (i32, i32, i32)> = HashMap::new();
    let mut outside = 0;
    ds.scan(
        &[
            app_page_views::SESSION_ID,
            app_page_views::VIEWED_AT,
            app_page_views::VIEW_ORDER,
            app_page_views::IS_EXIT,
        ],
        |b| {
            let id = b.column(0).as_primitive::<Int64Type>().values();
            let at = b
                .column(1)
                .as_primitive::<TimestampMicrosecondType>()
                .values();
            let order = b.column(2).as_primitive::<Int32Type>().values();
            let exit = b.column(3).as_boolean();
            for i in 0..b.num_rows() {
                let known = sessions.get(id[i]);
                // Page views of unknown sessions are counted apart (the reference check names
                // them); the dense map only spans real session ids.
                let e = if known.is_some() {
                    seen.entry(id[i])
                } else {
                    unknown.entry(id[i]).or_default()
                };
                e.0 += 1;
                if exit.value(i) {
                    e.1 += 1;
                    e.2 = order[i];
                }
                if let Some((s, end, _)) = known {
                    outside += usize::from(at[i] < s || at[i] > end);
                }
            }
            Ok(())
        },
    )?;
    let mut mismatch = 0;
    sessions.for_each(|id, (_, _, pages)| {
        mismatch += usize::from(seen.get(id).map_or(0, |e| e.0) != pages);
    });
    let mut bad_exit = unknown.values().filter(|e| e.1 != 1 || e.2 != e.0).count();
    seen.for_each(|_, e| bad_exit += usize::from(e.1 != 1 || e.2 != e.0));
    Ok(vec![
        Check::zero(
            t,
            "page views per session equal the session's page_count",
            mismatch,
        ),
        Check::zero(t, "one exit page per session, the last one", bad_exit),
        Check::zero(t, "viewed inside the session", outside),
    ])
}

pub fn feature_usage_checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = app_feature_usage::TABLE;
    let sessions = sessions(ds)?;
    // Plan periods per account, to know the tier at any moment.
    let s_account = ds.i64s(app_subscriptions::ACCOUNT_ID)?;
    let s_start = ds.instants(app_subscriptions::STARTED_AT)?;
    let s_tier = ds.texts(app_subscriptions::PLAN_TIER)?;
    let mut periods: HashMap<i64, Vec<(i64, usize)>> = HashMap::new();
    for i in 0..s_account.len() {
        let tier = TIERS.iter().position(|x| *x == s_tier[i]).unwrap_or(0);
        periods
            .entry(s_account[i])
            .or_default()
            .push((s_start[i], tier));
    }
    periods.values_mut().for_each(|v| v.sort_unstable());
    let (mut not_included, mut wrong_tier, mut unreleased, mut outside) = (0, 0, 0, 0);
    let mut statuses: HashMap<&str, usize> = HashMap::new();
    let newest = FEATURES
        .iter()
        .min_by_key(|f| f.released_days_ago)
        .expect("features");
    let release = ds.anchor_end_ts - newest.released_days_ago * MICROS_PER_DAY;
    let (mut early, mut late, mut early_all, mut late_all) = (0f64, 0f64, 0f64, 0f64);
    let tier_at = |account: i64, at: i64| {
        periods
            .get(&account)
            .and_then(|p| p.iter().rfind(|(s, _)| *s <= at))
            .map_or(0, |p| p.1)
    };
    // Sessions and their feature uses by the plan tier at the session's start.
    let (mut sessions_by_tier, mut uses_by_tier) = ([0u64; 3], [0u64; 3]);
    ds.scan(
        &[app_user_sessions::ACCOUNT_ID, app_user_sessions::STARTED_AT],
        |b| {
            let account = b.column(0).as_primitive::<Int64Type>().values();
            let at = b
                .column(1)
                .as_primitive::<TimestampMicrosecondType>()
                .values();
            for i in 0..b.num_rows() {
                sessions_by_tier[tier_at(account[i], at[i])] += 1;
            }
            Ok(())
        },
    )?;
    let cols = [
        app_feature_usage::SESSION_ID,
        app_feature_usage::ACCOUNT_ID,
        app_feature_usage::FEATURE_NAME,
        app_feature_usage::PLAN_TIER,
        app_feature_usage::USED_AT,
        app_feature_usage::STATUS,
    ];
    ds.scan(&cols, |b| {
        let session = b.column(0).as_primitive::<Int64Type>().values();
        let account = b.column(1).as_primitive::<Int64Type>().values();
        let name = b.column(2).as_string::<i32>();
        let tier_col = b.column(3).as_string::<i32>();
        let at = b
            .column(4)
            .as_primitive::<TimestampMicrosecondType>()
            .values();
        let status = b.column(5).as_string::<i32>();
        for i in 0..b.num_rows() {
            let tier = tier_at(account[i], at[i]);
            wrong_tier += usize::from(tier_col.value(i) != TIERS[tier]);
            match FEATURES.iter().find(|f| f.name == name.value(i)) {
                Some(f) => {
                    not_included += usize::from(usize::from(f.min_tier) > tier);
                    unreleased += usize::from(
                        at[i] < ds.anchor_end_ts - f.released_days_ago * MICROS_PER_DAY,
                    );
                }
                None => not_included += 1,
            }
            if let Some((s, e, _)) = sessions.get(session[i]) {
                outside += usize::from(at[i] < s || at[i] > e);
                uses_by_tier[tier_at(account[i], s)] += 1;
            }
            let s = super::feature_usage::STATUSES
                .iter()
                .find(|s| **s == status.value(i));
            *statuses.entry(s.copied().unwrap_or("other")).or_default() += 1;
            // Adoption: the newest feature's share of use, first 30 days vs the last 30.
            let is_new = name.value(i) == newest.name;
            if (release..release + 30 * MICROS_PER_DAY).contains(&at[i]) {
                early_all += 1.0;
                early += f64::from(u8::from(is_new));
            } else if at[i] >= ds.end_ts - 30 * MICROS_PER_DAY {
                late_all += 1.0;
                late += f64::from(u8::from(is_new));
            }
        }
        Ok(())
    })?;
    let (early, late) = (early / early_all.max(1.0), late / late_all.max(1.0));
    let per_session = [0, 1, 2].map(|t| uses_by_tier[t] as f64 / sessions_by_tier[t].max(1) as f64);
    let fewest = *sessions_by_tier.iter().min().expect("three tiers");
    Ok(vec![
        Check::new(
            t,
            "feature uses per session rise with the plan tier",
            "basic < pro < enterprise",
            format!(
                "{:.2} / {:.2} / {:.2}",
                per_session[0], per_session[1], per_session[2]
            ),
            per_session[0] < per_session[1] && per_session[1] < per_session[2],
        )
        .unless_too_few(fewest >= 500, format!("{fewest} sessions on a tier")),
        Check::zero(
            t,
            "feature included in the account's tier at that moment",
            not_included,
        ),
        Check::zero(
            t,
            "plan_tier is the subscription's tier at used_at",
            wrong_tier,
        ),
        Check::zero(t, "used after the feature's release", unreleased),
        Check::zero(t, "used inside its session", outside),
        share_check_counts(
            t,
            "success / error mix",
            &statuses,
            &[("success", 94.0), ("error", 5.0), ("timeout", 1.0)],
        ),
        Check::new(
            t,
            format!("adoption of {} grows after release", newest.name),
            "share in the last 30 days > first 30 days",
            format!("{:.2} % → {:.2} %", early * 100.0, late * 100.0),
            late > early,
        )
        .unless_too_few(
            early_all >= 50.0 && late_all >= 50.0,
            format!("{early_all} / {late_all} uses"),
        ),
    ])
}
