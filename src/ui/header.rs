//! The title bar, the list header (counts, money, poll status) and the breadcrumb line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::app::list::CallList;
use crate::app::rows::{bytes, latency, per_currency};
use crate::app::views::View;
use crate::ui::theme::Theme;

/// ` yetitop │ demo │ https://… │ READ-ONLY │ INSECURE TLS │ PAUSED`.
pub fn title(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let sep = || Span::styled(" │ ", theme.title());
    let mut spans = vec![
        Span::styled(
            " yetitop",
            theme.title().add_modifier(ratatui::style::Modifier::BOLD),
        ),
        sep(),
    ];
    // Without a context (a bare --url) the URL alone names the switch.
    if !app.cfg.context.is_empty() {
        spans.push(Span::styled(app.cfg.context.as_str(), theme.title()));
        spans.push(sep());
    }
    spans.push(Span::styled(app.cfg.url.as_str(), theme.title()));
    let mut marks = Vec::new();
    if app.cfg.readonly {
        marks.push("READ-ONLY");
    }
    if app.cfg.insecure {
        marks.push("INSECURE TLS");
    }
    if app.paused {
        marks.push("PAUSED");
    }
    if app.mouse {
        marks.push("MOUSE");
    }
    for m in marks {
        spans.push(Span::styled(" ", theme.title()));
        spans.push(Span::styled(format!(" {m} "), theme.warn_mark()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.title()), area);
}

/// Three lines over a list: counts and nodes, money per minute, poll status.
pub fn list_header(app: &App, theme: &Theme, frame: &mut Frame, area: Rect, list: &CallList) {
    if area.height == 0 {
        return;
    }
    let t = &list.totals;
    let nodes = t
        .per_node
        .iter()
        .map(|(n, c)| format!("{n} {c}"))
        .collect::<Vec<_>>()
        .join(" · ");
    let label = |s: &'static str| Span::styled(s, theme.label());
    let line1 = Line::from(vec![
        label("Calls "),
        Span::styled((t.answered + t.ringing).to_string(), theme.bold()),
        Span::styled(
            format!(" (answered {}, ringing {})", t.answered, t.ringing),
            theme.label(),
        ),
        label("   Nodes: "),
        Span::raw(if nodes.is_empty() {
            "-".to_owned()
        } else {
            nodes
        }),
    ]);
    let line2 = Line::from(vec![
        label("Σ price/min "),
        Span::raw(per_currency(&t.price)),
        label("   Σ cost/min "),
        Span::raw(per_currency(&t.cost)),
        label("   Σ margin/min "),
        Span::raw(per_currency(&t.margin)),
        Span::styled(
            if t.margin_na > 0 {
                format!(" (+{} calls n/a: currencies differ)", t.margin_na)
            } else {
                String::new()
            },
            theme.label(),
        ),
    ]);
    let line3 = poll_line(app, theme, list, usize::from(area.width));
    frame.render_widget(Paragraph::new(vec![line1, line2, line3]), area);
}

/// `updated 3s ago · 142 ms, 1.2 MB`, or the STALE mark with its cause and the retry countdown. A long cause
/// is cut to fit `width`, so the countdown always shows.
fn poll_line<'a>(app: &App, theme: &Theme, list: &CallList, width: usize) -> Line<'a> {
    let p = &list.poll;
    let age = p
        .last_ok
        .map(|at| format!("updated {}s ago", (app.now - at).num_seconds().max(0)));
    let mut spans = Vec::new();
    if let Some(err) = &p.error {
        let retry = if app.paused {
            "paused".to_owned()
        } else if app.list_in_flight == Some(list.uid) {
            "retrying…".to_owned()
        } else {
            format!("retry in {}s", p.retry_in(app.now))
        };
        let mut age = age.map(|a| format!(" · last good data {a}"));
        let fixed = |age: &Option<String>| {
            let paused = if app.paused { "  PAUSED".len() } else { 0 };
            "STALE:  — ".chars().count()
                + retry.chars().count()
                + age.as_ref().map_or(0, |a| a.chars().count())
                + paused
        };
        // The cause gives way first, down to 24 characters; then the age of the data.
        if width.saturating_sub(fixed(&age)) < 24 {
            age = None;
        }
        let room = width.saturating_sub(fixed(&age)).max(24);
        let err = crate::sanitize::sanitize_max(err, room);
        spans.push(Span::styled(
            format!("STALE: {err} — {retry}"),
            theme.error(),
        ));
        if let Some(age) = age {
            spans.push(Span::styled(age, theme.label()));
        }
    } else if let Some(age) = age {
        spans.push(Span::raw(age));
        if let Some(l) = p.latency {
            spans.push(Span::styled(
                format!(" · {}, {}", latency(l), bytes(p.bytes)),
                theme.label(),
            ));
        }
        if let Some(note) = p.slow_note() {
            spans.push(Span::styled(format!(" · {note}"), theme.near_limit()));
        }
        if app.list_in_flight == Some(list.uid) {
            spans.push(Span::styled(" · polling…", theme.dim()));
        }
    } else {
        spans.push(Span::styled("loading…", theme.dim()));
    }
    if app.paused {
        spans.push(Span::styled("  PAUSED", theme.warn_mark()));
    }
    Line::from(spans)
}

/// The breadcrumb, and on its right the filter or the open call's poll status.
pub fn crumbs(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let crumbs = app.crumbs();
    let mut spans = vec![Span::raw(" ")];
    let last = crumbs.len().saturating_sub(1);
    for (i, c) in crumbs.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" › ", theme.dim()));
        }
        let style = if i == last {
            theme.bold()
        } else {
            theme.label()
        };
        spans.push(Span::styled(c, style));
    }
    match app.views.last() {
        Some(View::Call(v)) => {
            spans.push(Span::raw("   "));
            if v.ended.is_some() {
                spans.push(Span::styled("ENDED", theme.error()));
            } else if let Some(e) = &v.error {
                spans.push(Span::styled(
                    format!("STALE: {e} — showing last values"),
                    theme.error(),
                ));
            } else if let Some(at) = v.last_seen {
                spans.push(Span::styled(
                    format!(
                        "live · updated {}s ago",
                        (app.now - at).num_seconds().max(0)
                    ),
                    theme.ok(),
                ));
            } else {
                spans.push(Span::styled("loading…", theme.dim()));
            }
        }
        None | Some(View::Calls(_)) => {
            let list = app.active_list();
            if !list.filter.is_empty() && app.mode != crate::app::Mode::Filter {
                spans.push(Span::styled(
                    format!(
                        "   filter: {} ({} of {})",
                        list.filter,
                        list.index.len(),
                        list.entries.len()
                    ),
                    theme.key(),
                ));
            }
        }
        Some(View::Record(_)) => {}
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
