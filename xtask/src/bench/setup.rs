//! What the runs use: the benchmark programs built in release, the cores
//! they are pinned to, and the peers found on this machine.

use std::path::{Path, PathBuf};
use std::process::Command;

pub(super) struct Setup {
    /// The target directory, under which the results go.
    pub(super) target: PathBuf,
    /// The workspace.
    pub(super) root: PathBuf,
    pub(super) gen_bin: PathBuf,
    /// `lot-bench-doc`, which writes results documents to compare.
    pub(super) doc_bin: PathBuf,
    /// `lot-report`.
    pub(super) report_bin: PathBuf,
    pub(super) server_bin: PathBuf,
    pub(super) cores: usize,
    pub(super) gen_core: Option<usize>,
    pub(super) server_core: Option<usize>,
    pub(super) wrk: Option<PathBuf>,
    pub(super) oha: Option<PathBuf>,
    /// What the results say of the pinning and of missing tools.
    pub(super) notes: Vec<String>,
}

impl Setup {
    /// Builds the benchmark programs and looks for the cores and tools,
    /// printing the notes; `None` (after saying why) if the build failed.
    pub(super) fn prepare() -> Option<Setup> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask is in the workspace")
            .to_path_buf();
        if !build_programs(&root) {
            return None;
        }
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let taskset = which("taskset").is_some();
        let (gen_core, server_core) = if cores >= 2 && taskset {
            (Some(0), Some(1))
        } else {
            (None, None)
        };
        let (wrk, oha) = (which("wrk"), which("oha"));
        let notes = notes(
            pinning(cores, taskset, gen_core),
            wrk.is_some(),
            oha.is_some(),
        );
        for n in &notes {
            eprintln!("note: {n}");
        }
        Some(Setup {
            gen_bin: target.join("release/lot-bench-gen"),
            doc_bin: target.join("release/lot-bench-doc"),
            report_bin: target.join("release/lot-report"),
            root,
            server_bin: target.join("release/lot-bench-server"),
            target,
            cores,
            gen_core,
            server_core,
            wrk,
            oha,
            notes,
        })
    }

    /// The peers, for the results' tool versions.
    pub(super) fn tools(&self) -> [(&'static str, Option<&Path>); 2] {
        [("wrk", self.wrk.as_deref()), ("oha", self.oha.as_deref())]
    }
}

/// `cargo build --release -p lot-bench -p lot-report` in the workspace at
/// `root`.
fn build_programs(root: &Path) -> bool {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("building the benchmark programs (release)...");
    let built = Command::new(&cargo)
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "lot-bench",
            "-p",
            "lot-report",
        ])
        .current_dir(root)
        .status();
    if !built.is_ok_and(|s| s.success()) {
        eprintln!("cargo build --release -p lot-bench -p lot-report failed");
        return false;
    }
    true
}

/// The note on pinning.
fn pinning(cores: usize, taskset: bool, gen_core: Option<usize>) -> String {
    match gen_core {
        Some(_) => "generator pinned to core 0, server to core 1 (taskset)".to_owned(),
        None => format!(
            "no pinning ({cores} cores, taskset {})",
            if taskset { "found" } else { "missing" }
        ),
    }
}

/// The notes of every run: the pinning, then what is missing.
fn notes(pinning: String, wrk: bool, oha: bool) -> Vec<String> {
    let mut notes = vec![pinning];
    if !wrk {
        notes.push("wrk not installed: `apt-get install wrk`; its columns are skipped".to_owned());
    }
    if !oha {
        notes.push("oha not installed: `cargo install oha`; its columns are skipped".to_owned());
    }
    notes.push("wrk2 is not packaged for Debian; the fixed-rate comparison uses oha -q".to_owned());
    notes
}

fn which(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(tool))
        .find(|p| p.is_file())
}
