//! `stripe_subscriptions`: one per app subscription period, with the same start, trial and end,
//! and Stripe's current billing period.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use super::{customer_id, periods, subscription_id};
use crate::arrays::*;
use crate::error::Result;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::{Table, account_shards, rows_by_account};
use crate::world::{SUBSCRIPTION_STATUSES, Subscription, World};

pub struct SubscriptionsTable;

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        "stripe_subscriptions",
        "Stripe subscriptions, one per app subscription period.",
        "id",
        vec![
            col("id", Text, "Stripe subscription id (sub_…)."),
            col("customer_id", Text, "Customer billed."),
            col(
                "app_subscription_id",
                Int64,
                "The app subscription this mirrors.",
            ),
            col("status", Text, "Status at the as-of date.")
                .accepted(&["trialing", "active", "past_due", "canceled"]),
            col("collection_method", Text, "How invoices are collected.")
                .accepted(&["charge_automatically", "send_invoice"]),
            col("recurring_interval", Text, "Billing interval.").accepted(&["month", "year"]),
            col("start_date", Timestamp, "When the subscription started."),
            col(
                "billing_cycle_anchor",
                Timestamp,
                "Anchor of the billing periods (end of trial).",
            ),
            col(
                "current_period_start",
                Timestamp,
                "Start of the current (or last) period.",
            ),
            col(
                "current_period_end",
                Timestamp,
                "End of the current (or last) period.",
            ),
            col("trial_start", Timestamp, "Trial start.").nullable(),
            col("trial_end", Timestamp, "Trial end.").nullable(),
            col(
                "cancel_at_period_end",
                Bool,
                "Whether it cancels at the period end.",
            ),
            col("canceled_at", Timestamp, "When it was canceled.").nullable(),
            col("ended_at", Timestamp, "When it ended.").nullable(),
            col("cancellation_reason", Text, "cancellation_details.reason.")
                .nullable()
                .accepted(&[
                    "cancellation_requested",
                    "payment_failed",
                    "payment_disputed",
                ]),
            col("metadata", Json, "Key-value metadata."),
            col("created", Timestamp, "When the subscription was created."),
        ],
        &[
            ("customer_id", "stripe_customers", "id"),
            (
                "app_subscription_id",
                "app_subscriptions",
                "subscription_id",
            ),
        ],
    )
});

/// Current (or last) period of a subscription: the trial while trialing.
pub fn current_period(s: &Subscription, end: i64) -> (i64, i64) {
    periods(s, end)
        .last()
        .copied()
        .unwrap_or((s.started_at, s.trial_end.unwrap_or(s.started_at)))
}

impl Table for SubscriptionsTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World) -> Vec<u64> {
        rows_by_account(world, |a| a.subscriptions.len() as u64)
    }

    fn generate(
        &self,
        world: &World,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let r = account_shards(world)[shard].clone();
        let (first, last) = (
            world.accounts[r.start].subscriptions.start,
            world.accounts[r.end - 1].subscriptions.end,
        );
        let seed = world.cfg.seed;
        let end = world.cfg.end_ts();
        let build = |s: &[Subscription]| {
            let account = |s: &Subscription| &world.accounts[s.account as usize];
            batch(
                &SCHEMA,
                vec![
                    texts(s.iter().map(|s| subscription_id(seed, s.id))),
                    texts(s.iter().map(|s| customer_id(seed, account(s).id))),
                    i64s(s.iter().map(|s| s.id)),
                    texts(s.iter().map(|s| SUBSCRIPTION_STATUSES[s.status as usize])),
                    texts(s.iter().map(|s| {
                        if s.tier == 2 && s.annual {
                            "send_invoice"
                        } else {
                            "charge_automatically"
                        }
                    })),
                    texts(s.iter().map(|s| if s.annual { "year" } else { "month" })),
                    timestamps(s.iter().map(|s| s.started_at)),
                    timestamps(s.iter().map(|s| s.trial_end.unwrap_or(s.started_at))),
                    timestamps(s.iter().map(|s| current_period(s, end).0)),
                    timestamps(s.iter().map(|s| current_period(s, end).1)),
                    timestamps_opt(s.iter().map(|s| s.trial_end.map(|_| s.started_at))),
                    timestamps_opt(s.iter().map(|s| s.trial_end)),
                    bools(s.iter().map(|_| false)),
                    timestamps_opt(s.iter().map(|s| s.ended_at)),
                    timestamps_opt(s.iter().map(|s| s.ended_at)),
                    texts_opt(s.iter().map(|s| match s.end_reason {
                        Some(2) | Some(3) => Some("cancellation_requested"),
                        _ => None,
                    })),
                    texts(s.iter().map(|s| {
                        format!(
                            r#"{{"account_id":"{}","app_subscription_id":"{}"}}"#,
                            account(s).id,
                            s.id
                        )
                    })),
                    timestamps(s.iter().map(|s| s.started_at)),
                ],
            )
        };
        emit_chunks(
            &world.subscriptions[first as usize..last as usize],
            build,
            emit,
        )
    }

    fn checks(&self, ds: &crate::validate::Dataset) -> Result<Vec<crate::validate::Check>> {
        super::checks::subscription_checks(ds)
    }
}
