//! The settings table is the one list of settings: `--help` and the README
//! say what it says.

use std::collections::BTreeSet;

use lot::settings::{SETTINGS, help};

/// The backticked `--flag` and `LOT_*` names in the rows of the README's
/// settings table (the table whose header starts `| flag |`).
fn readme_names() -> BTreeSet<String> {
    let readme = include_str!("../../README.md");
    let table: Vec<&str> = readme
        .lines()
        .skip_while(|l| !l.starts_with("| flag |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert!(!table.is_empty(), "README.md has no `| flag |` table");
    let mut names = BTreeSet::new();
    for row in table {
        for (i, part) in row.split('`').enumerate() {
            // Odd parts are inside backticks.
            if i % 2 == 0 {
                continue;
            }
            let name = part.split([' ', '=']).next().unwrap_or("");
            if name.starts_with("--") || name.starts_with("LOT_") {
                names.insert(name.to_owned());
            }
        }
    }
    names
}

#[test]
fn the_readme_lists_exactly_the_settings() {
    let mut want: BTreeSet<String> = SETTINGS
        .iter()
        .flat_map(|s| [s.flag.to_owned(), s.var.to_owned()])
        .collect();
    // The Kubernetes spelling of LOT_SEGMENT, which its row names too.
    want.insert("LOT_SEGMENT_COUNT".to_owned());
    assert_eq!(readme_names(), want);
}

#[test]
fn help_lists_every_flag_and_variable() {
    let text = help();
    for s in SETTINGS {
        assert!(text.contains(s.flag), "{} missing from:\n{text}", s.flag);
        assert!(text.contains(s.var), "{} missing from:\n{text}", s.var);
        if let Some(value) = s.value {
            assert!(text.contains(&format!("{} {value}", s.flag)), "{text}");
        }
    }
    assert!(text.contains("--help"));
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "over 80 columns: {line:?}");
    }
}
