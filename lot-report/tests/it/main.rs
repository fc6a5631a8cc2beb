//! The `lot-report` binary, on a results document saved from a real run of
//! the quickstart example (`tests/it/data/quickstart.json`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lot_report::{Format, Summary};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/data/quickstart.json")
}

fn lot_report(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lot-report"))
        .args(args)
        .output()
        .expect("running lot-report")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lot-report-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn render_writes_every_format_as_the_library_renders_it() {
    let summary: Summary =
        serde_json::from_str(&std::fs::read_to_string(fixture()).unwrap()).unwrap();
    let dir = temp_dir("render");
    for format in Format::ALL {
        let out = dir.join(format!("out.{}", format.name()));
        let output = lot_report(&[
            "render",
            "--format",
            format.name(),
            "-o",
            out.to_str().unwrap(),
            fixture().to_str().unwrap(),
        ]);
        assert!(output.status.success(), "{format:?}: {output:?}");
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            format.render(&summary),
            "{format:?}"
        );
    }
    // The format follows the output's extension when not given.
    let out = dir.join("guessed.html");
    let output = lot_report(&[
        "render",
        "-o",
        out.to_str().unwrap(),
        fixture().to_str().unwrap(),
    ]);
    assert!(output.status.success());
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );
    // Standard output, as text by default.
    let output = lot_report(&["render", fixture().to_str().unwrap()]);
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        Format::Text.render(&summary)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_invocations_name_the_problem() {
    let fixture = fixture();
    let fixture = fixture.to_str().unwrap();
    let dir = temp_dir("errors");
    let garbage = dir.join("garbage.json");
    std::fs::write(&garbage, "{\"not\": \"results\"}").unwrap();
    let mut future =
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(fixture).unwrap())
            .unwrap();
    future["schema_version"] = 999.into();
    let newer = dir.join("newer.json");
    std::fs::write(&newer, future.to_string()).unwrap();

    for (args, status, message) in [
        (
            vec!["render", "--format", "pdf", fixture],
            2,
            "unknown format `pdf`; expected one of: json, csv, html, md, text",
        ),
        (vec!["render"], 2, "missing the results file to render"),
        (vec!["render", "-o"], 2, "`-o` needs a value"),
        (
            vec!["render", "--colour", fixture],
            2,
            "unknown option `--colour`",
        ),
        (vec!["merge", fixture], 2, "unknown command `merge`"),
        (
            vec!["render", "/nonexistent/run.json"],
            1,
            "cannot read `/nonexistent/run.json`",
        ),
        (
            vec!["render", garbage.to_str().unwrap()],
            1,
            "is not a lot JSON results document",
        ),
        (
            vec!["render", newer.to_str().unwrap()],
            1,
            "has schema version 999; this lot-report reads version 1",
        ),
    ] {
        let output = lot_report(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(status), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
