//! HTTP requests in the results: every format shows them, `read::check`
//! checks their counts, merge adds them up, and thresholds measure them.

use lot_report::stats::new_histogram;
use lot_report::{
    Format, HttpInterval, MAX_STATUS_CODES, RequestSummary, Segment, Stats, StatusCount, Summary,
    Threshold,
};

/// Statistics of a histogram holding `count` values of `us`, for each pair.
fn stats(values: &[(u64, u64)]) -> Stats {
    let mut h = new_histogram();
    for &(us, count) in values {
        h.record_n(us, count).unwrap();
    }
    Stats::from_histogram(&h)
}

/// A request: `responses` by code, `failed` more, `reused` of them on a
/// kept-alive connection, each response waiting `wait_us` (value, count)
/// and taking 200 µs more in all.
fn request(
    name: &str,
    step: Option<&str>,
    responses: &[(u16, u64)],
    failed: u64,
    reused: u64,
    wait_us: &[(u64, u64)],
) -> RequestSummary {
    let answered: u64 = responses.iter().map(|r| r.1).sum();
    let count = answered + failed;
    let mut r = RequestSummary {
        name: name.into(),
        step: step.map(str::to_owned),
        count,
        failed,
        reused,
        bytes_sent: 80 * count,
        bytes_received: 1500 * answered,
        connect: stats(&[(300, count - reused)]),
        send: stats(&[(10, answered)]),
        wait: stats(wait_us),
        receive: stats(&[(50, answered)]),
        duration: stats(
            &wait_us
                .iter()
                .map(|&(us, n)| (us + 200, n))
                .chain([(30_000, failed)])
                .collect::<Vec<_>>(),
        ),
        ..RequestSummary::default()
    };
    r.set_status(responses.iter().copied());
    r
}

/// The quickstart results with two request names in scenario `visit`: `GET
/// /` outside any step and `GET /api/items/{id}` inside step `api`, with
/// statuses 200, 404 and 503, and their counts in two intervals.
pub fn with_requests() -> Summary {
    let text = std::fs::read_to_string(super::fixture()).unwrap();
    let mut s: Summary = serde_json::from_str(&text).unwrap();
    s.scenarios[0].requests = vec![
        request(
            "GET /",
            None,
            &[(200, 90), (404, 6), (503, 2)],
            2,
            95,
            &[(1_000, 90), (5_000, 8)],
        ),
        request(
            "GET /api/items/{id}",
            Some("api"),
            &[(200, 48), (503, 2)],
            0,
            50,
            &[(2_000, 45), (40_000, 5)],
        ),
    ];
    let halves = [
        HttpInterval {
            requests: 75,
            failed: 2,
            bytes_sent: 6_000,
            bytes_received: 109_500,
            status_2xx: 68,
            status_4xx: 3,
            status_5xx: 2,
            ..HttpInterval::default()
        },
        HttpInterval {
            requests: 75,
            failed: 0,
            bytes_sent: 6_000,
            bytes_received: 112_500,
            status_2xx: 70,
            status_4xx: 3,
            status_5xx: 2,
            ..HttpInterval::default()
        },
    ];
    for (interval, http) in s.intervals.iter_mut().skip(3).zip(halves) {
        interval.scenarios[0].http = http;
    }
    s
}

#[track_caller]
fn contains(text: &str, part: &str) {
    assert!(text.contains(part), "no {part:?} in:\n{text}");
}

#[test]
fn the_text_summary_shows_each_scenarios_requests_within_80_columns() {
    let mut s = with_requests();
    s.scenarios[0].requests[1].name = "GET /api/items/{id}?with=a-long-query".into();
    let text = Format::Text.render(&s);
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "{line:?}");
    }
    let block = &text[text.find("  http requests of visit").expect(&text)..];
    let block: Vec<&str> = block.lines().take(8).collect();
    let rate = 150.0 / (s.duration_us as f64 / 1e6);
    assert_eq!(
        block,
        [
            format!("  http requests of visit: 150 ({rate:.2}/s), failed 2 (1.33%), reused 96.67%")
                .as_str(),
            "    sent 11.7 KiB (800 B/s), received 217 KiB (14.4 KiB/s)",
            "    status 2xx 138, 3xx 0, 4xx 6, 5xx 4",
            "                                                            wait        duration",
            "    request                        count  failed     p50     p99     p50     p99",
            "    GET /                            100       2  1.00ms  5.00ms  1.20ms  30.0ms",
            "    api › GET /api/items/{id}?with=a-long-query",
            "                                      50       0  2.00ms  40.0ms  2.20ms  40.2ms",
        ]
    );
    // No requests, no block.
    let text = std::fs::read_to_string(super::fixture()).unwrap();
    let plain: Summary = serde_json::from_str(&text).unwrap();
    assert!(!Format::Text.render(&plain).contains("http requests"));
}

#[test]
fn markdown_and_html_show_exact_codes_and_the_phases() {
    let s = with_requests();
    let md = Format::Md.render(&s);
    contains(
        &md,
        "\n### HTTP requests: visit\n\n| step | request | requests | failed | reused | sent | received | status |\n|---|---|---|---|---|---|---|---|\n",
    );
    contains(
        &md,
        "|  | GET / | 100 | 2 | 95.00% | 7.81 KiB | 144 KiB | 200 ×90, 404 ×6, 503 ×2 |\n",
    );
    contains(
        &md,
        "| api | GET /api/items/{id} | 50 | 0 | 100.00% | 3.91 KiB | 73.2 KiB | 200 ×48, 503 ×2 |\n",
    );
    contains(
        &md,
        "| step | request (p50 / p99) | connect | tls | send | wait | receive | duration |\n",
    );
    contains(
        &md,
        "| api | GET /api/items/{id} | – | – | 10µs / 10µs | 2.00ms / 40.0ms | 50µs / 50µs | 2.20ms / 40.2ms |\n",
    );
    contains(&md, "| http requests | 150 (");

    let html = Format::Html.render(&s);
    contains(&html, "<h2>HTTP requests: visit</h2>");
    contains(
        &html,
        "<td class=\"text status\">200 ×90, 404 ×6, 503 ×2</td>",
    );
    contains(&html, "<td class=\"text status\">200 ×48, 503 ×2</td>");
    assert_eq!(html.matches("<table class=\"phases\">").count(), 2);
    contains(
        &html,
        "<tr><td>wait</td><td>2.00ms</td><td>2.00ms</td><td>40.0ms</td><td>40.0ms</td></tr>",
    );
    contains(
        &html,
        "<tr><td>tls</td><td>–</td><td>–</td><td>–</td><td>–</td></tr>",
    );
    contains(&html, "<b>150</b><span>HTTP requests (");
    // Names from the target are escaped.
    let mut hostile = with_requests();
    hostile.scenarios[0].requests[0].name = "<script>x</script>|".into();
    assert!(!Format::Html.render(&hostile).contains("<script>x"));
    assert!(!Format::Md.render(&hostile).contains("<script>x"));
    contains(
        &Format::Md.render(&hostile),
        "| &lt;script&gt;x&lt;/script&gt;\\| |",
    );
}

#[test]
fn csv_rows_end_with_the_intervals_http_counts() {
    let s = with_requests();
    let csv = Format::Csv.render(&s);
    let mut lines = csv.split("\r\n");
    let header = lines.next().unwrap();
    assert!(
        header.ends_with(",latency_max_us,http_requests,http_failed,http_bytes_sent,http_bytes_received,http_status_1xx,http_status_2xx,http_status_3xx,http_status_4xx,http_status_5xx"),
        "{header}"
    );
    let columns = header.split(',').count();
    let rows: Vec<Vec<&str>> = lines
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').collect())
        .collect();
    assert!(rows.iter().all(|r| r.len() == columns));
    let tail = |row: &[&str]| row[columns - 9..].join(",");
    let of = |index: &str, scope: &str| {
        rows.iter()
            .find(|r| r[0] == index && r[3] == scope)
            .unwrap()
            .clone()
    };
    assert_eq!(tail(&of("3", "total")), "75,2,6000,109500,0,68,0,3,2");
    assert_eq!(tail(&of("3", "scenario")), "75,2,6000,109500,0,68,0,3,2");
    assert_eq!(tail(&of("4", "scenario")), "75,0,6000,112500,0,70,0,3,2");
    assert_eq!(tail(&of("3", "step")), ",,,,,,,,");
    assert_eq!(tail(&of("0", "scenario")), "0,0,0,0,0,0,0,0,0");
}

#[test]
fn json_carries_the_requests_and_leaves_older_documents_unchanged() {
    let s = with_requests();
    let json = Format::Json.render(&s);
    let back: Summary = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
    lot_report::read::check(&back).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let first = &value["scenarios"][0]["requests"][0];
    assert_eq!(
        first["status"][1],
        serde_json::json!({"code": 404, "count": 6})
    );
    assert!(first.get("step").is_none(), "{first}");
    assert_eq!(value["scenarios"][0]["requests"][1]["step"], "api");
    assert_eq!(
        value["intervals"][3]["scenarios"][0]["http"]["requests"],
        75
    );
    assert!(value["intervals"][0]["scenarios"][0].get("http").is_none());
    // A document without requests reads as before and is written as before.
    let text = std::fs::read_to_string(super::fixture()).unwrap();
    let plain: Summary = serde_json::from_str(&text).unwrap();
    let written = Format::Json.render(&plain);
    assert!(!written.contains("\"requests\"") && !written.contains("\"http\""));
    // Fields a newer writer leaves out read as empty.
    let minimal: RequestSummary = serde_json::from_str(r#"{"name": "GET /"}"#).unwrap();
    assert_eq!(minimal.count, 0);
    assert!(minimal.is_balanced());
}

#[test]
fn reading_checks_that_the_counts_add_up() {
    let check = |edit: fn(&mut Summary), want: &str| {
        let mut s = with_requests();
        edit(&mut s);
        let err = lot_report::read::check(&s).expect_err(want);
        assert_eq!(err.to_string(), want);
    };
    check(
        |s| s.scenarios[0].requests[0].count += 1,
        "scenarios[0].requests[0].count: 101 requests, but `failed`, `status` and `status_other` add up to 100",
    );
    check(
        |s| s.scenarios[0].requests[1].reused = 51,
        "scenarios[0].requests[1].reused: 51 reused of 50 requests (`count`)",
    );
    check(
        |s| s.scenarios[0].requests[0].status[1].code = 200,
        "scenarios[0].requests[0].status: code 200 listed twice",
    );
    check(
        |s| {
            let r = &mut s.scenarios[0].requests[0];
            r.status = (0..=MAX_STATUS_CODES as u16)
                .map(|code| StatusCount { code, count: 0 })
                .collect();
        },
        "scenarios[0].requests[0].status: 65 codes; at most 64 are listed, the rest counted in `status_other`",
    );
    check(
        |s| s.scenarios[0].requests[1].duration = stats(&[(1, 51)]),
        "scenarios[0].requests[1].duration.count: 51 values for 50 requests (`count`)",
    );
    check(
        |s| s.scenarios[0].requests[1].wait.count += 1,
        "scenarios[0].requests[1].wait.hdr: holds 50 values but `count` is 51",
    );
    check(
        |s| {
            let copy = s.scenarios[0].requests[1].clone();
            s.scenarios[0].requests.push(copy);
        },
        "scenarios[0].requests[2]: request \"GET /api/items/{id}\" of step \"api\" listed twice",
    );
    check(
        |s| s.intervals[3].scenarios[0].http.status_2xx += 6,
        "intervals[3].scenarios[0].http: `failed` and the status classes add up to more than `requests`",
    );
    check(
        |s| {
            let r = &mut s.scenarios[0].requests[0];
            r.status_other = u64::MAX;
        },
        "scenarios[0].requests[0].count: 100 requests, but `failed`, `status` and `status_other` add up to 18446744073709551715",
    );
}

mod merging {
    use super::*;
    use lot_report::merge::merge;

    fn shards(a: Summary, b: Summary) -> Vec<(String, Summary)> {
        [a, b]
            .into_iter()
            .enumerate()
            .map(|(index, mut s)| {
                s.segment = Some(Segment {
                    index: index as u64,
                    count: 2,
                });
                (format!("shard-{index}.json"), s)
            })
            .collect()
    }

    #[test]
    fn requests_are_summed_and_their_histograms_merged() {
        let a = with_requests();
        let mut b = with_requests();
        // The second shard's `GET /` waited longer, got a 500 and has a
        // request the first has not.
        let slow = request(
            "GET /",
            None,
            &[(200, 10), (500, 1)],
            0,
            11,
            &[(80_000, 11)],
        );
        b.scenarios[0].requests[0] = slow.clone();
        b.scenarios[0].requests.push(request(
            "POST /cart",
            Some("api"),
            &[(201, 3)],
            1,
            0,
            &[(3_000, 3)],
        ));
        let merged = merge(&shards(a.clone(), b.clone()), false).unwrap();
        let requests = &merged.scenarios[0].requests;
        let names: Vec<String> = requests.iter().map(RequestSummary::label).collect();
        assert_eq!(
            names,
            ["GET /", "api › GET /api/items/{id}", "api › POST /cart"]
        );
        let get = &requests[0];
        assert_eq!((get.count, get.failed, get.reused), (111, 2, 106));
        assert_eq!((get.bytes_sent, get.bytes_received), (80 * 111, 1500 * 109));
        assert_eq!(
            get.status,
            [(200, 100), (404, 6), (503, 2), (500, 1)]
                .map(|(code, count)| StatusCount { code, count })
        );
        assert!(get.is_balanced());
        let mut both = a.scenarios[0].requests[0].wait.histogram().unwrap();
        both.add(slow.wait.histogram().unwrap()).unwrap();
        assert_eq!(get.wait, Stats::from_histogram(&both));
        assert_eq!(get.wait.p99_us, both.value_at_quantile(0.99));
        let api = &requests[1];
        assert_eq!((api.count, api.reused), (100, 100));
        assert_eq!(api.status_class(5), 4);
        assert_eq!(requests[2].count, 4);
        lot_report::read::check(&merged).unwrap();
        // The intervals' counts add up too.
        let http = |s: &Summary| -> Vec<HttpInterval> {
            s.intervals.iter().map(lot_report::Interval::http).collect()
        };
        let mut want = http(&a);
        for (w, h) in want.iter_mut().zip(http(&b)) {
            w.add(&h);
        }
        assert_eq!(http(&merged), want);
        assert_eq!(merged.intervals[3].scenarios[0].http.requests, 150);
    }

    #[test]
    fn merged_status_tables_keep_their_bound() {
        // 64 codes on each shard, 32 of them shared: 96 codes in all.
        let table = |codes: std::ops::Range<u16>| -> Vec<(u16, u64)> {
            codes.map(|c| (c, 1 + u64::from(c % 7))).collect()
        };
        let mut a = with_requests();
        let mut b = with_requests();
        a.scenarios[0].requests[0] = request("GET /", None, &table(100..164), 0, 0, &[]);
        b.scenarios[0].requests[0] = request("GET /", None, &table(132..196), 0, 0, &[]);
        b.scenarios[0].requests[0].status_other = 5;
        b.scenarios[0].requests[0].count += 5;
        let merged = merge(&shards(a.clone(), b.clone()), false).unwrap();
        let get = &merged.scenarios[0].requests[0];
        assert_eq!(get.status.len(), MAX_STATUS_CODES);
        assert!(get.is_balanced(), "{get:?}");
        assert_eq!(
            get.count,
            a.scenarios[0].requests[0].count + b.scenarios[0].requests[0].count
        );
        assert!(get.status.windows(2).all(|w| w[0].count >= w[1].count));
        // Shared codes count twice, so they come first.
        assert_eq!(
            get.status[0],
            StatusCount {
                code: 132 + 6 - 132 % 7,
                count: 14
            }
        );
    }

    #[test]
    fn an_overflowing_count_names_the_files() {
        let mut a = with_requests();
        let mut b = with_requests();
        for s in [&mut a, &mut b] {
            s.scenarios[0].requests[1].bytes_sent = u64::MAX / 2 + 1;
        }
        let err = merge(&shards(a, b), false).unwrap_err().to_string();
        assert_eq!(
            err,
            "cannot merge `shard-0.json` and `shard-1.json`: scenarios[0].requests[step=\"api\", name=\"GET /api/items/{id}\"].bytes_sent overflows u64"
        );
    }
}

#[test]
fn thresholds_measure_the_requests_in_their_scope() {
    let s = with_requests();
    for (expression, passed, measured) in [
        ("http_requests == 150", true, "150"),
        ("http_requests[api] == 50", true, "50"),
        ("http_bytes_sent < 12001", true, "12000"),
        ("http_bytes_received[GET /] == 147000", true, "147000"),
        ("http_failed < 1%", false, "1.333%"),
        ("http_failed[api] == 0", true, "0.000%"),
        ("http_reused >= 99%", false, "96.667%"),
        ("http_status 5xx == 4", true, "4"),
        ("http_status 404 < 10", true, "6"),
        ("http_status 5xx < 1%", false, "2.667%"),
        ("http_status[visit] 2xx == 138", true, "138"),
        ("http_status[api] 5xx == 0", false, "2"),
        ("http_status[GET /] 404 == 6", true, "6"),
        ("http_status 3xx == 0", true, "0"),
        ("http_wait p50 < 2ms", true, "1.00ms"),
        // Over the requests inside step `api`.
        ("http_wait[api] p99 < 10ms", false, "40.0ms"),
        ("http_wait[api] p90 < 10ms", true, "2.00ms"),
        ("http_duration[GET /] max < 20ms", false, "30.0ms"),
        ("http_connect max <= 300us", true, "300µs"),
        ("http_send avg == 10us", true, "10µs"),
        ("http_receive p99 < 1ms", true, "50µs"),
        ("http_tls p99 < 1ms", false, "no values recorded"),
        (
            "http_wait[nothing] p99 < 1s",
            false,
            "no scenario, step or request named `nothing` in the results",
        ),
        (
            "http_wait[home page] p99 < 1s",
            false,
            "no HTTP requests were recorded in step `home page`",
        ),
    ] {
        let t = Threshold::parse(expression).unwrap();
        let r = t.evaluate(&s);
        assert_eq!(
            (r.passed, r.measured.as_str()),
            (passed, measured),
            "{expression}"
        );
    }
    // The merged percentile of several requests is the one of their
    // histograms together: GET / has 98 waits, the api 50, 150 in all.
    let t = Threshold::parse("http_wait p99 < 1s").unwrap();
    let r = s.scenarios[0]
        .requests
        .iter()
        .fold(new_histogram(), |mut h, r| {
            h.add(r.wait.histogram().unwrap()).unwrap();
            h
        });
    assert_eq!(t.evaluate(&s).value, Some(r.value_at_quantile(0.99) as f64));

    // Nothing recorded: not measurable, so failed, with no value.
    let text = std::fs::read_to_string(super::fixture()).unwrap();
    let plain: Summary = serde_json::from_str(&text).unwrap();
    for (expression, measured) in [
        ("http_requests >= 0", "no HTTP requests were recorded"),
        ("http_status 5xx == 0", "no HTTP requests were recorded"),
        ("http_wait p99 < 1s", "no HTTP requests were recorded"),
        (
            "http_failed[visit] < 1%",
            "no HTTP requests were recorded in scenario `visit`",
        ),
    ] {
        let r = Threshold::parse(expression).unwrap().evaluate(&plain);
        assert_eq!(
            (r.passed, r.value, r.measured.as_str()),
            (false, None, measured)
        );
    }
    // Codes past the table: their class is not known.
    let mut unknown = with_requests();
    unknown.scenarios[0].requests[0].status_other = 3;
    unknown.scenarios[0].requests[0].count += 3;
    let r = Threshold::parse("http_status 5xx == 4")
        .unwrap()
        .evaluate(&unknown);
    assert_eq!(
        (r.passed, r.measured.as_str()),
        (
            false,
            "3 responses had codes past the table of 64, so how many are 5xx is not known"
        )
    );
}
