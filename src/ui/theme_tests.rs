//! Unit tests of `ui/theme.rs`.

use super::*;

fn leak(p: Palette) -> &'static Palette {
    Box::leak(Box::new(p))
}

fn table(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn slot_order_matches_the_names() {
    let all = [
        Slot::Title,
        Slot::Header,
        Slot::Selected,
        Slot::Error,
        Slot::Warn,
        Slot::Dim,
        Slot::Losing,
        Slot::NearLimit,
        Slot::Ok,
        Slot::Label,
        Slot::Border,
        Slot::Key,
        Slot::Gauge,
    ];
    assert_eq!(all.len(), SLOTS.len());
    for (i, s) in all.iter().enumerate() {
        assert_eq!(*s as usize, i);
    }
    assert_eq!(SLOTS[Slot::NearLimit as usize].0, "near_limit");
}

#[test]
fn colours_parse() {
    assert_eq!(parse_color("red"), Ok(Color::Red));
    assert_eq!(parse_color("light-blue"), Ok(Color::LightBlue));
    assert_eq!(parse_color("#ff8000"), Ok(Color::Rgb(255, 128, 0)));
    assert_eq!(parse_color("42"), Ok(Color::Indexed(42)));
    assert!(parse_color("#ff80").is_err());
    assert!(parse_color("#gg0000").is_err());
    assert!(parse_color("mauve").unwrap_err().contains("mauve"));
    assert_eq!(
        parse_colors("black on #00ffff"),
        Ok(Colors {
            fg: Some(Color::Black),
            bg: Some(Color::Rgb(0, 255, 255))
        })
    );
    assert_eq!(
        parse_colors("on blue"),
        Ok(Colors {
            fg: None,
            bg: Some(Color::Blue)
        })
    );
    assert!(parse_colors("").is_err());
    assert!(parse_colors("red on").is_err());
}

#[test]
fn rgb_falls_back_to_the_nearest_ansi_colour() {
    assert_eq!(nearest_ansi16(250, 10, 10), Color::LightRed);
    assert_eq!(nearest_ansi16(190, 0, 0), Color::Red);
    assert_eq!(nearest_ansi16(10, 10, 10), Color::Black);
    assert_eq!(nearest_ansi16(120, 125, 130), Color::DarkGray);
    let t = table(&[("losing", "#fa0a0a"), ("title", "black on #00c8c8")]);
    let p = Palette::from_table(&t, false).unwrap();
    assert_eq!(p.get("losing").unwrap().fg, Some(Color::LightRed));
    assert_eq!(p.get("title").unwrap().bg, Some(Color::Cyan));
    let p = Palette::from_table(&t, true).unwrap();
    assert_eq!(p.get("losing").unwrap().fg, Some(Color::Rgb(250, 10, 10)));
    assert!(
        Palette::from_table(&table(&[("nope", "red")]), true)
            .unwrap_err()
            .contains("theme.nope")
    );
}

#[test]
fn the_palette_overrides_colours_but_not_no_color() {
    let p = leak(
        Palette::from_table(
            &table(&[("losing", "magenta"), ("selected", "on green")]),
            true,
        )
        .unwrap(),
    );
    let t = Theme::with_palette(false, p);
    assert_eq!(t.losing().fg, Some(Color::Magenta));
    assert_eq!(t.selected().bg, Some(Color::Green));
    // The rest of the slot's built-in style stays.
    assert_eq!(t.selected().fg, Some(Color::White));
    assert!(t.selected().add_modifier.contains(Modifier::BOLD));
    // Untouched slots keep the built-in colours.
    assert_eq!(t.near_limit().fg, Some(Color::Yellow));
    // NO_COLOR wins over the theme.
    let mono = Theme::with_palette(true, p);
    assert_eq!(mono.losing().fg, None);
    assert_eq!(mono.selected().bg, None);
    assert_eq!(
        Theme::with_palette(false, leak(Palette::default()))
            .losing()
            .fg,
        Some(Color::Red)
    );
}
