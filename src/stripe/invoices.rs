//! `stripe_invoices`: one per billing period of a paid subscription after the billing start,
//! plus hardware invoices for installed devices; never during a trial or after the end.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::arrays::*;
use crate::error::Result;
use crate::plans::Plans;
use crate::plans::stripe::{
    BILLING_REASONS, INVOICE_STATUSES, Invoice, Outcome, customer_id, invoice_id, subscription_id,
};
use crate::profile::Size;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::{Table, account_shards};
use crate::world::World;

pub struct InvoicesTable;

/// Columns of `stripe_invoices`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "stripe_invoices";
    pub const ID: Col = Col::new(TABLE, "id");
    pub const NUMBER: Col = Col::new(TABLE, "number");
    pub const CUSTOMER_ID: Col = Col::new(TABLE, "customer_id");
    pub const SUBSCRIPTION_ID: Col = Col::new(TABLE, "subscription_id");
    pub const BILLING_REASON: Col = Col::new(TABLE, "billing_reason");
    pub const STATUS: Col = Col::new(TABLE, "status");
    pub const COLLECTION_METHOD: Col = Col::new(TABLE, "collection_method");
    pub const CURRENCY: Col = Col::new(TABLE, "currency");
    pub const SUBTOTAL: Col = Col::new(TABLE, "subtotal");
    pub const TOTAL: Col = Col::new(TABLE, "total");
    pub const AMOUNT_DUE: Col = Col::new(TABLE, "amount_due");
    pub const AMOUNT_PAID: Col = Col::new(TABLE, "amount_paid");
    pub const AMOUNT_REMAINING: Col = Col::new(TABLE, "amount_remaining");
    pub const ATTEMPT_COUNT: Col = Col::new(TABLE, "attempt_count");
    pub const PERIOD_START: Col = Col::new(TABLE, "period_start");
    pub const PERIOD_END: Col = Col::new(TABLE, "period_end");
    pub const CREATED: Col = Col::new(TABLE, "created");
    pub const DUE_DATE: Col = Col::new(TABLE, "due_date");
    pub const FINALIZED_AT: Col = Col::new(TABLE, "finalized_at");
    pub const PAID_AT: Col = Col::new(TABLE, "paid_at");
    pub const VOIDED_AT: Col = Col::new(TABLE, "voided_at");
    pub const MARKED_UNCOLLECTIBLE_AT: Col = Col::new(TABLE, "marked_uncollectible_at");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "Stripe invoices: subscription billing periods and hardware purchases.",
        Size::Scaled {
            dev: 1_500,
            qa: 150_000,
            production: 600_000,
        },
        cols::ID,
        vec![
            col(cols::ID, Text, "Stripe invoice id (in_…)."),
            col(cols::NUMBER, Text, "Invoice number shown to the customer."),
            col(cols::CUSTOMER_ID, Text, "Customer billed."),
            col(
                cols::SUBSCRIPTION_ID,
                Text,
                "Subscription billed; null for one-off invoices.",
            )
            .nullable(),
            col(cols::BILLING_REASON, Text, "Why the invoice was created.")
                .accepted(&BILLING_REASONS),
            col(cols::STATUS, Text, "Status at the as-of date.").accepted(&INVOICE_STATUSES),
            col(cols::COLLECTION_METHOD, Text, "How payment is collected.")
                .accepted(&["charge_automatically", "send_invoice"]),
            col(cols::CURRENCY, Text, "ISO currency.").accepted(&["usd"]),
            col(cols::SUBTOTAL, Int64, "Amount before tax, cents."),
            col(cols::TOTAL, Int64, "Total, cents."),
            col(cols::AMOUNT_DUE, Int64, "Amount due, cents."),
            col(cols::AMOUNT_PAID, Int64, "Amount paid, cents."),
            col(cols::AMOUNT_REMAINING, Int64, "Amount still due, cents."),
            col(cols::ATTEMPT_COUNT, Int32, "Card payment attempts."),
            col(cols::PERIOD_START, Timestamp, "Start of the billed period."),
            col(cols::PERIOD_END, Timestamp, "End of the billed period."),
            col(
                cols::CREATED,
                Timestamp,
                "When the invoice was created (and finalized).",
            ),
            col(cols::DUE_DATE, Timestamp, "When payment is due."),
            col(
                cols::FINALIZED_AT,
                Timestamp,
                "status_transitions.finalized_at.",
            ),
            col(cols::PAID_AT, Timestamp, "status_transitions.paid_at.").nullable(),
            col(cols::VOIDED_AT, Timestamp, "status_transitions.voided_at.").nullable(),
            col(
                cols::MARKED_UNCOLLECTIBLE_AT,
                Timestamp,
                "status_transitions.marked_uncollectible_at.",
            )
            .nullable(),
        ],
        &[
            (cols::CUSTOMER_ID, "stripe_customers", "id"),
            (cols::SUBSCRIPTION_ID, "stripe_subscriptions", "id"),
        ],
    )
});

impl Table for InvoicesTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World, _plans: &Plans) -> Vec<u64> {
        account_shards(world)
            .into_iter()
            .map(|r| r.map(|a| world.billing.by_account[a].len() as u64).sum())
            .collect()
    }

    fn generate(
        &self,
        world: &World,
        _plans: &Plans,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let seed = world.cfg.seed;
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
                        if inv(i).by_transfer {
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
                            .map(|i| (inv(i).outcome == Outcome::Void).then(|| inv(i).closed_at())),
                    ),
                    timestamps_opt((0..n).map(|i| {
                        (inv(i).outcome == Outcome::Uncollectible).then(|| inv(i).closed_at())
                    })),
                ],
            )
        };
        let mut rows = Batcher::new(build, emit);
        for ai in account_shards(world)[shard].clone() {
            let a = &world.accounts[ai];
            let cus = customer_id(seed, a.id);
            let prefix: String = cus[4..12].to_uppercase();
            for (k, inv) in world.billing.of(ai).iter().enumerate() {
                let sub = inv
                    .subscription
                    .map(|s| subscription_id(seed, world.subscriptions[s as usize].id));
                rows.push((
                    invoice_id(seed, a.id, k),
                    format!("{prefix}-{:04}", k + 1),
                    cus.clone(),
                    sub,
                    inv,
                ))?;
            }
        }
        rows.finish()
    }
}
