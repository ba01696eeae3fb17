//! Yeti's billing formula, in exact decimal arithmetic (contract §5).
//!
//! `amount = fee + initial_interval · initial_rate / 60
//!          + [d > initial_interval] · ceil((d − initial_interval) / next_interval) · next_interval · next_rate / 60`
//!
//! Rates are per minute, intervals in seconds. The whole first interval is charged even for a shorter call.
//! Like `billing.bill_cdr`, nothing is charged while the duration is 0 or unknown (an unanswered call costs
//! nothing yet). VAT is not applied: yeti-web's own live estimate never applies it either.

use rust_decimal::Decimal;

const SIXTY: Decimal = Decimal::from_parts(60, 0, 0, false, 0);

/// One side's tariff of a call: the customer's (`destination-*`) or the vendor's (`dialpeer-*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tariff {
    /// Per minute, for the first interval.
    pub initial_rate: Decimal,
    /// Per minute, for every later interval.
    pub next_rate: Decimal,
    /// Seconds.
    pub initial_interval: i64,
    /// Seconds; 0 or less is treated as 1 (never divide by zero).
    pub next_interval: i64,
    /// Connect fee, charged once.
    pub fee: Decimal,
}

/// What a duration costs under a tariff.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Charge {
    pub amount: Decimal,
    /// Seconds billed: the first interval plus the later ones rounded up to whole intervals.
    pub billed_seconds: i64,
}

impl Tariff {
    /// The charge for a call of `duration` seconds; zero for 0, a negative or an unknown duration.
    pub fn charge(&self, duration: Option<i64>) -> Charge {
        let d = match duration {
            Some(d) if d > 0 => d,
            _ => return Charge::default(),
        };
        let initial = self.initial_interval.max(0);
        let next = self.next_interval.max(1);
        let mut billed = initial;
        let mut amount = self
            .fee
            .saturating_add(per_minute(initial, self.initial_rate));
        if d > initial {
            let rest = d - initial;
            // ceil(rest / next) without overflow: rest > 0, next >= 1.
            let intervals = rest / next + i64::from(rest % next != 0);
            let seconds = intervals.saturating_mul(next);
            billed = billed.saturating_add(seconds);
            amount = amount.saturating_add(per_minute(seconds, self.next_rate));
        }
        Charge {
            amount,
            billed_seconds: billed,
        }
    }

    /// The per-minute rate that applies at `duration`: the initial rate inside the first interval, the next
    /// rate after it.
    pub fn rate_at(&self, duration: Option<i64>) -> Decimal {
        match duration {
            Some(d) if d > self.initial_interval.max(0) => self.next_rate,
            _ => self.initial_rate,
        }
    }
}

/// `seconds · rate / 60`, saturating at the decimal range instead of overflowing (the model already refuses
/// absurd rates; this keeps the formula total for any input).
fn per_minute(seconds: i64, rate: Decimal) -> Decimal {
    match Decimal::from(seconds).checked_mul(rate) {
        Some(x) => x / SIXTY,
        None if rate.is_sign_negative() => Decimal::MIN,
        None => Decimal::MAX,
    }
}

/// Names of `destination-rate-policy-id` (yeti-web `Routing::DestinationRatePolicy::POLICIES`).
pub fn rate_policy_name(id: i64) -> Option<&'static str> {
    match id {
        1 => Some("Fixed"),
        2 => Some("Based on used dialpeer"),
        3 => Some("MIN(Fixed,Based on used dialpeer)"),
        4 => Some("MAX(Fixed,Based on used dialpeer)"),
        _ => None,
    }
}

/// Customer price against vendor cost at one duration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rating {
    pub price: Charge,
    pub cost: Charge,
    /// `price − cost`. Only meaningful when both sides use the same currency.
    pub margin: Decimal,
    /// `margin / price · 100`; `None` when the price is zero.
    pub margin_percent: Option<Decimal>,
}

/// Rates both sides of a call at `duration`.
pub fn rate(customer: &Tariff, vendor: &Tariff, duration: Option<i64>) -> Rating {
    let price = customer.charge(duration);
    let cost = vendor.charge(duration);
    let margin = price.amount.saturating_sub(cost.amount);
    let margin_percent = if price.amount.is_zero() {
        None
    } else {
        margin
            .checked_mul(Decimal::ONE_HUNDRED)
            .and_then(|m| m.checked_div(price.amount))
    };
    Rating {
        price,
        cost,
        margin,
        margin_percent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn tariff(ir: &str, nr: &str, ii: i64, ni: i64, fee: &str) -> Tariff {
        Tariff {
            initial_rate: d(ir),
            next_rate: d(nr),
            initial_interval: ii,
            next_interval: ni,
            fee: d(fee),
        }
    }

    #[test]
    fn worked_example_of_the_contract() {
        // §5.2: 0.02 / 0.01 per minute, 60 / 6 s, fee 0.05, 125 s -> 0.081, billed 126 s.
        let c = tariff("0.02", "0.01", 60, 6, "0.05").charge(Some(125));
        assert_eq!(c.amount, d("0.081"));
        assert_eq!(c.billed_seconds, 126);
    }

    #[test]
    fn factory_call_at_95_seconds() {
        let customer = tariff("0.11", "0.11", 1, 1, "0.0");
        let vendor = tariff("0.005", "0.001", 1, 1, "0.0");
        let r = rate(&customer, &vendor, Some(95));
        assert_eq!(r.price.amount.round_dp(6), d("0.174167"));
        assert_eq!(r.cost.amount.round_dp(6), d("0.001650"));
        assert_eq!(r.margin.round_dp(6), d("0.172517"));
        assert_eq!(r.price.billed_seconds, 95);
        assert_eq!(r.margin_percent.unwrap().round_dp(2), d("99.05"));
    }

    #[test]
    fn zero_or_unknown_duration_costs_nothing() {
        let t = tariff("0.02", "0.01", 60, 6, "0.05");
        assert_eq!(t.charge(Some(0)), Charge::default());
        assert_eq!(t.charge(None), Charge::default());
        assert_eq!(t.charge(Some(-5)), Charge::default());
        let r = rate(&t, &t, None);
        assert_eq!(r.margin, Decimal::ZERO);
        assert_eq!(r.margin_percent, None);
    }

    #[test]
    fn shorter_than_the_initial_interval_pays_the_whole_interval() {
        let c = tariff("0.02", "0.01", 60, 6, "0.05").charge(Some(1));
        assert_eq!(c.amount, d("0.07"));
        assert_eq!(c.billed_seconds, 60);
    }

    #[test]
    fn exactly_on_an_interval_boundary_is_not_rounded_up() {
        let t = tariff("0.02", "0.01", 60, 6, "0");
        assert_eq!(t.charge(Some(60)).billed_seconds, 60);
        assert_eq!(t.charge(Some(66)).billed_seconds, 66);
        assert_eq!(t.charge(Some(66)).amount, d("0.021"));
        assert_eq!(t.charge(Some(67)).billed_seconds, 72);
    }

    #[test]
    fn next_interval_zero_is_treated_as_one() {
        let c = tariff("0.6", "0.6", 1, 0, "0").charge(Some(10));
        assert_eq!(c.billed_seconds, 10);
        assert_eq!(c.amount, d("0.1"));
    }

    #[test]
    fn huge_durations_stay_exact() {
        let t = tariff("0.12", "0.06", 60, 60, "0");
        let c = t.charge(Some(1_000_000_000));
        assert_eq!(c.billed_seconds, 1_000_000_020);
        // 60 s at 0.12 + 999,999,960 s at 0.06 / 60.
        assert_eq!(c.amount, d("0.12") + d("999999.96"));
        let extreme = t.charge(Some(i64::MAX));
        assert!(extreme.amount > Decimal::ZERO);
    }

    #[test]
    fn absurd_rates_saturate_instead_of_overflowing() {
        let t = Tariff {
            initial_rate: Decimal::MAX,
            next_rate: Decimal::MAX,
            initial_interval: 60,
            next_interval: 60,
            fee: Decimal::MAX,
        };
        assert_eq!(t.charge(Some(i64::MAX)).amount, Decimal::MAX);
        let r = rate(&t, &Tariff::default(), Some(i64::MAX));
        assert_eq!(r.margin, Decimal::MAX);
    }

    #[test]
    fn losing_call_has_negative_margin() {
        let customer = tariff("0.01", "0.01", 1, 1, "0");
        let vendor = tariff("0.02", "0.02", 1, 1, "0");
        let r = rate(&customer, &vendor, Some(60));
        assert_eq!(r.margin, d("-0.01"));
        assert_eq!(r.margin_percent, Some(d("-100")));
    }

    #[test]
    fn rate_now_switches_after_the_first_interval() {
        let t = tariff("0.02", "0.01", 60, 6, "0");
        assert_eq!(t.rate_at(Some(30)), d("0.02"));
        assert_eq!(t.rate_at(Some(61)), d("0.01"));
        assert_eq!(t.rate_at(None), d("0.02"));
    }

    #[test]
    fn policy_names() {
        assert_eq!(rate_policy_name(1), Some("Fixed"));
        assert_eq!(rate_policy_name(2), Some("Based on used dialpeer"));
        assert_eq!(
            rate_policy_name(3),
            Some("MIN(Fixed,Based on used dialpeer)")
        );
        assert_eq!(
            rate_policy_name(4),
            Some("MAX(Fixed,Based on used dialpeer)")
        );
        assert_eq!(rate_policy_name(7), None);
    }
}
