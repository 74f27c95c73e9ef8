//! The cut: the history as it stood at the end of one day. Rows that began by then are kept
//! with their history ids; every column that changes over time takes its value at that instant,
//! from the entity's timeline:
//!
//! - account: status, churn, tier and MRR from its plan periods and churn;
//! - subscription: an end after the cut is not yet known (open, no reason); status trialing,
//!   active, past_due (its latest invoice owed after a declined card) or canceled;
//! - invoice: the attempts made by then; open until paid, written off or voided (see
//!   [`super::billing`]);
//! - device: up and down spells drawn from its own stream since install give its status and
//!   last contact; the firmware is the release it had downloaded by then;
//! - user: the last login is the start of the last session recorded by then (the sessions are
//!   one process over the history, see [`super::logins`]); active unless deactivated or the
//!   account churned.

use super::*;
use rayon::prelude::*;

use super::logins::Life;
use crate::rng::stable_hash;

impl World {
    /// The history at the end of day `as_of`: every table's row count is what the history holds
    /// by then (the profile's exact counts at the anchor).
    pub fn cut(&self, as_of: i64) -> World {
        let mut cfg = self.cfg.clone();
        cfg.as_of = as_of;
        let end = cfg.end_ts();
        let n_cut = self.accounts.partition_point(|a| a.created_at < end);
        let crm = self.crm.cut(self.cfg.seed, end, n_cut);
        let mut w = World {
            // Every table's count is set from the history below; fixed catalogues stay.
            counts: self
                .counts
                .scaled(n_cut as f64 / (cfg.profile.accounts() as f64).max(1.0)),
            cfg,
            accounts: Vec::with_capacity(n_cut),
            locations: Vec::new(),
            users: Vec::new(),
            devices: Vec::new(),
            subscriptions: Vec::new(),
            logins: self.logins,
            activity: Vec::new(),
            billing_fit: self.billing_fit.clone(),
            billing: Default::default(),
            pours: self.pours,
            device_pours: Vec::new(),
            funnel: std::sync::Arc::new(self.funnel.cut(&crm, end)),
            crm: std::sync::Arc::new(crm),
            campaigns: std::sync::Arc::clone(&self.campaigns),
            ga_days: super::traffic::ga_days(&self.cfg, self.counts.get("ga_sessions"), as_of).1,
        };
        // Each account's invoices as they stood (subscriptions numbered from the account's).
        let mut bills: Vec<Vec<billing::Invoice>> = (0..n_cut)
            .into_par_iter()
            .map(|i| billing::invoices_at(self, &self.billing_fit, i, end))
            .collect();
        // The cut's lists sized once: the history is still held beside them.
        w.billing
            .invoices
            .reserve_exact(bills.iter().map(Vec::len).sum());
        w.billing.by_account.reserve_exact(n_cut);
        let by_end = |times: &mut dyn Iterator<Item = i64>| times.filter(|&t| t < end).count();
        w.subscriptions
            .reserve_exact(by_end(&mut self.subscriptions.iter().map(|s| s.started_at)));
        w.locations
            .reserve_exact(by_end(&mut self.locations.iter().map(|l| l.created_at)));
        w.devices
            .reserve_exact(by_end(&mut self.devices.iter().map(|d| d.installed_at)));
        w.users
            .reserve_exact(by_end(&mut self.users.iter().map(|u| u.created_at)));
        for (i, a) in self.accounts[..n_cut].iter().enumerate() {
            let churned_at = a.churned_at.filter(|&c| c < end);
            let first_sub = w.subscriptions.len() as u32;
            for s in
                &self.subscriptions[a.subscriptions.start as usize..a.subscriptions.end as usize]
            {
                if s.started_at < end {
                    w.subscriptions.push(subscription_at(s, end));
                }
            }
            let subs = first_sub..w.subscriptions.len() as u32;
            // Invoices as they stood; a live subscription whose latest invoice is owed after a
            // declined card is past_due.
            let first_invoice = w.billing.invoices.len() as u32;
            let mut invoices = std::mem::take(&mut bills[i]);
            for inv in &mut invoices {
                inv.subscription = inv.subscription.map(|s| s + first_sub);
            }
            for si in subs.clone() {
                let latest = invoices
                    .iter()
                    .rev()
                    .find(|inv| inv.subscription == Some(si));
                let s = &mut w.subscriptions[si as usize];
                if s.status == 1 && latest.is_some_and(|inv| inv.owed_at(end)) {
                    s.status = 2;
                }
            }
            w.billing.invoices.extend(invoices);
            w.billing
                .by_account
                .push(first_invoice..w.billing.invoices.len() as u32);
            let last = &w.subscriptions[subs.end as usize - 1];
            let trialing = last.trial_end.is_some_and(|t| t >= end) && churned_at.is_none();
            let status = match (churned_at, trialing) {
                (Some(_), _) => 2,
                (None, true) => 0,
                _ => 1,
            };
            let (tier, mrr_dollars) = (last.tier, last.mrr_dollars);
            let first_loc = w.locations.len() as u32;
            for l in &self.locations[a.locations.start as usize..a.locations.end as usize] {
                if l.created_at >= end {
                    continue;
                }
                let first_dev = w.devices.len() as u32;
                let li = w.locations.len() as u32;
                for d in &self.devices[l.devices.start as usize..l.devices.end as usize] {
                    if d.installed_at < end {
                        let mut d = device_at(self, d, &w.cfg);
                        d.location = li;
                        w.devices.push(d);
                    }
                }
                w.locations.push(Location {
                    id: l.id,
                    account: i as u32,
                    name: l.name.clone(),
                    kind: l.kind,
                    street: l.street.clone(),
                    city: l.city,
                    zip: l.zip,
                    created_at: l.created_at,
                    devices: first_dev..w.devices.len() as u32,
                });
            }
            let first_user = w.users.len() as u32;
            for u in &self.users[a.users.start as usize..a.users.end as usize] {
                if u.created_at < end {
                    w.users.push(user_at(u, churned_at, end));
                }
            }
            w.accounts.push(Account {
                id: a.id,
                name: a.name.clone(),
                domain: a.domain.clone(),
                industry: a.industry,
                tier,
                employees: a.employees,
                created_at: a.created_at,
                status,
                churned_at,
                churns_at: a.churns_at,
                mrr_dollars,
                annual_billing: a.annual_billing,
                hq_city: a.hq_city,
                locations: first_loc..w.locations.len() as u32,
                users: first_user..w.users.len() as u32,
                subscriptions: subs,
            });
        }
        // Each user's last login and activity year, from the session process.
        let fit = w.logins;
        let (logins, activity): (Vec<Option<i64>>, Vec<_>) = w
            .users
            .par_iter()
            .map(|u| match Life::of(&w, u) {
                Some(l) => (l.last_login(&fit, end), l.activity(&fit, end)),
                None => (None, Default::default()),
            })
            .unzip();
        for (u, l) in w.users.iter_mut().zip(logins) {
            u.last_login_at = l;
        }
        let total = |f: fn(&super::logins::Activity) -> u32| -> u64 {
            activity.iter().map(|a| u64::from(f(a))).sum()
        };
        let (sessions, pages, uses) =
            (total(|a| a.sessions), total(|a| a.pages), total(|a| a.uses));
        w.activity = activity;
        // Stripe: the invoices, their attempts and every event by then.
        let fit = &w.billing_fit;
        w.billing.events = (0..w.accounts.len())
            .into_par_iter()
            .map(|ai| {
                billing::trail_len(&w, ai, w.billing.of(ai), end)
                    + billing::notices(&w, fit, ai, end).len() as u64
            })
            .collect();
        let events: u64 = w.billing.events.iter().sum();
        // IoT: every device's pours reported by then.
        w.device_pours = super::pours::in_cut(&w);
        let pours: u64 = w
            .device_pours
            .iter()
            .flat_map(|c| c.pours)
            .map(u64::from)
            .sum();
        let charges: u64 = w.billing.invoices.iter().map(|i| i.charges()).sum();
        // Marketing: the campaigns started by then and their days so far.
        let campaigns = w.campaigns.started_by(as_of);
        let campaign_days: u64 = w.campaigns.all[..campaigns]
            .iter()
            .map(|c| (c.last_day.min(as_of) - c.first_day + 1) as u64)
            .sum();
        w.counts = w
            .counts
            .clone()
            .with("app_accounts", w.accounts.len() as u64)
            .with("stripe_customers", w.accounts.len() as u64)
            .with("app_locations", w.locations.len() as u64)
            .with("app_users", w.users.len() as u64)
            .with("app_devices", w.devices.len() as u64)
            .with("app_subscriptions", w.subscriptions.len() as u64)
            .with("app_user_sessions", sessions)
            .with("app_page_views", pages)
            .with("app_feature_usage", uses)
            // Stripe mirrors every plan period, with a line per add-on.
            .with("stripe_subscriptions", w.subscriptions.len() as u64)
            .with("stripe_invoices", w.billing.invoices.len() as u64)
            .with("stripe_charges", charges)
            .with("stripe_events", events)
            .with("iot_tap_events", pours)
            .with("hubspot_companies", w.crm.companies.len() as u64)
            .with("hubspot_contacts", w.crm.contacts.len() as u64)
            .with("hubspot_deals", w.crm.deals.len() as u64)
            .with(
                "hubspot_engagements",
                w.crm.deals.iter().map(|d| u64::from(d.engaged)).sum(),
            )
            .with("marketing_campaigns", campaigns as u64)
            .with("marketing_campaign_performance", campaign_days)
            .with("ga_sessions", w.ga_days.iter().sum())
            .with("marketing_mqls", w.funnel.mqls.len() as u64)
            .with(
                "marketing_attribution_touchpoints",
                w.funnel.conversions.iter().map(|c| c.touches).sum(),
            )
            .with(
                "hubspot_tickets",
                w.crm.companies.iter().map(|c| u64::from(c.ticketed)).sum(),
            )
            .with(
                "stripe_subscription_items",
                w.subscriptions
                    .iter()
                    .map(|s| 1 + s.addons.len() as u64)
                    .sum(),
            );
        w
    }
}

/// A plan period as it stood at `end` (past_due is decided from its invoices, after).
fn subscription_at(s: &Subscription, end: i64) -> Subscription {
    let mut s = s.clone();
    if s.ended_at.is_some_and(|e| e >= end) {
        s.ended_at = None;
        s.end_reason = None;
        s.payment_failed = false;
    }
    s.status = if s.ended_at.is_some() {
        3
    } else if s.trial_end.is_some_and(|t| t >= end) {
        0
    } else {
        1
    };
    s
}

/// A device as it stood at the end of the cut: its status and last contact from its spells
/// (see [`super::pours`]), its firmware from that.
fn device_at(history: &World, d: &Device, cfg: &Config) -> Device {
    let end = cfg.end_ts();
    let spells = super::pours::Spells::of(history, d, end);
    let (status, last_seen_at) = spells.seen_at(cfg.seed, d.id, end);
    let days_from_anchor = time::day_of(last_seen_at) - cfg.anchor;
    let newest = FIRMWARE
        .iter()
        .rposition(|&(_, day)| day <= days_from_anchor)
        .unwrap_or(0);
    // One device in five lags a release behind.
    let lags = stable_hash(cfg.seed, "world.firmware", d.id as u64).is_multiple_of(5);
    let firmware = if newest > 0 && lags {
        newest - 1
    } else {
        newest
    } as u8;
    Device {
        firmware,
        status,
        last_seen_at,
        ..d.clone()
    }
}

/// A user as it stood at `end`: active unless deactivated or the account churned (the last
/// login comes from the session process, after).
fn user_at(u: &User, churned: Option<i64>, end: i64) -> User {
    let deactivated = u.deactivated_at.filter(|&t| t < end);
    User {
        is_active: churned.is_none() && deactivated.is_none(),
        last_login_at: None,
        ..u.clone()
    }
}
