//! Unit tests of `config.rs`.

use super::*;

const GOOD: &str = r#"
default_context = "lab"
[contexts.lab]
url = "https://yeti-lab.example.net"
user = "noc"
password_command = "echo s3cret"
readonly = true
interval = 5
columns = ["node", "duration", "customer", "vendor", "to", "margin"]
[contexts.prod]
url = "https://yeti.example.net"
"#;

#[test]
fn parses_contexts() {
    let c = parse(GOOD).unwrap();
    assert_eq!(c.default_context.as_deref(), Some("lab"));
    assert_eq!(c.contexts["lab"].user.as_deref(), Some("noc"));
    assert_eq!(c.contexts.len(), 2);
}

#[test]
fn errors_name_line_and_key() {
    let e = parse("[contexts.lab]\nurl = \"https://x\"\nintervall = 5\n").unwrap_err();
    assert!(e.starts_with("line 3:"), "{e}");
    assert!(e.contains("intervall"), "{e}");
    let e = parse("default_context = \"nope\"\n").unwrap_err();
    assert!(e.contains("nope"), "{e}");
    let e = parse("[contexts.a]\ninterval = 0\n").unwrap_err();
    assert!(e.contains("contexts.a.interval"), "{e}");
    let e = parse("[contexts.a]\nreadonly = \"yes\"\n").unwrap_err();
    assert!(e.starts_with("line 2:"), "{e}");
}

#[test]
fn flag_beats_context_beats_default() {
    let file = parse(GOOD).unwrap();
    let g = GlobalOpts::default();
    let s = resolve(&g, &file, None).unwrap();
    assert_eq!(s.url, "https://yeti-lab.example.net");
    assert!(s.readonly);
    assert!(matches!(s.password, PasswordSource::Command(_)));
    let g = GlobalOpts {
        url: Some("https://other".into()),
        context: Some("prod".into()),
        interval: Some(9),
        ..Default::default()
    };
    let s = resolve(&g, &file, Some("pw".into())).unwrap();
    assert_eq!(s.url, "https://other");
    assert!(!s.readonly);
    assert_eq!(s.interval, Duration::from_secs(9));
    assert!(matches!(s.password, PasswordSource::Env(_)));
    let s = resolve(&GlobalOpts::default(), &ConfigFile::default(), None);
    assert!(s.unwrap_err().contains("--url"));
}

#[test]
fn password_command() {
    assert_eq!(
        run_password_command("printf 'pw\\n'").unwrap().expose(),
        "pw"
    );
    assert!(
        run_password_command("exit 3")
            .unwrap_err()
            .contains("failed")
    );
    assert!(
        run_password_command("true")
            .unwrap_err()
            .contains("nothing")
    );
}

#[test]
fn check_collects_every_error_with_line_and_key() {
    let text = "\
default_context = \"gone\"
[contexts.lab]
url = \"ftp://x\"
interval = 99999
columns = [\"node\", \"colour\"]
[theme]
losing = \"mauve\"
[keys]
quit = \"Q\"
refresh = \"Q\"
fly = \"x\"
";
    let errors = check(text).unwrap_err();
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 7, "{shown:#?}");
    assert!(
        shown[0].starts_with("line 1: default_context: \"gone\""),
        "{shown:#?}"
    );
    assert!(
        shown[1].starts_with("line 3: contexts.lab.url:"),
        "{shown:#?}"
    );
    assert!(
        shown[2].starts_with("line 4: contexts.lab.interval: 99999"),
        "{shown:#?}"
    );
    assert!(
        shown[3].starts_with("line 5: contexts.lab.columns: unknown column \"colour\""),
        "{shown:#?}"
    );
    assert!(
        shown[4].starts_with("line 7: theme.losing: \"mauve\""),
        "{shown:#?}"
    );
    assert!(
        shown[5].starts_with("line 10: keys.refresh: key \"Q\" is already bound to quit"),
        "{shown:#?}"
    );
    assert!(
        shown[6].starts_with("line 11: keys.fly: unknown action"),
        "{shown:#?}"
    );
}

#[test]
fn key_specs() {
    assert_eq!(parse_key_spec("q").unwrap(), "q");
    assert_eq!(parse_key_spec("ctrl-R").unwrap(), "Ctrl-r");
    assert_eq!(parse_key_spec("C-r").unwrap(), "Ctrl-r");
    assert_eq!(parse_key_spec("f5").unwrap(), "F5");
    assert_eq!(parse_key_spec("pageup").unwrap(), "PageUp");
    assert!(parse_key_spec("F13").is_err());
    assert!(parse_key_spec("Ctrl-").is_err());
    assert!(parse_key_spec("\u{1b}").is_err());
    assert!(parse_key_spec("Hyper-x").is_err());
}

#[test]
fn origins_say_where_values_come_from() {
    let file = parse(GOOD).unwrap();
    let g = GlobalOpts {
        user: Some("ops".into()),
        from_env: crate::cli::FromEnv {
            user: true,
            ..Default::default()
        },
        readonly: true,
        ..Default::default()
    };
    let s = merge(&g, &file, None).unwrap();
    assert_eq!(s.origins["context"], Origin::DefaultContext);
    assert_eq!(s.origins["url"], Origin::Context("lab".into()));
    assert_eq!(s.origins["user"], Origin::Env("YETI_USER"));
    assert_eq!(s.origins["readonly"], Origin::Flag("--readonly"));
    assert_eq!(s.origins["interval"], Origin::Context("lab".into()));
    assert!(!s.origins.contains_key("token"));
    let s = merge(&GlobalOpts::default(), &ConfigFile::default(), None).unwrap();
    assert_eq!(s.url, "");
    assert_eq!(s.origins["interval"], Origin::Default);
}
