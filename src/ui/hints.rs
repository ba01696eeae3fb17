//! The status line (messages, the filter being typed) and the hint bar, drawn from the key table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{App, Mode};
use crate::ui::theme::Theme;

pub fn status(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let line = if app.mode == Mode::Filter {
        let list = app.active_list();
        Line::from(vec![
            Span::styled(" /", theme.key()),
            Span::raw(list.filter.clone()),
            Span::styled("█", theme.key()),
            Span::styled(
                format!("   {} of {} calls", list.index.len(), list.entries.len()),
                theme.label(),
            ),
        ])
    } else if let Some(s) = &app.status {
        let style = if s.error { theme.error() } else { theme.ok() };
        Line::from(Span::styled(format!(" {}", s.text), style))
    } else {
        Line::default()
    };
    frame.render_widget(Paragraph::new(line), area);
}

pub fn hints(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let mut spans = vec![Span::raw(" ")];
    for (i, (label, desc)) in app.cfg.keys.hints(app.ctx()).into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(label, theme.key()));
        spans.push(Span::styled(format!(" {desc}"), theme.label()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
