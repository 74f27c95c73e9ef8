//! `stripe_subscriptions`: one per app subscription period, with the same start, trial and end,
//! and Stripe's current billing period.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::arrays::*;
use crate::error::Result;
use crate::plans::Plans;
use crate::plans::stripe::{customer_id, periods, subscription_id};
use crate::profile::Size;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::{Table, account_shards, rows_by_account};
use crate::world::{SUBSCRIPTION_STATUSES, Subscription, World};

pub struct SubscriptionsTable;

/// Columns of `stripe_subscriptions`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "stripe_subscriptions";
    pub const ID: Col = Col::new(TABLE, "id");
    pub const CUSTOMER_ID: Col = Col::new(TABLE, "customer_id");
    pub const APP_SUBSCRIPTION_ID: Col = Col::new(TABLE, "app_subscription_id");
    pub const STATUS: Col = Col::new(TABLE, "status");
    pub const COLLECTION_METHOD: Col = Col::new(TABLE, "collection_method");
    pub const RECURRING_INTERVAL: Col = Col::new(TABLE, "recurring_interval");
    pub const START_DATE: Col = Col::new(TABLE, "start_date");
    pub const BILLING_CYCLE_ANCHOR: Col = Col::new(TABLE, "billing_cycle_anchor");
    pub const CURRENT_PERIOD_START: Col = Col::new(TABLE, "current_period_start");
    pub const CURRENT_PERIOD_END: Col = Col::new(TABLE, "current_period_end");
    pub const TRIAL_START: Col = Col::new(TABLE, "trial_start");
    pub const TRIAL_END: Col = Col::new(TABLE, "trial_end");
    pub const CANCEL_AT_PERIOD_END: Col = Col::new(TABLE, "cancel_at_period_end");
    pub const CANCELED_AT: Col = Col::new(TABLE, "canceled_at");
    pub const ENDED_AT: Col = Col::new(TABLE, "ended_at");
    pub const CANCELLATION_REASON: Col = Col::new(TABLE, "cancellation_reason");
    pub const METADATA: Col = Col::new(TABLE, "metadata");
    pub const CREATED: Col = Col::new(TABLE, "created");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "Stripe subscriptions, one per app subscription period.",
        Size::Scaled {
            dev: 125,
            qa: 12_500,
            production: 50_000,
        },
        cols::ID,
        vec![
            col(cols::ID, Text, "Stripe subscription id (sub_…)."),
            col(cols::CUSTOMER_ID, Text, "Customer billed."),
            col(
                cols::APP_SUBSCRIPTION_ID,
                Int64,
                "The app subscription this mirrors.",
            ),
            col(cols::STATUS, Text, "Status at the as-of date.")
                .accepted(&["trialing", "active", "past_due", "canceled"]),
            col(cols::COLLECTION_METHOD, Text, "How invoices are collected.")
                .accepted(&["charge_automatically", "send_invoice"]),
            col(cols::RECURRING_INTERVAL, Text, "Billing interval.").accepted(&["month", "year"]),
            col(
                cols::START_DATE,
                Timestamp,
                "When the subscription started.",
            ),
            col(
                cols::BILLING_CYCLE_ANCHOR,
                Timestamp,
                "Anchor of the billing periods (end of trial).",
            ),
            col(
                cols::CURRENT_PERIOD_START,
                Timestamp,
                "Start of the current (or last) period.",
            ),
            col(
                cols::CURRENT_PERIOD_END,
                Timestamp,
                "End of the current (or last) period.",
            ),
            col(cols::TRIAL_START, Timestamp, "Trial start.").nullable(),
            col(cols::TRIAL_END, Timestamp, "Trial end.").nullable(),
            col(
                cols::CANCEL_AT_PERIOD_END,
                Bool,
                "Whether it cancels at the period end.",
            ),
            col(cols::CANCELED_AT, Timestamp, "When it was canceled.").nullable(),
            col(cols::ENDED_AT, Timestamp, "When it ended.").nullable(),
            col(
                cols::CANCELLATION_REASON,
                Text,
                "cancellation_details.reason.",
            )
            .nullable()
            .accepted(&[
                "cancellation_requested",
                "payment_failed",
                "payment_disputed",
            ]),
            col(cols::METADATA, Json, "Key-value metadata."),
            col(
                cols::CREATED,
                Timestamp,
                "When the subscription was created.",
            ),
        ],
        &[
            (cols::CUSTOMER_ID, "stripe_customers", "id"),
            (
                cols::APP_SUBSCRIPTION_ID,
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

    fn shard_rows(&self, world: &World, _plans: &Plans) -> Vec<u64> {
        rows_by_account(world, |a| a.subscriptions.len() as u64)
    }

    fn generate(
        &self,
        world: &World,
        _plans: &Plans,
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
                        Some(2) if s.payment_failed => Some("payment_failed"),
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
}
