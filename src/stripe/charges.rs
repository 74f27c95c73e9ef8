//! `stripe_charges`: card payment attempts on invoices — failures with real decline codes, then
//! the success; succeeded charges of an invoice total its `amount_paid`.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::arrays::*;
use crate::error::Result;
use crate::plans::Plans;
use crate::plans::stripe::{Outcome, charge_id, charge_key, customer_id, invoice_id};
use crate::profile::Size;
use crate::rng::{Rand, stable_hash};
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::{Table, account_shards};
use crate::world::World;

pub struct ChargesTable;

pub const FAILURES: [(&str, &str); 5] = [
    ("card_declined", "Your card was declined."),
    ("insufficient_funds", "Your card has insufficient funds."),
    ("expired_card", "Your card has expired."),
    ("incorrect_cvc", "Your card's security code is incorrect."),
    (
        "processing_error",
        "An error occurred while processing your card.",
    ),
];
const FAILURE_WEIGHTS: [f64; 5] = [45.0, 30.0, 12.0, 5.0, 8.0];
pub const BRANDS: [&str; 4] = ["visa", "mastercard", "amex", "discover"];
const BRAND_WEIGHTS: [f64; 4] = [52.0, 27.0, 15.0, 6.0];

/// Columns of `stripe_charges`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "stripe_charges";
    pub const ID: Col = Col::new(TABLE, "id");
    pub const INVOICE_ID: Col = Col::new(TABLE, "invoice_id");
    pub const CUSTOMER_ID: Col = Col::new(TABLE, "customer_id");
    pub const AMOUNT: Col = Col::new(TABLE, "amount");
    pub const CURRENCY: Col = Col::new(TABLE, "currency");
    pub const STATUS: Col = Col::new(TABLE, "status");
    pub const PAID: Col = Col::new(TABLE, "paid");
    pub const FAILURE_CODE: Col = Col::new(TABLE, "failure_code");
    pub const FAILURE_MESSAGE: Col = Col::new(TABLE, "failure_message");
    pub const OUTCOME_NETWORK_STATUS: Col = Col::new(TABLE, "outcome_network_status");
    pub const OUTCOME_TYPE: Col = Col::new(TABLE, "outcome_type");
    pub const PAYMENT_METHOD_BRAND: Col = Col::new(TABLE, "payment_method_brand");
    pub const PAYMENT_METHOD_COUNTRY: Col = Col::new(TABLE, "payment_method_country");
    pub const CREATED: Col = Col::new(TABLE, "created");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "Stripe card charges for invoices, failed and succeeded.",
        Size::Scaled {
            dev: 1_425,
            qa: 142_500,
            production: 570_000,
        },
        cols::ID,
        vec![
            col(cols::ID, Text, "Stripe charge id (ch_…)."),
            col(cols::INVOICE_ID, Text, "Invoice the charge pays."),
            col(cols::CUSTOMER_ID, Text, "Customer charged."),
            col(cols::AMOUNT, Int64, "Amount attempted, cents."),
            col(cols::CURRENCY, Text, "ISO currency.").accepted(&["usd"]),
            col(cols::STATUS, Text, "Outcome of the charge.").accepted(&[
                "succeeded",
                "pending",
                "failed",
            ]),
            col(cols::PAID, Bool, "Whether the charge succeeded."),
            col(cols::FAILURE_CODE, Text, "Decline code of a failed charge.").nullable(),
            col(
                cols::FAILURE_MESSAGE,
                Text,
                "Decline message of a failed charge.",
            )
            .nullable(),
            col(
                cols::OUTCOME_NETWORK_STATUS,
                Text,
                "outcome.network_status.",
            )
            .accepted(&["approved_by_network", "declined_by_network"]),
            col(cols::OUTCOME_TYPE, Text, "outcome.type.")
                .accepted(&["authorized", "issuer_declined"]),
            col(
                cols::PAYMENT_METHOD_BRAND,
                Text,
                "payment_method_details.card.brand.",
            )
            .accepted(&BRANDS),
            col(cols::PAYMENT_METHOD_COUNTRY, Text, "Card issuing country."),
            col(cols::CREATED, Timestamp, "When the charge was attempted."),
        ],
        &[
            (cols::INVOICE_ID, "stripe_invoices", "id"),
            (cols::CUSTOMER_ID, "stripe_customers", "id"),
        ],
    )
});

struct Row {
    id: String,
    invoice: String,
    customer: String,
    amount: i64,
    failure: Option<usize>,
    brand: usize,
    country: &'static str,
    created: i64,
}

impl Table for ChargesTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World, _plans: &Plans) -> Vec<u64> {
        account_shards(world)
            .into_iter()
            .map(|r| {
                r.map(|a| world.billing.of(a).iter().map(|i| i.charges()).sum::<u64>())
                    .sum()
            })
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
        let build = |r: &[Row]| {
            batch(
                &SCHEMA,
                vec![
                    texts(r.iter().map(|r| &r.id)),
                    texts(r.iter().map(|r| &r.invoice)),
                    texts(r.iter().map(|r| &r.customer)),
                    i64s(r.iter().map(|r| r.amount)),
                    texts(r.iter().map(|_| "usd")),
                    texts(r.iter().map(|r| {
                        if r.failure.is_some() {
                            "failed"
                        } else {
                            "succeeded"
                        }
                    })),
                    bools(r.iter().map(|r| r.failure.is_none())),
                    texts_opt(r.iter().map(|r| r.failure.map(|f| FAILURES[f].0))),
                    texts_opt(r.iter().map(|r| r.failure.map(|f| FAILURES[f].1))),
                    texts(r.iter().map(|r| {
                        if r.failure.is_some() {
                            "declined_by_network"
                        } else {
                            "approved_by_network"
                        }
                    })),
                    texts(r.iter().map(|r| {
                        if r.failure.is_some() {
                            "issuer_declined"
                        } else {
                            "authorized"
                        }
                    })),
                    texts(r.iter().map(|r| BRANDS[r.brand])),
                    texts(r.iter().map(|r| r.country)),
                    timestamps(r.iter().map(|r| r.created)),
                ],
            )
        };
        let mut rows = Batcher::new(build, emit);
        for ai in account_shards(world)[shard].clone() {
            let a = &world.accounts[ai];
            let mut rng = Rand::new(seed, "stripe_charges", a.id as u64);
            let cus = customer_id(seed, a.id);
            // Each customer has a card on file; one in twenty is issued abroad.
            let brand = rng.weighted(&BRAND_WEIGHTS);
            let country = if rng.chance(0.05) {
                rng.pick(&["CA", "GB", "MX", "DE"])
            } else {
                "US"
            };
            for (k, inv) in world.billing.of(ai).iter().enumerate() {
                let invoice = invoice_id(seed, a.id, k);
                for attempt in 0..inv.charges() {
                    let failed = attempt < u64::from(inv.failed);
                    let id = charge_id(seed, a.id, k, attempt);
                    // A decline's reason is the charge's own draw, the same in every cut.
                    let failure = failed.then(|| {
                        let h = stable_hash(
                            seed,
                            "stripe_charges.failure",
                            charge_key(a.id, k, attempt),
                        );
                        Rand::from_hash(h).weighted(&FAILURE_WEIGHTS)
                    });
                    rows.push(Row {
                        id,
                        invoice: invoice.clone(),
                        customer: cus.clone(),
                        amount: inv.amount,
                        failure,
                        brand,
                        country,
                        created: inv.attempt_time(attempt),
                    })?;
                }
                debug_assert!(inv.outcome != Outcome::Void || inv.charges() == 0);
            }
        }
        rows.finish()
    }
}
