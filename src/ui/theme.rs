//! Styles. With `NO_COLOR` every style is built from modifiers only (bold, dim, reversed, underlined).
//!
//! The config file's `[theme]` table overrides the colours of named slots (see [`SLOTS`]): each value is
//! `"FG"`, `"FG on BG"` or `"on BG"`, where a colour is a ratatui colour name (`red`, `light-blue`,
//! `dark-gray`, `reset`, ...), an index `0`-`255` or `#rrggbb`. When the terminal does not announce 24-bit
//! colour (`COLORTERM` is not `truecolor` / `24bit`), `#rrggbb` is mapped to the nearest of the 16 ANSI
//! colours. The palette is installed once per process ([`install`]) before the monitor starts.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use ratatui::style::{Color, Modifier, Style};

/// The slots a `[theme]` table can colour, with what each one paints.
pub const SLOTS: [(&str, &str); 13] = [
    ("title", "the title bar"),
    ("header", "table headers"),
    ("selected", "the selected row"),
    ("error", "errors and STALE marks"),
    ("warn", "warning marks: READ-ONLY, INSECURE TLS, PAUSED"),
    ("dim", "secondary text"),
    ("losing", "a negative margin"),
    ("near_limit", "a call close to its time limit"),
    ("ok", "good news"),
    ("label", "field labels"),
    ("border", "pane borders"),
    ("key", "keys in the hint bar and help"),
    ("gauge", "gauges"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Title,
    Header,
    Selected,
    Error,
    Warn,
    Dim,
    Losing,
    NearLimit,
    Ok,
    Label,
    Border,
    Key,
    Gauge,
}

/// Foreground and background of one slot; `None` keeps the built-in colour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Colors {
    pub fg: Option<Color>,
    pub bg: Option<Color>,
}

/// The colours of every slot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Palette {
    slots: [Colors; SLOTS.len()],
}

impl Palette {
    /// Builds the palette of a `[theme]` table. `truecolor`: keep `#rrggbb`; otherwise map it to the nearest
    /// of the 16 ANSI colours.
    pub fn from_table(
        table: &BTreeMap<String, String>,
        truecolor: bool,
    ) -> Result<Palette, String> {
        let mut p = Palette::default();
        for (k, v) in table {
            let i = slot_index(k).ok_or_else(|| format!("theme.{k}: unknown slot"))?;
            let mut c = parse_colors(v).map_err(|e| format!("theme.{k}: {e}"))?;
            if !truecolor {
                c.fg = c.fg.map(downgrade);
                c.bg = c.bg.map(downgrade);
            }
            p.slots[i] = c;
        }
        Ok(p)
    }

    /// The colours of the slot named `name` (a key of [`SLOTS`]).
    pub fn get(&self, name: &str) -> Option<Colors> {
        slot_index(name).map(|i| self.slots[i])
    }
}

fn slot_index(name: &str) -> Option<usize> {
    SLOTS.iter().position(|(n, _)| *n == name)
}

/// One colour: a ratatui colour name, `0`-`255`, or `#rrggbb`.
pub fn parse_color(s: &str) -> Result<Color, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty colour".into());
    }
    if s.starts_with('#') && (s.len() != 7 || !s[1..].chars().all(|c| c.is_ascii_hexdigit())) {
        return Err(format!("{s:?} is not a #rrggbb colour"));
    }
    s.parse::<Color>().map_err(|_| {
        format!("{s:?} is not a colour (a name like red or light-blue, 0-255, or #rrggbb)")
    })
}

/// `"FG"`, `"FG on BG"` or `"on BG"`.
pub fn parse_colors(s: &str) -> Result<Colors, String> {
    let s = s.trim();
    if s == "on" || s.ends_with(" on") {
        return Err(format!("{s:?}: no colour after \"on\""));
    }
    let (fg, bg) = match s.split_once(" on ") {
        Some((f, b)) => (Some(f.trim()), Some(b.trim())),
        None => match s.strip_prefix("on ") {
            Some(b) => (None, Some(b.trim())),
            None => (Some(s), None),
        },
    };
    let fg = match fg {
        Some(f) if !f.is_empty() => Some(parse_color(f)?),
        _ => None,
    };
    let bg = bg.map(parse_color).transpose()?;
    if fg.is_none() && bg.is_none() {
        return Err("expected \"FG\", \"FG on BG\" or \"on BG\"".into());
    }
    Ok(Colors { fg, bg })
}

/// The 16 ANSI colours with their usual (xterm) RGB values.
const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

/// The nearest of the 16 ANSI colours to an RGB colour.
pub fn nearest_ansi16(r: u8, g: u8, b: u8) -> Color {
    let d = |(x, y, z): (u8, u8, u8)| {
        let dx = i32::from(x) - i32::from(r);
        let dy = i32::from(y) - i32::from(g);
        let dz = i32::from(z) - i32::from(b);
        dx * dx + dy * dy + dz * dz
    };
    ANSI16
        .iter()
        .min_by_key(|(_, rgb)| d(*rgb))
        .map(|(c, _)| *c)
        .unwrap_or(Color::Reset)
}

fn downgrade(c: Color) -> Color {
    match c {
        Color::Rgb(r, g, b) => nearest_ansi16(r, g, b),
        other => other,
    }
}

/// True when `COLORTERM` announces 24-bit colour.
pub fn truecolor_from_env() -> bool {
    std::env::var("COLORTERM")
        .map(|v| {
            matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "truecolor" | "24bit"
            )
        })
        .unwrap_or(false)
}

static PALETTE: OnceLock<Palette> = OnceLock::new();
static DEFAULT_PALETTE: Palette = Palette {
    slots: [Colors { fg: None, bg: None }; SLOTS.len()],
};

/// Sets the palette of this process (the first call wins). Before it, or without it, the built-in colours
/// are used.
pub fn install(p: Palette) {
    let _ = PALETTE.set(p);
}

fn installed() -> &'static Palette {
    PALETTE.get().unwrap_or(&DEFAULT_PALETTE)
}

/// The styles of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    color: bool,
    palette: &'static Palette,
}

impl Theme {
    /// The theme with the installed palette.
    pub fn new(no_color: bool) -> Theme {
        Theme::with_palette(no_color, installed())
    }

    pub fn with_palette(no_color: bool, palette: &'static Palette) -> Theme {
        Theme {
            color: !no_color,
            palette,
        }
    }

    /// The built-in `color` style of a slot with the palette's overrides, or `mono` without colour.
    fn slot(&self, slot: Slot, color: Style, mono: Style) -> Style {
        if !self.color {
            return mono;
        }
        let c = self.palette.slots[slot as usize];
        let mut s = color;
        if let Some(fg) = c.fg {
            s = s.fg(fg);
        }
        if let Some(bg) = c.bg {
            s = s.bg(bg);
        }
        s
    }

    pub fn plain(&self) -> Style {
        Style::default()
    }

    /// The title bar.
    pub fn title(&self) -> Style {
        self.slot(
            Slot::Title,
            Style::default().fg(Color::Black).bg(Color::Cyan),
            Style::default().add_modifier(Modifier::REVERSED),
        )
    }

    /// Warning marks: READ-ONLY, INSECURE TLS, PAUSED.
    pub fn warn_mark(&self) -> Style {
        self.slot(
            Slot::Warn,
            Style::default()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            Style::default().add_modifier(Modifier::BOLD),
        )
    }

    /// Errors and STALE marks.
    pub fn error(&self) -> Style {
        self.slot(
            Slot::Error,
            Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
            Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        )
    }

    pub fn ok(&self) -> Style {
        self.slot(
            Slot::Ok,
            Style::default().fg(Color::Green),
            Style::default(),
        )
    }

    pub fn dim(&self) -> Style {
        self.slot(
            Slot::Dim,
            Style::default().fg(Color::DarkGray),
            Style::default().add_modifier(Modifier::DIM),
        )
    }

    pub fn label(&self) -> Style {
        self.slot(
            Slot::Label,
            Style::default().fg(Color::Gray),
            Style::default(),
        )
    }

    pub fn bold(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    pub fn selected(&self) -> Style {
        self.slot(
            Slot::Selected,
            Style::default()
                .bg(Color::Blue)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD),
            Style::default().add_modifier(Modifier::REVERSED),
        )
    }

    pub fn table_header(&self) -> Style {
        self.slot(
            Slot::Header,
            Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        )
    }

    /// Negative margin.
    pub fn losing(&self) -> Style {
        self.slot(
            Slot::Losing,
            Style::default().fg(Color::Red),
            Style::default().add_modifier(Modifier::BOLD),
        )
    }

    /// Close to the time limit.
    pub fn near_limit(&self) -> Style {
        self.slot(
            Slot::NearLimit,
            Style::default().fg(Color::Yellow),
            Style::default().add_modifier(Modifier::UNDERLINED),
        )
    }

    pub fn border(&self) -> Style {
        self.slot(
            Slot::Border,
            Style::default().fg(Color::DarkGray),
            Style::default(),
        )
    }

    pub fn key(&self) -> Style {
        self.slot(
            Slot::Key,
            Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            Style::default().add_modifier(Modifier::BOLD),
        )
    }

    pub fn gauge(&self) -> Style {
        self.slot(
            Slot::Gauge,
            Style::default().fg(Color::Green),
            Style::default(),
        )
    }
}

#[cfg(test)]
#[path = "theme_tests.rs"]
mod tests;
