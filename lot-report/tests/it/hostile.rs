//! Hostile results files: each makes `lot-report` exit 1 with one line on
//! standard error naming the file, quickly, without a panic, and within a
//! memory limit (the child runs under `ulimit -v`, so an allocation bomb
//! aborts it by a signal instead of passing unnoticed).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::write::ZlibEncoder;
use lot_report::Summary;
use lot_report::stats::{HIGHEST_TRACKABLE_US, new_histogram};
use serde_json::Value;

/// The address-space limit of the child, in KiB (512 MiB): far below the
/// 2 GiB a histogram bomb asks for, far above what any test document needs.
const MEMORY_KIB: u64 = 512 * 1024;

/// What a run of the binary gave.
struct Run {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

/// Runs `lot-report ARGS` under the memory limit, with `stdin` piped from a
/// file when given, and checks it finished quickly without a panic.
fn capped(args: &[&str], stdin: Option<&Path>) -> Run {
    let mut script = format!("ulimit -v {MEMORY_KIB} && ");
    script.push_str(match stdin {
        // Through a pipe, which has no size to check.
        Some(_) => "cat \"$LOT_TEST_STDIN\" | \"$0\" \"$@\"",
        None => "exec \"$0\" \"$@\"",
    });
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_lot-report"))
        .args(args);
    if let Some(path) = stdin {
        command.env("LOT_TEST_STDIN", path);
    }
    let started = Instant::now();
    let output = command.output().expect("running lot-report under sh");
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        elapsed < Duration::from_secs(20),
        "{args:?} took {elapsed:?}: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    Run {
        code: output.status.code(),
        stdout: output.stdout,
        stderr,
    }
}

/// Checks that `lot-report ARGS` failed with status 1 and exactly `message`
/// as its one line on standard error.
fn refuses(args: &[&str], message: &str) {
    let run = capped(args, None);
    assert_eq!(
        run.code,
        Some(1),
        "{args:?} did not exit 1 (a signal gives None): {}",
        run.stderr
    );
    assert_eq!(run.stderr, format!("lot-report: {message}\n"), "{args:?}");
}

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir =
            std::env::temp_dir().join(format!("lot-report-hostile-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    /// Writes `text` to `name` in the directory and returns its path.
    fn file(&self, name: &str, text: impl AsRef<[u8]>) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fixture() -> Value {
    serde_json::from_str(&std::fs::read_to_string(super::fixture()).unwrap()).unwrap()
}

/// The fixture as shard `index` of `count`.
fn shard(index: u64, count: u64) -> Value {
    let mut doc = fixture();
    doc["segment"] = serde_json::json!({ "index": index, "count": count });
    doc
}

/// A V2 header as lot writes it for durations, declaring `payload_len`
/// bytes of counts.
fn v2_header(payload_len: u32) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend(0x1c84_9313u32.to_be_bytes()); // V2 cookie
    v.extend(payload_len.to_be_bytes());
    v.extend(0u32.to_be_bytes()); // normalizing index offset
    v.extend(3u32.to_be_bytes()); // significant digits
    v.extend(1u64.to_be_bytes()); // lowest discernible value
    v.extend(HIGHEST_TRACKABLE_US.to_be_bytes());
    v.extend(1.0f64.to_bits().to_be_bytes()); // conversion ratio
    v
}

/// base64 of the V2 deflate encoding of `v2`: cookie, length, zlib stream.
fn deflate(v2: &[u8]) -> String {
    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    z.write_all(v2).unwrap();
    let compressed = z.finish().unwrap();
    let mut bytes = 0x1c84_9314u32.to_be_bytes().to_vec();
    bytes.extend((compressed.len() as u32).to_be_bytes());
    bytes.extend(compressed);
    STANDARD.encode(bytes)
}

/// A well-formed encoding whose header claims 2 GiB of counts: what
/// hdrhistogram's deserializer allocated in full before reading them.
fn bomb() -> String {
    let mut v2 = v2_header(1 << 31);
    // A few counts (zigzag varints: 5, a run of 3 zeros, 7) so the stream
    // looks like the start of a real one.
    v2.extend([10, 5, 14]);
    deflate(&v2)
}

fn max_counts_bytes() -> usize {
    new_histogram().distinct_values() * 9
}

#[test]
fn a_histogram_bomb_is_refused_before_allocating() {
    let dir = Dir::new("bomb");
    let mut doc = fixture();
    doc["scenarios"][0]["latency"]["hdr"] = bomb().into();
    let run = dir.file("run.json", doc.to_string());
    let want = format!(
        "`{run}`: scenarios[0].latency.hdr: not a histogram: it declares 2147483648 bytes of counts; a histogram of its range takes at most {}",
        max_counts_bytes()
    );
    for format in ["text", "html", "json"] {
        refuses(&["render", "--format", format, &run], &want);
    }

    let mut a = shard(0, 2);
    a["metrics"]["timings"] = serde_json::json!([]);
    a["latency"]["hdr"] = bomb().into();
    let a = dir.file("a.json", a.to_string());
    let b = dir.file("b.json", shard(1, 2).to_string());
    refuses(
        &["merge", &b, &a],
        &format!(
            "`{a}`: latency.hdr: not a histogram: it declares 2147483648 bytes of counts; a histogram of its range takes at most {}",
            max_counts_bytes()
        ),
    );
}

/// The same bomb in a phase of an HTTP request's entry, the newest
/// histograms of the schema: refused by render and merge, naming the field.
#[test]
fn a_histogram_bomb_in_a_request_phase_is_refused() {
    let dir = Dir::new("request-bomb");
    let with_request = |mut doc: Value| {
        let empty = serde_json::json!({
            "count": 0, "min_us": 0, "mean_us": 0, "p50_us": 0, "p90_us": 0,
            "p95_us": 0, "p99_us": 0, "p999_us": 0, "max_us": 0, "hdr": ""
        });
        let mut wait = empty.clone();
        wait["count"] = 1.into();
        wait["hdr"] = bomb().into();
        doc["scenarios"][0]["requests"] = serde_json::json!([{
            "name": "GET /", "count": 1, "failed": 0, "reused": 0,
            "status": [{ "code": 200, "count": 1 }],
            "connect": empty, "tls": empty, "send": empty,
            "wait": wait, "receive": empty, "duration": empty
        }]);
        doc
    };
    let run = dir.file("run.json", with_request(fixture()).to_string());
    let want = format!(
        "`{run}`: scenarios[0].requests[0].wait.hdr: not a histogram: it declares 2147483648 bytes of counts; a histogram of its range takes at most {}",
        max_counts_bytes()
    );
    for format in ["text", "html", "json"] {
        refuses(&["render", "--format", format, &run], &want);
    }
    let a = dir.file("a.json", with_request(shard(0, 2)).to_string());
    let b = dir.file("b.json", shard(1, 2).to_string());
    let run_a = format!(
        "`{a}`: scenarios[0].requests[0].wait.hdr: not a histogram: it declares 2147483648 bytes of counts; a histogram of its range takes at most {}",
        max_counts_bytes()
    );
    refuses(&["merge", &b, &a], &run_a);
}

#[test]
fn a_corrupt_histogram_names_the_file_and_the_field() {
    let dir = Dir::new("corrupt");
    // Random bytes (a fixed xorshift sequence), validly base64-encoded.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let random: Vec<u8> = (0..300)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let cookie = u32::from_be_bytes(random[..4].try_into().unwrap());
    let step_count = fixture()["scenarios"][0]["steps"][1]["latency"]["count"]
        .as_u64()
        .unwrap();
    for (name, edit, reason) in [
        (
            "random",
            Box::new(|doc: &mut Value| {
                doc["scenarios"][0]["steps"][1]["latency"]["hdr"] = STANDARD.encode(&random).into()
            }) as Box<dyn Fn(&mut Value)>,
            format!(
                "scenarios[0].steps[1].latency.hdr: not a histogram: the cookie is {cookie:#010x}; expected 0x1c849314 (HdrHistogram V2 deflate) or 0x1c849313 (V2)"
            ),
        ),
        (
            "base64",
            Box::new(|doc: &mut Value| {
                doc["scenarios"][0]["steps"][1]["latency"]["hdr"] = "%%%%".into()
            }),
            "scenarios[0].steps[1].latency.hdr: not a histogram: not valid base64: Invalid symbol 37, offset 0.".to_owned(),
        ),
        (
            "deflate",
            Box::new(|doc: &mut Value| {
                let mut bytes = 0x1c84_9314u32.to_be_bytes().to_vec();
                bytes.extend(4u32.to_be_bytes());
                bytes.extend([0xff; 4]);
                doc["scenarios"][0]["steps"][1]["latency"]["hdr"] = STANDARD.encode(bytes).into()
            }),
            "scenarios[0].steps[1].latency.hdr: not a histogram: its zlib stream does not hold a V2 header (40 bytes): corrupt deflate stream".to_owned(),
        ),
        (
            "count",
            Box::new(|doc: &mut Value| {
                doc["scenarios"][0]["steps"][1]["latency"]["count"] = (step_count + 1).into()
            }),
            format!(
                "scenarios[0].steps[1].latency.hdr: holds {step_count} values but `count` is {}",
                step_count + 1
            ),
        ),
    ] {
        let mut doc = fixture();
        edit(&mut doc);
        let run = dir.file(&format!("{name}.json"), doc.to_string());
        refuses(&["render", &run], &format!("`{run}`: {reason}"));
        refuses(&["render", "--format", "html", &run], &format!("`{run}`: {reason}"));

        let mut a = shard(0, 2);
        edit(&mut a);
        let a = dir.file(&format!("{name}-a.json"), a.to_string());
        let b = dir.file(&format!("{name}-b.json"), shard(1, 2).to_string());
        refuses(&["merge", &b, &a], &format!("`{a}`: {reason}"));
    }
}

#[test]
fn counts_that_overflow_across_shards_are_refused() {
    let dir = Dir::new("overflow");
    let mut a = shard(0, 2);
    a["totals"]["ok"] = u64::MAX.into();
    let a = dir.file("a.json", a.to_string());
    let b = dir.file("b.json", shard(1, 2).to_string());
    refuses(
        &["merge", &a, &b],
        &format!("cannot merge `{a}` and `{b}`: totals.ok overflows u64"),
    );

    let mut c = shard(1, 2);
    c["scenarios"][0]["steps"][0]["failed"] = u64::MAX.into();
    let mut d = shard(0, 2);
    d["scenarios"][0]["steps"][0]["failed"] = 1.into();
    let step = d["scenarios"][0]["steps"][0]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let c = dir.file("c.json", c.to_string());
    let d = dir.file("d.json", d.to_string());
    refuses(
        &["merge", &c, &d],
        &format!("cannot merge `{c}` and `{d}`: scenarios[0].steps[{step:?}].failed overflows u64"),
    );

    let mut e = shard(0, 2);
    let mut f = shard(1, 2);
    let start = e["intervals"][2]["start_us"].as_u64().unwrap();
    e["intervals"][2]["in_flight"] = u64::MAX.into();
    f["intervals"][2]["in_flight"] = 1.into();
    let e = dir.file("e.json", e.to_string());
    let f = dir.file("f.json", f.to_string());
    refuses(
        &["merge", &e, &f],
        &format!(
            "cannot merge `{e}` and `{f}`: intervals[start_us={start}].in_flight overflows u64"
        ),
    );
}

#[test]
fn truncated_and_non_json_files_name_the_file_and_the_position() {
    let dir = Dir::new("json");
    let text = std::fs::read_to_string(super::fixture()).unwrap();
    let cut = &text[..text.len() / 2];
    let truncated = dir.file("truncated.json", cut);
    let error = serde_json::from_str::<Summary>(cut).unwrap_err();
    assert!(error.is_eof(), "{error}");
    refuses(
        &["render", &truncated],
        &format!("`{truncated}` is truncated: {error}"),
    );
    let empty = dir.file("empty.json", "");
    refuses(
        &["render", &empty],
        &format!("`{empty}` is truncated: EOF while parsing a value at line 1 column 0"),
    );
    let prose = dir.file("prose.json", "results:\n  ok\n");
    refuses(
        &["render", &prose],
        &format!("`{prose}` is not a lot JSON results document: expected value at line 1 column 1"),
    );
    let binary = dir.file("binary.json", [0u8, 159, 146, 150, b'\n', 7]);
    refuses(
        &["merge", &binary],
        &format!(
            "`{binary}` is not a lot JSON results document: expected value at line 1 column 1"
        ),
    );
    let folder = dir.0.to_str().unwrap();
    refuses(
        &["render", folder],
        &format!("cannot read `{folder}`: it is a directory"),
    );
    // A quoted value with a newline is still one line, and a huge one is
    // cut in the middle.
    let mut doc = fixture();
    doc["stop_reason"] = "x".repeat(1 << 20).into();
    let long = dir.file("long.json", doc.to_string());
    let run = capped(&["render", &long], None);
    assert_eq!(run.code, Some(1));
    assert_eq!(run.stderr.lines().count(), 1);
    assert!(run.stderr.len() < 2100, "{}", run.stderr.len());
    assert!(
        run.stderr.starts_with(&format!(
            "lot-report: `{long}` is not a lot JSON results document: unknown variant `xxx"
        )),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("xxx … xxx"), "{}", run.stderr);
    let mut doc = fixture();
    doc["stop_reason"] = "done\nfor now".into();
    let odd = dir.file("odd.json", doc.to_string());
    let run = capped(&["render", &odd], None);
    assert_eq!(run.code, Some(1));
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown variant `done\\nfor now`"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_file_over_the_limit_is_refused_by_its_size() {
    let dir = Dir::new("huge");
    // A sparse file one byte over the default limit: created instantly,
    // refused before a byte of it is read.
    let huge = dir.0.join("huge.json");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(lot_report::read::MAX_INPUT_BYTES + 1)
        .unwrap();
    let huge = huge.to_str().unwrap();
    refuses(
        &["render", huge],
        &format!(
            "`{huge}` is 1073741825 bytes (1.0 GiB), over the limit of 1073741824 bytes (1.0 GiB) for a results file (raise it with --max-input-bytes)"
        ),
    );
    let size = std::fs::metadata(super::fixture()).unwrap().len();
    let fixture = super::fixture();
    let fixture = fixture.to_str().unwrap();
    refuses(
        &["render", "--max-input-bytes", "1000", fixture],
        &format!(
            "`{fixture}` is {size} bytes ({:.1} KiB), over the limit of 1000 bytes for a results file (raise it with --max-input-bytes)",
            size as f64 / 1024.0
        ),
    );
    // A pipe has no size: it is cut off at the limit.
    let run = capped(
        &["merge", "--max-input-bytes", "1000", "/dev/stdin"],
        Some(Path::new(fixture)),
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "lot-report: `/dev/stdin` is more than 1000 bytes, over the limit of 1000 bytes for a results file (raise it with --max-input-bytes)\n"
    );
    let run = capped(&["render", "--max-input-bytes", "lots", fixture], None);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .starts_with("lot-report: `--max-input-bytes` takes a number of bytes, not `lots`\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_large_file_is_parsed_as_it_is_read() {
    // 40 MiB of leading whitespace, then the fixture: reading the text
    // whole would need more than the 24 MiB the child may map (it needs
    // less than 8 MiB to parse the fixture as it reads).
    let dir = Dir::new("large");
    let path = dir.0.join("padded.json");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..40 {
        file.write_all(&spaces).unwrap();
    }
    file.write_all(&std::fs::read(super::fixture()).unwrap())
        .unwrap();
    file.into_inner().unwrap().sync_all().unwrap();
    let mut command = Command::new("sh");
    let started = Instant::now();
    let output = command
        .arg("-c")
        .arg("ulimit -v 24576 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_lot-report"))
        .args(["render", "--format", "json", path.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(60));
    let rendered: Summary = serde_json::from_slice(&output.stdout).unwrap();
    let original: Summary =
        serde_json::from_str(&std::fs::read_to_string(super::fixture()).unwrap()).unwrap();
    assert_eq!(rendered, original);
}

#[test]
fn extreme_counts_render_without_overflowing() {
    // Every count and duration at u64::MAX (histogram counts aside, which
    // must agree with their histograms), every rate huge: each format renders.
    fn maxed(value: &mut Value, key: &str, beside_hdr: bool) {
        match value {
            Value::Number(n) if key == "schema_version" || (key == "count" && beside_hdr) => {
                let _ = n;
            }
            Value::Number(n) if n.is_u64() => *value = u64::MAX.into(),
            Value::Number(_) => *value = 1e300.into(),
            Value::Array(items) => items.iter_mut().for_each(|v| maxed(v, key, false)),
            Value::Object(map) => {
                let has_hdr = map.contains_key("hdr");
                for (k, v) in map.iter_mut() {
                    maxed(v, k, has_hdr);
                }
            }
            _ => {}
        }
    }
    let dir = Dir::new("extreme");
    let mut doc = fixture();
    maxed(&mut doc, "", false);
    let run = dir.file("extreme.json", doc.to_string());
    for format in ["text", "json", "csv", "html", "md"] {
        let out = capped(&["render", "--format", format, &run], None);
        assert_eq!(out.code, Some(0), "{format}: {}", out.stderr);
        assert!(!out.stdout.is_empty(), "{format}");
    }
}

#[test]
fn crafted_shard_counts_are_refused_without_listing_them() {
    let dir = Dir::new("segments");
    // A count no run has: refused as incomplete, naming a few shards only.
    let huge = dir.file("huge.json", shard(0, u64::MAX).to_string());
    refuses(
        &["merge", &huge],
        &format!(
            "incomplete: shards 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, and {} more of {} missing (merge anyway with --allow-partial)",
            u64::MAX - 17,
            u64::MAX
        ),
    );
    let past = dir.file("past.json", shard(5, 2).to_string());
    refuses(
        &["merge", &past],
        &format!(
            "`{past}` claims to be shard 5 of 2; a shard's index is below the count of shards"
        ),
    );
}

#[test]
fn interval_rows_must_be_the_runs_own() {
    let dir = Dir::new("rows");
    let mut doc = fixture();
    doc["intervals"][3]["scenarios"][0]["name"] = "nobody".into();
    let stranger = dir.file("stranger.json", doc.to_string());
    refuses(
        &["render", &stranger],
        &format!("`{stranger}`: intervals[3].scenarios[0].name: not one of the run's scenarios"),
    );
    let mut doc = fixture();
    let row = doc["intervals"][3]["scenarios"][0].clone();
    doc["intervals"][3]["scenarios"] = Value::Array(vec![row; 5000]);
    let crowded = dir.file("crowded.json", doc.to_string());
    refuses(
        &["render", &crowded],
        &format!("`{crowded}`: intervals[3].scenarios: 5000 rows for a run of 1 scenarios"),
    );
}

#[test]
fn a_long_list_of_merged_shards_is_refused_as_it_is_read() {
    let dir = Dir::new("merged-shards");
    let mut doc = fixture();
    doc["merged"] = serde_json::json!({ "count": 1, "shards": vec![0; 70_000] });
    let long = dir.file("long.json", doc.to_string());
    let run = capped(&["render", &long], None);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.starts_with(&format!(
            "lot-report: `{long}` is not a lot JSON results document: more than 65536 shards in merged.shards"
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn rates_that_sum_past_f64_are_refused() {
    let dir = Dir::new("rates");
    let mut a = shard(0, 2);
    let mut b = shard(1, 2);
    a["achieved_rps"] = 1.7e308.into();
    b["achieved_rps"] = 1.7e308.into();
    a["scheduling_us"] = 1.into();
    b["scheduling_us"] = 1.into();
    let a = dir.file("a.json", a.to_string());
    let b = dir.file("b.json", b.to_string());
    refuses(
        &["merge", &a, &b],
        &format!("cannot merge `{a}` and `{b}`: achieved_rps overflows an f64"),
    );
}
