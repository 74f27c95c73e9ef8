//! `stripe_invoices`: one per billing period of a paid subscription after the billing start,
//! plus hardware invoices for installed devices; never during a trial or after the end.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use super::{
    BILLING_REASONS, INVOICE_STATUSES, Invoice, Outcome, StripePlan, customer_id, stripe_id,
    subscription_id,
};
use crate::arrays::*;
use crate::error::Result;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::{Table, account_shards};
use crate::world::World;

pub struct InvoicesTable;

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        "stripe_invoices",
        "Stripe invoices: subscription billing periods and hardware purchases.",
        "id",
        vec![
            col("id", Text, "Stripe invoice id (in_…)."),
            col("number", Text, "Invoice number shown to the customer."),
            col("customer_id", Text, "Customer billed."),
            col(
                "subscription_id",
                Text,
                "Subscription billed; null for one-off invoices.",
            )
            .nullable(),
            col("billing_reason", Text, "Why the invoice was created.").accepted(&BILLING_REASONS),
            col("status", Text, "Status at the as-of date.").accepted(&INVOICE_STATUSES),
            col("collection_method", Text, "How payment is collected.")
                .accepted(&["charge_automatically", "send_invoice"]),
            col("currency", Text, "ISO currency.").accepted(&["usd"]),
            col("subtotal", Int64, "Amount before tax, cents."),
            col("total", Int64, "Total, cents."),
            col("amount_due", Int64, "Amount due, cents."),
            col("amount_paid", Int64, "Amount paid, cents."),
            col("amount_remaining", Int64, "Amount still due, cents."),
            col("attempt_count", Int32, "Card payment attempts."),
            col("period_start", Timestamp, "Start of the billed period."),
            col("period_end", Timestamp, "End of the billed period."),
            col(
                "created",
                Timestamp,
                "When the invoice was created (and finalized).",
            ),
            col("due_date", Timestamp, "When payment is due."),
            col(
                "finalized_at",
                Timestamp,
                "status_transitions.finalized_at.",
            ),
            col("paid_at", Timestamp, "status_transitions.paid_at.").nullable(),
            col("voided_at", Timestamp, "status_transitions.voided_at.").nullable(),
            col(
                "marked_uncollectible_at",
                Timestamp,
                "status_transitions.marked_uncollectible_at.",
            )
            .nullable(),
        ],
        &[
            ("customer_id", "stripe_customers", "id"),
            ("subscription_id", "stripe_subscriptions", "id"),
        ],
    )
});

/// Invoice id: per account, by position in the account's invoices.
pub fn invoice_id(seed: u64, account_id: i64, k: usize) -> String {
    stripe_id("in_", seed, "invoice", (account_id as u64) << 20 | k as u64)
}

/// When an unpaid invoice gave up (after its last attempt) or was voided.
pub fn closed_at(inv: &Invoice) -> i64 {
    inv.attempt_time(u64::from(inv.failed)) + super::MICROS_PER_DAY
}

impl Table for InvoicesTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World) -> Vec<u64> {
        let plan = StripePlan::of(world);
        account_shards(world)
            .into_iter()
            .map(|r| r.map(|a| plan.by_account[a].len() as u64).sum())
            .collect()
    }

    fn generate(
        &self,
        world: &World,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let plan = StripePlan::of(world);
        let seed = world.cfg.seed;
        let mut rows: Vec<(String, String, String, Option<String>, &Invoice)> = Vec::new();
        for ai in account_shards(world)[shard].clone() {
            let a = &world.accounts[ai];
            let cus = customer_id(seed, a.id);
            let prefix: String = cus[4..12].to_uppercase();
            for (k, inv) in plan.invoices_of(ai).iter().enumerate() {
                let sub = inv
                    .subscription
                    .map(|s| subscription_id(seed, world.subscriptions[s as usize].id));
                rows.push((
                    invoice_id(seed, a.id, k),
                    format!("{prefix}-{:04}", k + 1),
                    cus.clone(),
                    sub,
                    inv,
                ));
            }
        }
        let build = |r: &[(String, String, String, Option<String>, &Invoice)]| {
            let inv = |i: usize| r[i].4;
            let n = r.len();
            batch(
                &SCHEMA,
                vec![
                    texts(r.iter().map(|r| &r.0)),
                    texts(r.iter().map(|r| &r.1)),
                    texts(r.iter().map(|r| &r.2)),
                    texts_opt(r.iter().map(|r| r.3.as_deref())),
                    texts((0..n).map(|i| BILLING_REASONS[inv(i).reason as usize])),
                    texts((0..n).map(|i| INVOICE_STATUSES[inv(i).outcome.status() as usize])),
                    texts((0..n).map(|i| {
                        if inv(i).outcome == Outcome::OutOfBand {
                            "send_invoice"
                        } else {
                            "charge_automatically"
                        }
                    })),
                    texts((0..n).map(|_| "usd")),
                    i64s((0..n).map(|i| inv(i).amount)),
                    i64s((0..n).map(|i| inv(i).amount)),
                    i64s((0..n).map(|i| inv(i).amount)),
                    i64s((0..n).map(|i| if inv(i).paid() { inv(i).amount } else { 0 })),
                    i64s((0..n).map(|i| {
                        if inv(i).paid() || inv(i).outcome == Outcome::Void {
                            0
                        } else {
                            inv(i).amount
                        }
                    })),
                    i32s((0..n).map(|i| inv(i).charges() as i32)),
                    timestamps((0..n).map(|i| inv(i).period_start)),
                    timestamps((0..n).map(|i| inv(i).period_end)),
                    timestamps((0..n).map(|i| inv(i).created)),
                    timestamps((0..n).map(|i| inv(i).due())),
                    timestamps((0..n).map(|i| inv(i).created)),
                    timestamps_opt((0..n).map(|i| inv(i).paid_at())),
                    timestamps_opt(
                        (0..n)
                            .map(|i| (inv(i).outcome == Outcome::Void).then(|| closed_at(inv(i)))),
                    ),
                    timestamps_opt((0..n).map(|i| {
                        (inv(i).outcome == Outcome::Uncollectible).then(|| closed_at(inv(i)))
                    })),
                ],
            )
        };
        emit_chunks(&rows, build, emit)
    }

    fn checks(&self, ds: &crate::validate::Dataset) -> Result<Vec<crate::validate::Check>> {
        super::checks::invoice_checks(ds)
    }
}
