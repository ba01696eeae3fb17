//! The command line of the real binary: usage errors (exit 2, one line), completions, the man page,
//! `info` and `config path`.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use common::{BIN, scratch_dir, yt};

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit 2 with exactly one line on stderr containing `needle`.
fn assert_usage_error(o: &Output, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one line expected: {err:?}");
    assert!(err.starts_with("yetitop: "), "{err:?}");
    assert!(err.contains(needle), "{needle:?} not in {err:?}");
    assert!(o.stdout.is_empty(), "stdout: {}", stdout(o));
}

fn home() -> PathBuf {
    scratch_dir("cli")
}

#[test]
fn bad_filters_are_one_line_usage_errors() {
    let h = home();
    let base = [
        "calls",
        "list",
        "--url",
        "http://127.0.0.1:9",
        "--token",
        "t",
    ];
    for (filter, needle) in [
        ("nope=1", "unknown key"),
        ("customer=x", "is not an integer"),
        ("customer>5", "only duration takes > or <"),
        ("customer", "expected KEY=VALUE"),
    ] {
        let mut args = base.to_vec();
        args.extend(["--filter", filter]);
        let o = yt(&h, &args, &[]);
        assert_usage_error(&o, needle);
        assert!(stderr(&o).contains("--filter"), "{}", stderr(&o));
    }
}

#[test]
fn clap_usage_errors_are_one_line() {
    let h = home();
    assert_usage_error(&yt(&h, &["calls", "show"], &[]), "<ID>");
    assert_usage_error(&yt(&h, &["--bogus"], &[]), "--bogus");
    assert_usage_error(
        &yt(&h, &["calls", "list", "-o", "xml"], &[]),
        "invalid value 'xml'",
    );
    assert_usage_error(&yt(&h, &["--interval", "0", "info"], &[]), "--interval");
    assert_usage_error(&yt(&h, &["completions", "tcsh"], &[]), "tcsh");
}

#[test]
fn unknown_columns_and_a_missing_url_are_usage_errors() {
    let h = home();
    // The column check comes before any request: the port is dead and the exit is still 2.
    let o = yt(
        &h,
        &[
            "calls",
            "list",
            "--url",
            "http://127.0.0.1:9",
            "--token",
            "t",
            "--columns",
            "node,colour",
        ],
        &[],
    );
    assert_usage_error(&o, "unknown column \"colour\"");
    let o = yt(&h, &["calls", "list"], &[("YETI_USER", "noc")]);
    assert_usage_error(&o, "no switch URL");
    let o = yt(&h, &["calls", "show", "1*x", "--context", "lab"], &[]);
    assert_usage_error(&o, "no context named \"lab\"");
}

#[test]
fn help_documents_the_exit_codes() {
    let o = yt(&home(), &["--help"], &[]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.contains(
            "Exit codes: 0 ok, 2 usage or config error, 3 authentication refused, 4 not found, 5 network or server error."
        ),
        "{out}"
    );
    for sub in ["calls", "config", "completions", "man", "info", "sim"] {
        assert!(out.contains(&format!("  {sub}")), "{sub} missing in\n{out}");
    }
}

#[test]
fn global_options_work_after_a_subcommand() {
    let h = home();
    let cfg = h.join("elsewhere.toml");
    let o = yt(
        &h,
        &["config", "path", "--config", cfg.to_str().unwrap()],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("{}\n", cfg.display()));
}

#[test]
fn completions_generate_for_each_shell() {
    let h = home();
    for (shell, marker) in [
        ("bash", "complete -F _yetitop"),
        ("zsh", "#compdef yetitop"),
        ("fish", "complete -c yetitop"),
    ] {
        let o = yt(&h, &["completions", shell], &[]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", stderr(&o));
        let out = stdout(&o);
        assert!(out.contains(marker), "{shell}: {marker:?} missing");
        // Subcommands and global options are completed.
        for word in ["calls", "terminate", "context", "filter"] {
            let option = if shell == "fish" {
                format!("-l {word}")
            } else {
                format!("--{word}")
            };
            let word = if matches!(word, "context" | "filter") {
                option
            } else {
                word.to_owned()
            };
            assert!(out.contains(&word), "{shell}: {word} missing");
        }
    }
}

#[test]
fn man_is_a_roff_page() {
    let o = yt(&home(), &["man"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains(".TH yetitop 1"), "{out}");
    assert!(out.contains(".SH NAME"), "{out}");
    assert!(out.contains(".SH SYNOPSIS"), "{out}");
    assert!(out.contains("\\-\\-context"), "options are listed: {out}");
    assert!(out.contains("Exit codes"), "the exit codes are in the page");
}

#[test]
fn info_prints_every_path() {
    let h = home();
    let o = yt(&h, &["info"], &[("YETITOP_LOG", "debug")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let field = |name: &str| -> String {
        out.lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap_or_else(|| panic!("{name} missing in\n{out}"))
            .trim()
            .to_owned()
    };
    assert_eq!(field("version"), env!("CARGO_PKG_VERSION"));
    let cfg = h.join("config/yetitop/config.toml");
    assert_eq!(
        field("config"),
        format!("{} (not found)  (default)", cfg.display())
    );
    let state = h.join("state/yetitop");
    assert_eq!(field("state dir"), state.display().to_string());
    assert_eq!(
        field("log file"),
        format!("{}  (default)", state.join("yetitop.log").display())
    );
    assert_eq!(
        field("audit log"),
        state.join("audit.log").display().to_string()
    );
    assert!(field("log level").starts_with("debug"), "{out}");

    let log = h.join("my.log");
    let cfg2 = h.join("c.toml");
    let o = yt(
        &h,
        &["info", "--log-file", log.to_str().unwrap()],
        &[("YETITOP_CONFIG", cfg2.to_str().unwrap())],
    );
    let out = stdout(&o);
    assert!(
        out.contains(&format!("{} (not found)  (YETITOP_CONFIG)", cfg2.display())),
        "{out}"
    );
    assert!(
        out.contains(&format!("{}  (--log-file)", log.display())),
        "{out}"
    );
    // `info` prints; it creates no log file.
    assert!(!log.exists());
}

#[test]
fn config_path_follows_flag_env_and_xdg() {
    let h = home();
    let o = yt(&h, &["config", "path"], &[]);
    assert_eq!(
        stdout(&o),
        format!("{}\n", h.join("config/yetitop/config.toml").display())
    );
    // XDG_CONFIG_HOME unset: ~/.config.
    let mut cmd = Command::new(BIN);
    let o = cmd
        .args(["config", "path"])
        .env("HOME", &h)
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("YETITOP_CONFIG")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!("{}\n", h.join(".config/yetitop/config.toml").display())
    );
    let o = yt(
        &h,
        &["config", "path"],
        &[("YETITOP_CONFIG", "/tmp/x.toml")],
    );
    assert_eq!(stdout(&o), "/tmp/x.toml\n");
    let o = yt(
        &h,
        &["--config", "/tmp/y.toml", "config", "path"],
        &[("YETITOP_CONFIG", "/tmp/x.toml")],
    );
    assert_eq!(stdout(&o), "/tmp/y.toml\n");
}

#[test]
fn the_monitor_needs_a_terminal() {
    let o = yt(&home(), &["--demo"], &[]);
    assert_usage_error(&o, "needs a terminal");
}
