//! Relationships pane: the 18 relationships in the API's order with a cursor.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Row, Table, TableState};

use crate::api::types::CALL_RELATIONSHIPS;
use crate::app::App;
use crate::app::views::CallView;
use crate::model::Link;
use crate::ui::theme::Theme;

pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect, v: &CallView) {
    let lk = app.lookup();
    let rows = CALL_RELATIONSHIPS.iter().enumerate().map(|(i, (name, _))| {
        let (record, id) = match v.links[i] {
            Link::Empty => ("-".to_owned(), "-".to_owned()),
            Link::Unknown if v.full_loaded => ("-".to_owned(), "-".to_owned()),
            Link::Unknown => ("…".to_owned(), String::new()),
            Link::Id(id) => (
                lk.rel_name(&v.links, i)
                    .unwrap_or("(not loaded)")
                    .to_owned(),
                format!("#{id}"),
            ),
        };
        Row::new(vec![(*name).to_owned(), record, id])
    });
    let block = super::pane(theme, "Relationships (Enter opens)", v);
    let table = Table::new(
        rows,
        [
            Constraint::Length(14),
            Constraint::Fill(1),
            Constraint::Length(10),
        ],
    )
    .block(block)
    .row_highlight_style(theme.selected());
    let mut state = TableState::default().with_selected(Some(v.cursor));
    frame.render_stateful_widget(table, area, &mut state);
}
