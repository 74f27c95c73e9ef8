//! An invoice of the billing history and how it ends, as settled and as it stood at a cut.

use super::*;

/// How an invoice was settled (in a cut: how it stood).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Paid by card at the first attempt.
    Card,
    /// Paid by card after failed attempts (Smart Retries), possibly after the due date.
    Retried,
    /// Paid outside Stripe's card flow (bank transfer against a sent invoice).
    OutOfBand,
    /// Not settled yet at the cut: its attempts so far failed, or its transfer is on the way.
    Open,
    Uncollectible,
    Void,
}

impl Outcome {
    pub fn status(self) -> u8 {
        match self {
            Outcome::Card | Outcome::Retried | Outcome::OutOfBand => 0,
            Outcome::Open => 1,
            Outcome::Uncollectible => 2,
            Outcome::Void => 3,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Invoice {
    pub account: u32,
    /// Index into the world's subscriptions, or None for a hardware or service invoice.
    pub subscription: Option<u32>,
    pub created: i64,
    pub period_start: i64,
    pub period_end: i64,
    pub amount: i64,
    pub reason: u8,
    pub outcome: Outcome,
    /// Failed charge attempts before success (or in total, when never paid).
    pub failed: u8,
    /// Days a bank transfer took (out-of-band payments): 9, or late past the 14-day due date.
    pub transfer_days: u8,
    /// The last invoice of a period lost to failed payments.
    pub lost: bool,
    /// Sent to be paid by bank transfer (collection method `send_invoice`), from its creation.
    pub by_transfer: bool,
    /// Where the bank-transfer split puts a card-paid invoice (uniform).
    pub(super) split: f64,
    /// The invoice's own hash, and its billing-start tiebreak.
    pub(super) key: u64,
}

impl Invoice {
    pub fn charges(&self) -> u64 {
        u64::from(self.failed) + u64::from(matches!(self.outcome, Outcome::Card | Outcome::Retried))
    }

    pub fn paid(&self) -> bool {
        self.outcome.status() == 0
    }

    /// Charge attempts are three days apart after finalisation; a paid invoice is paid at the last.
    pub fn attempt_time(&self, k: u64) -> i64 {
        self.created + MICROS_PER_HOUR + k as i64 * 3 * MICROS_PER_DAY
    }

    pub fn due(&self) -> i64 {
        self.created + 14 * MICROS_PER_DAY
    }

    pub fn paid_at(&self) -> Option<i64> {
        match self.outcome {
            Outcome::Card | Outcome::Retried => Some(self.attempt_time(u64::from(self.failed))),
            Outcome::OutOfBand => {
                Some(self.created + i64::from(self.transfer_days) * MICROS_PER_DAY)
            }
            _ => None,
        }
    }

    /// When an unpaid invoice gave up (a day after its last attempt) or was voided.
    pub fn closed_at(&self) -> i64 {
        self.attempt_time(u64::from(self.failed)) + MICROS_PER_DAY
    }

    /// When the invoice was settled one way or the other; None while open.
    pub fn settled_at(&self) -> Option<i64> {
        match self.outcome {
            Outcome::Open => None,
            Outcome::Uncollectible | Outcome::Void => Some(self.closed_at()),
            _ => self.paid_at(),
        }
    }

    /// The invoice as it stood at `end`: attempts after it not yet made, open until settled.
    pub(super) fn at(mut self, end: i64) -> Invoice {
        let settled = self.settled_at().expect("a history invoice is settled");
        if settled < end {
            return self;
        }
        let made = (0..u64::from(self.failed))
            .take_while(|&k| self.attempt_time(k) < end)
            .count();
        let failed = match self.outcome {
            Outcome::Retried | Outcome::Uncollectible => made as u8,
            _ => 0,
        };
        self.outcome = Outcome::Open;
        self.failed = failed;
        self
    }

    /// Events the invoice produces: created and finalized; per failed attempt charge.failed and
    /// invoice.payment_failed; per success charge.succeeded; when paid invoice.paid and
    /// invoice.payment_succeeded; voided or marked uncollectible. With a declined card, its
    /// subscription turns past_due at the first failure and back to active when settled.
    pub fn events(&self, sub_end: Option<i64>) -> u64 {
        let failed = u64::from(self.failed);
        2 + 2 * failed
            + u64::from(matches!(self.outcome, Outcome::Card | Outcome::Retried))
            + if self.paid() { 2 } else { 0 }
            + u64::from(matches!(
                self.outcome,
                Outcome::Void | Outcome::Uncollectible
            ))
            + u64::from(self.turns_past_due())
            + u64::from(self.recovers_at(sub_end).is_some())
    }

    /// Whether a declined card turns the invoice's subscription past_due (at its first attempt).
    pub fn turns_past_due(&self) -> bool {
        self.subscription.is_some() && self.failed > 0
    }

    /// When the subscription, past_due over this invoice, is active again: when it is settled,
    /// unless the period was lost or ended first.
    pub fn recovers_at(&self, sub_end: Option<i64>) -> Option<i64> {
        if !self.turns_past_due() || self.lost {
            return None;
        }
        self.settled_at().filter(|&t| sub_end.is_none_or(|e| t < e))
    }

    /// Whether the invoice keeps its subscription past_due at `end`: its card was declined and
    /// it is still open, or it is the last invoice of a period lost to failed payments.
    pub fn owed_at(&self, end: i64) -> bool {
        self.turns_past_due()
            && self.attempt_time(0) < end
            && (self.lost || self.outcome == Outcome::Open)
    }
}
