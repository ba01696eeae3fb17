//! The record view: type, id, name, all attributes (secrets already masked), and its relationships.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState};

use crate::app::App;
use crate::app::views::RecordView;
use crate::ui::theme::Theme;

pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect, v: &RecordView) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let record = app.record(&v.key);
    let label = |s: &'static str| Span::styled(s, theme.label());
    let mut top = vec![Line::from(vec![
        label(" Type "),
        Span::styled(v.key.kind.to_string(), theme.bold()),
        label("   id "),
        Span::styled(v.key.id.to_string(), theme.bold()),
        label("   name "),
        Span::styled(app.record_name(&v.key), theme.bold()),
    ])];
    if let Some(e) = &v.error {
        top.push(Line::from(Span::styled(
            format!(" cannot load: {e}"),
            theme.error(),
        )));
    } else if v.loading {
        top.push(Line::from(Span::styled(" loading…", theme.dim())));
    } else {
        top.push(Line::default());
    }
    let [head, body] = Layout::vertical([Constraint::Length(2), Constraint::Min(0)]).areas(area);
    frame.render_widget(Paragraph::new(top), head);
    let [attrs, rels] =
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(body);
    let attr_rows: Vec<Row> = record
        .map(|r| {
            r.attributes
                .iter()
                .map(|a| Row::new(vec![a.name.to_string(), a.value.to_string()]))
                .collect()
        })
        .unwrap_or_default();
    let attr_table = Table::new(attr_rows, [Constraint::Length(28), Constraint::Fill(1)])
        .header(Row::new(vec!["Attribute", "Value"]).style(theme.table_header()))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border())
                .title(Span::styled(" Attributes ", theme.bold())),
        );
    frame.render_widget(attr_table, attrs);
    let rel_rows: Vec<Row> = record
        .map(|r| {
            r.relationships
                .iter()
                .map(|l| {
                    let target = match &l.target {
                        Some(k) => format!("{} ({k})", app.record_name(k)),
                        None => "-".to_owned(),
                    };
                    Row::new(vec![l.name.to_string(), target])
                })
                .collect()
        })
        .unwrap_or_default();
    let rel_table = Table::new(rel_rows, [Constraint::Length(20), Constraint::Fill(1)])
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border())
                .title(Span::styled(
                    " Relationships (Enter opens, c: calls) ",
                    theme.bold(),
                )),
        )
        .row_highlight_style(theme.selected());
    let mut state = TableState::default().with_selected(Some(v.cursor));
    frame.render_stateful_widget(rel_table, rels, &mut state);
}
