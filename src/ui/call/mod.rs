//! The call view: timing, rating, SIP legs and relationships, live.

pub mod legs;
pub mod rating;
pub mod relations;
pub mod timing;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::App;
use crate::app::views::CallView;
use crate::ui::theme::Theme;

pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect, v: &CallView) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let Some(call) = &v.call else {
        frame.render_widget(Paragraph::new(Span::styled(" loading…", theme.dim())), area);
        return;
    };
    let top_h = if area.height >= 34 {
        15
    } else {
        area.height / 2
    };
    let [top, bottom] =
        Layout::vertical([Constraint::Length(top_h), Constraint::Min(0)]).areas(area);
    let [tl, tr] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(top);
    let [bl, br] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(bottom);
    timing::render(app, theme, frame, tl, v, call);
    rating::render(app, theme, frame, tr, v, call);
    legs::render(theme, frame, bl, call);
    relations::render(app, theme, frame, br, v);
}

/// A pane's block; dimmed title when the data are stale or the call ended.
pub(crate) fn pane<'a>(theme: &Theme, title: &'a str, v: &CallView) -> Block<'a> {
    let mut t = format!(" {title} ");
    if v.ended.is_some() {
        t.push_str("(ended) ");
    } else if v.error.is_some() {
        t.push_str("(stale) ");
    }
    let style = if v.error.is_some() && v.ended.is_none() {
        theme.error()
    } else {
        theme.bold()
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(t, style))
}
