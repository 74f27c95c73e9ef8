//! `stripe_events`: the chronological audit trail of every change above — customers,
//! subscriptions, invoices, charges — with the object as JSON, plus upcoming-invoice and
//! customer-update notices. Each event's `created` is the instant of the change it records.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::arrays::*;
use crate::error::Result;
use crate::plans::Plans;
use crate::plans::stripe::{
    Invoice, Outcome, charge_id, customer_id, event_id, invoice_id, notices, subscription_id,
    trial_will_end,
};
use crate::profile::Size;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::{Table, account_shards};
use crate::world::World;

pub struct EventsTable;

pub const EVENT_TYPES: [&str; 17] = [
    "customer.created",
    "customer.updated",
    "customer.subscription.created",
    "customer.subscription.trial_will_end",
    "customer.subscription.deleted",
    "invoice.upcoming",
    "invoice.created",
    "invoice.finalized",
    "invoice.payment_failed",
    "invoice.paid",
    "invoice.payment_succeeded",
    "invoice.voided",
    "invoice.marked_uncollectible",
    "charge.failed",
    "charge.succeeded",
    "price.created",
    "customer.subscription.updated",
];
pub const API_VERSION: &str = "2024-06-20";

/// Columns of `stripe_events`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "stripe_events";
    pub const ID: Col = Col::new(TABLE, "id");
    pub const TYPE: Col = Col::new(TABLE, "type");
    pub const CREATED: Col = Col::new(TABLE, "created");
    pub const OBJECT_TYPE: Col = Col::new(TABLE, "object_type");
    pub const OBJECT_ID: Col = Col::new(TABLE, "object_id");
    pub const CUSTOMER_ID: Col = Col::new(TABLE, "customer_id");
    pub const API_VERSION: Col = Col::new(TABLE, "api_version");
    pub const REQUEST_ID: Col = Col::new(TABLE, "request_id");
    pub const DATA: Col = Col::new(TABLE, "data");
    pub const LIVEMODE: Col = Col::new(TABLE, "livemode");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "Stripe events: the audit trail of every object change.",
        Size::Scaled {
            dev: 10_000,
            qa: 1_000_000,
            production: 4_000_000,
        },
        cols::ID,
        vec![
            col(cols::ID, Text, "Stripe event id (evt_…)."),
            col(cols::TYPE, Text, "Event type.").accepted(&EVENT_TYPES),
            col(cols::CREATED, Timestamp, "When the change happened."),
            col(cols::OBJECT_TYPE, Text, "Type of data.object.").accepted(&[
                "customer",
                "subscription",
                "invoice",
                "charge",
            ]),
            col(cols::OBJECT_ID, Text, "Id of data.object."),
            col(cols::CUSTOMER_ID, Text, "Customer the object belongs to."),
            col(
                cols::API_VERSION,
                Text,
                "API version the event was rendered with.",
            ),
            col(
                cols::REQUEST_ID,
                Text,
                "request.id of the API call; null when automatic.",
            )
            .nullable(),
            col(
                cols::DATA,
                Json,
                "data.object: the object as it was after the change.",
            ),
            col(cols::LIVEMODE, Bool, "Live mode event."),
        ],
        &[(cols::CUSTOMER_ID, "stripe_customers", "id")],
    )
});

struct Event {
    created: i64,
    kind: u8,
    object_type: &'static str,
    object_id: String,
    data: String,
    api_call: bool,
}

fn ev(
    created: i64,
    kind: u8,
    object_type: &'static str,
    object_id: &str,
    data: String,
    api_call: bool,
) -> Event {
    Event {
        created,
        kind,
        object_type,
        object_id: object_id.to_string(),
        data,
        api_call,
    }
}

/// Every event of one account before the cut, in time order.
fn account_events(world: &World, ai: usize) -> Vec<Event> {
    let seed = world.cfg.seed;
    let end = world.cfg.end_ts();
    let a = &world.accounts[ai];
    let cus = customer_id(seed, a.id);
    let mut out = Vec::new();
    let customer = |status: &str| {
        format!(
            r#"{{"object":{{"id":"{cus}","object":"customer","email":"billing@{}","status":"{status}"}}}}"#,
            a.domain
        )
    };
    let sub_body = |id: &str, status: &str| {
        format!(
            r#"{{"object":{{"id":"{id}","object":"subscription","customer":"{cus}","status":"{status}"}}}}"#
        )
    };
    out.push(ev(a.created_at, 0, "customer", &cus, customer("new"), true));
    for si in a.subscriptions.clone() {
        let s = &world.subscriptions[si as usize];
        let id = subscription_id(seed, s.id);
        let first = if s.trial_end.is_some() {
            "trialing"
        } else {
            "active"
        };
        out.push(ev(
            s.started_at,
            2,
            "subscription",
            &id,
            sub_body(&id, first),
            true,
        ));
        if let Some(t) = trial_will_end(s, end) {
            out.push(ev(
                t,
                3,
                "subscription",
                &id,
                sub_body(&id, "trialing"),
                false,
            ));
        }
        if let Some(t) = s.ended_at {
            out.push(ev(
                t,
                4,
                "subscription",
                &id,
                sub_body(&id, "canceled"),
                s.end_reason != Some(3),
            ));
        }
    }
    for (k, inv) in world.billing.of(ai).iter().enumerate() {
        invoice_events(world, &cus, a.id, k, inv, &mut out);
        // A declined card turns the subscription past_due until the invoice is settled.
        if let Some(si) = inv.subscription.filter(|_| inv.turns_past_due()) {
            let s = &world.subscriptions[si as usize];
            let id = subscription_id(seed, s.id);
            let (t, back) = (inv.attempt_time(0), inv.recovers_at(s.ended_at));
            out.push(ev(
                t,
                16,
                "subscription",
                &id,
                sub_body(&id, "past_due"),
                false,
            ));
            if let Some(t) = back {
                out.push(ev(
                    t,
                    16,
                    "subscription",
                    &id,
                    sub_body(&id, "active"),
                    false,
                ));
            }
        }
    }
    // Notices: upcoming renewals a week ahead (the invoice has no id yet: the event names its
    // subscription), and customers updating their details.
    for n in notices(world, &world.billing_fit, ai, end) {
        match n.upcoming {
            Some((si, amount)) => {
                let id = subscription_id(seed, world.subscriptions[si as usize].id);
                let body = format!(
                    r#"{{"object":{{"object":"invoice","customer":"{cus}","subscription":"{id}","status":"draft","amount_due":{amount},"amount_paid":0}}}}"#
                );
                out.push(ev(n.at, 5, "subscription", &id, body, false));
            }
            None => out.push(ev(n.at, 1, "customer", &cus, customer("updated"), true)),
        }
    }
    out.sort_by_key(|e| e.created);
    out
}

/// The trail of one invoice: created and finalized, each charge attempt, paid, voided or marked
/// uncollectible.
fn invoice_events(
    world: &World,
    cus: &str,
    account_id: i64,
    k: usize,
    inv: &Invoice,
    out: &mut Vec<Event>,
) {
    let seed = world.cfg.seed;
    let id = invoice_id(seed, account_id, k);
    let body = |status: &str, paid: i64| {
        format!(
            r#"{{"object":{{"id":"{id}","object":"invoice","customer":"{cus}","status":"{status}","amount_due":{},"amount_paid":{paid}}}}}"#,
            inv.amount
        )
    };
    out.push(ev(inv.created, 6, "invoice", &id, body("draft", 0), false));
    out.push(ev(inv.created, 7, "invoice", &id, body("open", 0), false));
    for attempt in 0..inv.charges() {
        let ch = charge_id(seed, account_id, k, attempt);
        let t = inv.attempt_time(attempt);
        let failed = attempt < u64::from(inv.failed);
        let status = if failed { "failed" } else { "succeeded" };
        let charge = format!(
            r#"{{"object":{{"id":"{ch}","object":"charge","invoice":"{id}","amount":{},"status":"{status}"}}}}"#,
            inv.amount
        );
        let kind = if failed { 13 } else { 14 };
        out.push(ev(t, kind, "charge", &ch, charge, false));
        if failed {
            out.push(ev(t, 8, "invoice", &id, body("open", 0), false));
        }
    }
    if let Some(t) = inv.paid_at() {
        let api_call = inv.outcome == Outcome::OutOfBand;
        out.push(ev(t, 9, "invoice", &id, body("paid", inv.amount), api_call));
        out.push(ev(t, 10, "invoice", &id, body("paid", inv.amount), false));
    }
    match inv.outcome {
        Outcome::Void => out.push(ev(
            inv.closed_at(),
            11,
            "invoice",
            &id,
            body("void", 0),
            true,
        )),
        Outcome::Uncollectible => out.push(ev(
            inv.closed_at(),
            12,
            "invoice",
            &id,
            body("uncollectible", 0),
            false,
        )),
        _ => {}
    }
}

impl Table for EventsTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World, _plans: &Plans) -> Vec<u64> {
        account_shards(world)
            .into_iter()
            .map(|r| r.map(|a| world.billing.events[a]).sum())
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
        let mut rows: Vec<(String, String, Event)> = Vec::with_capacity(BATCH_ROWS);
        let flush = |rows: &mut Vec<(String, String, Event)>,
                     emit: &mut dyn FnMut(RecordBatch) -> Result<()>|
         -> Result<()> {
            let b = batch(
                &SCHEMA,
                vec![
                    texts(rows.iter().map(|r| &r.0)),
                    texts(rows.iter().map(|r| EVENT_TYPES[r.2.kind as usize])),
                    timestamps(rows.iter().map(|r| r.2.created)),
                    texts(rows.iter().map(|r| r.2.object_type)),
                    texts(rows.iter().map(|r| &r.2.object_id)),
                    texts(rows.iter().map(|r| &r.1)),
                    texts(rows.iter().map(|_| API_VERSION)),
                    texts_opt(
                        rows.iter()
                            .map(|r| r.2.api_call.then(|| format!("req_{}", &r.0[4..18]))),
                    ),
                    texts(rows.iter().map(|r| &r.2.data)),
                    bools(rows.iter().map(|_| true)),
                ],
            )?;
            rows.clear();
            emit(b)
        };
        for ai in account_shards(world)[shard].clone() {
            let cus = customer_id(seed, world.accounts[ai].id);
            let events = account_events(world, ai);
            debug_assert_eq!(events.len() as u64, world.billing.events[ai]);
            for (i, e) in events.into_iter().enumerate() {
                let id = event_id(seed, world.accounts[ai].id, i);
                rows.push((id, cus.clone(), e));
                if rows.len() == BATCH_ROWS {
                    flush(&mut rows, emit)?;
                }
            }
        }
        if !rows.is_empty() {
            flush(&mut rows, emit)?;
        }
        Ok(())
    }
}
