//! The results: `summary.md` (also printed), `README.md` (how they were
//! produced) and `raw.json`, in `target/bench/<unix time>/`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{SystemTime, UNIX_EPOCH};

use super::plan::Plan;

/// A row of the results: a name and labelled values.
pub(super) struct Row {
    pub(super) section: &'static str,
    pub(super) name: String,
    pub(super) values: Vec<(&'static str, String)>,
}

/// The machine the results were measured on.
struct Machine {
    cores: usize,
    cpu: String,
}

/// Writes the results under `target`, printing the summary.
pub(super) fn write(
    target: &Path,
    plan: &Plan,
    rows: &[Row],
    notes: &[String],
    log: &[String],
    tools: &[(&str, Option<&Path>)],
) -> ExitCode {
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let dir = target.join("bench").join(stamp.to_string());
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    let machine = Machine {
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        cpu: cpu_model(),
    };
    let versions = versions(tools);
    let md = summary(plan, &machine, rows, notes);
    print!("{md}");
    let readme = readme(plan, &machine, &versions, notes, log);
    let raw = raw_json(&machine, rows, log);
    for (name, text) in [
        ("summary.md", &md),
        ("README.md", &readme),
        ("raw.json", &raw),
    ] {
        if let Err(e) = std::fs::write(dir.join(name), text) {
            eprintln!("cannot write {name}: {e}");
            return ExitCode::FAILURE;
        }
    }
    eprintln!("results in {}", dir.display());
    ExitCode::SUCCESS
}

/// The CPU's model name, from `/proc/cpuinfo`.
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

/// rustc's version and each tool's, by name.
fn versions(tools: &[(&str, Option<&Path>)]) -> Vec<(String, String)> {
    let mut versions = vec![("rustc".to_owned(), version(Path::new("rustc"), &["-V"]))];
    for (name, path) in tools {
        versions.push((
            (*name).to_owned(),
            match (name, path) {
                (_, None) => "not installed".to_owned(),
                (&"wrk", Some(p)) => version(p, &["-v"]),
                (_, Some(p)) => version(p, &["--version"]),
            },
        ));
    }
    versions
}

/// The first line `tool args` prints.
fn version(tool: &Path, args: &[&str]) -> String {
    Command::new(tool)
        .args(args)
        .output()
        .map(|o| {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            text.lines().next().unwrap_or("").trim().to_owned()
        })
        .unwrap_or_else(|e| format!("unknown ({e})"))
}

/// `summary.md`: the title, the machine and notes, then a table per section.
fn summary(plan: &Plan, machine: &Machine, rows: &[Row], notes: &[String]) -> String {
    let mut md = String::new();
    let partial = plan.partial();
    let title = if partial.is_empty() {
        String::new()
    } else {
        format!(" ({})", partial.join(", "))
    };
    let _ = writeln!(md, "# lot benchmark{title}\n");
    let _ = writeln!(
        md,
        "Machine: {} cores, {}. {}.\n",
        machine.cores,
        machine.cpu,
        notes.join(". ")
    );
    let mut section = "";
    for row in rows {
        if row.section != section {
            section = row.section;
            table_head(&mut md, row);
        }
        let _ = write!(md, "| {} |", row.name);
        for (_, value) in &row.values {
            let _ = write!(md, " {value} |");
        }
        md.push('\n');
    }
    md
}

/// A section's heading and its table's head, from the labels of its first
/// row.
fn table_head(md: &mut String, row: &Row) {
    let _ = writeln!(md, "\n## {}\n", row.section);
    let _ = write!(md, "| run |");
    for (label, _) in &row.values {
        let _ = write!(md, " {label} |");
    }
    let _ = write!(md, "\n|---|");
    for _ in &row.values {
        md.push_str("---|");
    }
    md.push('\n');
}

/// `README.md`: the command, the machine, the tools' versions, the notes
/// and every command line in the order it ran.
fn readme(
    plan: &Plan,
    machine: &Machine,
    versions: &[(String, String)],
    notes: &[String],
    log: &[String],
) -> String {
    let mut readme = String::new();
    let _ = writeln!(readme, "# How these results were produced\n");
    let option: String = plan.partial().iter().map(|p| format!(" --{p}")).collect();
    let _ = writeln!(
        readme,
        "`cargo xtask bench{option}` on {} cores ({}).\n",
        machine.cores, machine.cpu
    );
    let _ = writeln!(readme, "Tool versions:\n");
    for (name, v) in versions {
        let _ = writeln!(readme, "- {name}: {v}");
    }
    let _ = writeln!(readme, "\nNotes:\n");
    for n in notes {
        let _ = writeln!(readme, "- {n}");
    }
    let _ = writeln!(readme, "\nCommands, in the order they ran:\n\n```text");
    for l in log {
        let _ = writeln!(readme, "{l}");
    }
    let _ = writeln!(readme, "```");
    readme
}

/// `raw.json`: the rows, the machine and the command lines.
fn raw_json(machine: &Machine, rows: &[Row], log: &[String]) -> String {
    let mut raw = String::from("{\n  \"rows\": [\n");
    for (i, row) in rows.iter().enumerate() {
        let values: Vec<String> = row
            .values
            .iter()
            .map(|(k, v)| format!("{}: {}", json_str(k), json_str(v)))
            .collect();
        let _ = writeln!(
            raw,
            "    {{\"section\": {}, \"run\": {}, {}}}{}",
            json_str(row.section),
            json_str(&row.name),
            values.join(", "),
            if i + 1 < rows.len() { "," } else { "" }
        );
    }
    let _ = write!(
        raw,
        "  ],\n  \"machine\": {{\"cores\": {}, \"cpu\": {}}},\n  \"commands\": [{}]\n}}\n",
        machine.cores,
        json_str(&machine.cpu),
        log.iter()
            .map(|l| json_str(l))
            .collect::<Vec<_>>()
            .join(", ")
    );
    raw
}

/// `s` as a JSON string (the results hold no control characters).
fn json_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<Row> {
        let row = |section, name: &str, a: &str| Row {
            section,
            name: name.to_owned(),
            values: vec![("a/s", a.to_owned()), ("b \"q\"", "x".to_owned())],
        };
        vec![
            row("one", "1/s", "10"),
            row("one", "2/s", "20"),
            row("two", "t", "30"),
        ]
    }

    fn machine() -> Machine {
        Machine {
            cores: 2,
            cpu: "Some CPU".to_owned(),
        }
    }

    #[test]
    fn summary_has_a_table_per_section() {
        let plan = Plan::from_args(&["--quick".to_owned()]).unwrap();
        let notes = ["first".to_owned(), "second".to_owned()];
        assert_eq!(
            summary(&plan, &machine(), &rows(), &notes),
            "# lot benchmark (quick)\n\n\
             Machine: 2 cores, Some CPU. first. second.\n\n\
             \n## one\n\n\
             | run | a/s | b \"q\" |\n|---|---|---|\n\
             | 1/s | 10 | x |\n\
             | 2/s | 20 | x |\n\
             \n## two\n\n\
             | run | a/s | b \"q\" |\n|---|---|---|\n\
             | t | 30 | x |\n"
        );
    }

    #[test]
    fn raw_json_escapes_quotes() {
        assert_eq!(
            raw_json(&machine(), &rows()[2..], &["a \"b\"".to_owned()]),
            "{\n  \"rows\": [\n    \
             {\"section\": \"two\", \"run\": \"t\", \"a/s\": \"30\", \"b \\\"q\\\"\": \"x\"}\n  \
             ],\n  \"machine\": {\"cores\": 2, \"cpu\": \"Some CPU\"},\n  \
             \"commands\": [\"a \\\"b\\\"\"]\n}\n"
        );
    }
}
