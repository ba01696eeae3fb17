//! Rating pane: customer (destination) and vendor (dialpeer) side by side, price / cost so far, margin,
//! and the same projected at the time limit.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};
use rust_decimal::Decimal;

use crate::app::App;
use crate::app::rows::{Lookup, REL_CUSTOMER_ACC, REL_VENDOR_ACC, money_in};
use crate::app::views::CallView;
use crate::model::Call;
use crate::model::call::format_hms;
use crate::rating::{Rating, rate_policy_name};
use crate::ui::kv;
use crate::ui::theme::Theme;

pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect, v: &CallView, call: &Call) {
    let block = super::pane(theme, "Rating", v);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let lk: Lookup<'_> = app.lookup();
    let cc = lk.currency(call, REL_CUSTOMER_ACC);
    let vc = lk.currency(call, REL_VENDOR_ACC);
    let shown = app.call_view_shown(v);
    let d = shown.duration();
    let r = call.rating(d);
    let per_min = |x: Decimal, c: Option<&str>| format!("{}/min", money_in(x, c));
    let side =
        |label: &'static str, c: String, vnd: String| Row::new(vec![label.to_owned(), c, vnd]);
    let mut rows = vec![
        side(
            "Initial rate",
            per_min(call.customer.initial_rate, cc),
            per_min(call.vendor.initial_rate, vc),
        ),
        side(
            "Next rate",
            per_min(call.customer.next_rate, cc),
            per_min(call.vendor.next_rate, vc),
        ),
        side(
            "Intervals",
            format!(
                "{} s / {} s",
                call.customer.initial_interval, call.customer.next_interval
            ),
            format!(
                "{} s / {} s",
                call.vendor.initial_interval, call.vendor.next_interval
            ),
        ),
        side(
            "Fee",
            money_in(call.customer.fee, cc),
            money_in(call.vendor.fee, vc),
        ),
        side(
            "Rate now",
            per_min(call.customer.rate_at(d), cc),
            per_min(call.vendor.rate_at(d), vc),
        ),
        side(
            "So far",
            money_in(r.price.amount, cc),
            money_in(r.cost.amount, vc),
        ),
        side(
            "Billed",
            format_hms(r.price.billed_seconds),
            format_hms(r.cost.billed_seconds),
        ),
    ];
    let at_limit = call
        .time_limit
        .filter(|l| *l > 0)
        .map(|l| (l, call.rating(Some(l))));
    if let Some((_, at)) = &at_limit {
        rows.push(side(
            "At limit",
            money_in(at.price.amount, cc),
            money_in(at.cost.amount, vc),
        ));
    }
    let table_h = (rows.len() as u16 + 1).min(inner.height);
    let [t, rest] =
        Layout::vertical([Constraint::Length(table_h), Constraint::Min(0)]).areas(inner);
    let table = Table::new(
        rows,
        [
            Constraint::Length(13),
            Constraint::Fill(1),
            Constraint::Fill(1),
        ],
    )
    .header(
        Row::new(vec!["", "Customer (destination)", "Vendor (dialpeer)"])
            .style(theme.table_header()),
    );
    frame.render_widget(table, t);

    const W: usize = 14;
    let policy = match call.rate_policy_id {
        Some(id) => match rate_policy_name(id) {
            Some(n) => n.to_owned(),
            None => format!("#{id}"),
        },
        None => "-".to_owned(),
    };
    let margin = |r: &Rating| -> Span<'static> {
        match (cc, vc) {
            (Some(a), Some(b)) if a != b => Span::raw(format!("n/a ({a} vs {b})")),
            _ => {
                let pct = r
                    .margin_percent
                    .map_or(String::new(), |p| format!(" ({}%)", p.round_dp(2)));
                let style = if r.margin < Decimal::ZERO {
                    theme.losing()
                } else {
                    theme.bold()
                };
                Span::styled(format!("{}{pct}", money_in(r.margin, cc.or(vc))), style)
            }
        }
    };
    let mut lines = vec![
        kv(theme, "Rate policy", W, policy),
        kv(theme, "Margin", W, margin(&r)),
    ];
    match &at_limit {
        Some((limit, at)) => lines.push(Line::from(vec![
            Span::styled(format!("{:<W$}", "At limit"), theme.label()),
            margin(at),
            Span::styled(format!(" margin at {}", format_hms(*limit)), theme.label()),
        ])),
        None => lines.push(kv(theme, "At limit", W, "- (no time limit)")),
    }
    frame.render_widget(Paragraph::new(lines), rest);
}
