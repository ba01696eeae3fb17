//! Timing pane: start, connect, PDD, duration, time limit, time left, a gauge; ENDED when the call ended.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph};

use crate::app::App;
use crate::app::rows::Shown;
use crate::app::views::CallView;
use crate::model::Call;
use crate::model::call::format_hms;
use crate::ui::kv;
use crate::ui::theme::Theme;

const W: usize = 12;

pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect, v: &CallView, call: &Call) {
    let block = super::pane(theme, "Timing", v);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let shown = app.call_view_shown(v);
    let time =
        |t: Option<chrono::DateTime<chrono::Utc>>| t.map_or("-".to_owned(), |t| app.fmt_time(t));
    let mut lines = vec![
        kv(theme, "Start", W, time(call.start_time)),
        kv(theme, "Connect", W, time(call.connect_time)),
        kv(
            theme,
            "PDD",
            W,
            call.pdd().map_or("-".to_owned(), |p| format!("{p} s")),
        ),
        kv(
            theme,
            "Duration",
            W,
            Span::styled(shown.text(), theme.bold()),
        ),
        kv(
            theme,
            "Time limit",
            W,
            call.time_limit.map_or("-".to_owned(), format_hms),
        ),
    ];
    let left = call.time_left(shown.duration());
    let left_text = match left {
        None => "-".to_owned(),
        Some(l) if l < 0 => format!("-{} (over the limit)", format_hms(-l)),
        Some(l) => format_hms(l),
    };
    let left_style = match left {
        Some(l) if l <= crate::app::rows::NEAR_LIMIT_SECS && shown.duration().is_some() => {
            theme.near_limit()
        }
        _ => theme.plain(),
    };
    lines.push(kv(
        theme,
        "Time left",
        W,
        Span::styled(left_text, left_style),
    ));
    if let Some(e) = &v.ended {
        // It ended after the last good poll and before the poll that found it gone.
        let end = app.fmt_time(e.detected);
        let last = e.last_seen.map_or("?".to_owned(), |t| {
            app.local(t).format("%H:%M:%S").to_string()
        });
        lines.push(Line::from(vec![
            Span::styled(format!("{:<W$}", "ENDED"), theme.error()),
            Span::styled(format!("≈ {end}"), theme.bold()),
        ]));
        lines.push(kv(theme, "", W, format!("(last seen alive {last})")));
    }
    let text_h = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .min(inner.height);
    frame.render_widget(
        Paragraph::new(lines),
        Rect::new(inner.x, inner.y, inner.width, text_h),
    );
    // The gauge of duration against the limit, on the line after the text when there is room.
    if inner.height > 6 && v.ended.is_none() {
        let g = Rect::new(inner.x, inner.y + 6, inner.width, 1);
        let (ratio, label) = match (shown, call.time_limit) {
            (Shown::Answered(d), Some(limit)) if limit > 0 => {
                let r = (d as f64 / limit as f64).clamp(0.0, 1.0);
                (r, format!("{:.0}% of the time limit", r * 100.0))
            }
            (Shown::Ringing(_), _) => (0.0, "ringing".to_owned()),
            _ => (0.0, "no time limit".to_owned()),
        };
        frame.render_widget(
            Gauge::default()
                .ratio(ratio)
                .label(label)
                .gauge_style(theme.gauge())
                .use_unicode(true),
            g,
        );
    }
}
