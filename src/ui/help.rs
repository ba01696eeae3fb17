//! The `?` overlay: the whole key table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Block, Borders, Clear, Row, Table};

use crate::app::App;
use crate::ui::theme::Theme;

pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let lines = app.cfg.keys.help_lines();
    let h = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_add(3);
    let r = crate::ui::centered(area, 90, h);
    if r.width < 3 || r.height < 3 {
        return;
    }
    frame.render_widget(Clear, r);
    let rows = lines
        .into_iter()
        .map(|(k, d, w)| Row::new(vec![k.to_owned(), d.to_owned(), w]));
    let table = Table::new(
        rows,
        [
            Constraint::Length(14),
            Constraint::Length(28),
            Constraint::Min(10),
        ],
    )
    .header(Row::new(vec!["Key", "Action", "Where"]).style(theme.table_header()))
    .block(
        Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border())
            .title(" Keys (Esc/?/q closes) "),
    );
    frame.render_widget(table, r);
}
