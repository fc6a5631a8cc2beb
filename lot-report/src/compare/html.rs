//! The comparison as one self-contained HTML page: the tables of the
//! Markdown output's content, and per group (the run, each scenario, each
//! step) two charts drawn with the vendored uPlot (lot-report's `assets/`):
//! the two latency percentile spectra overlaid, and the two runs' latency
//! p50 and p99 over time, aligned on each run's start: each run's points at
//! the ends of its own intervals, joined on one time axis by uPlot's `join`
//! (a run's line is drawn across the other's times, and broken where it had
//! no value), so runs of different lengths, or folded differently, line up
//! in time. Nothing is loaded from the network. Names from the
//! runs are escaped in the tables, and in the embedded JSON `<`, `>` and
//! `&` are `\u` escapes, so no name can close its `<script>` element. After
//! the script has drawn, the root element carries `data-charts` and
//! `data-charts-drawn`.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::Condensed;
use super::model::Comparison;
use super::rows::{LEGEND, describe, rows, unmatched};
use super::series::{MAX_POINTS, Points};
use crate::html::escape;
use crate::model::Summary;
use crate::stats::Stats;

const UPLOT_JS: &str = include_str!("../../assets/uPlot.iife.min.js");
const UPLOT_CSS: &str = include_str!("../../assets/uPlot.min.css");

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1f2328}main{max-width:1100px;margin:auto;padding:1em}table{border-collapse:collapse;margin:.5em 0}td,th{padding:2px 8px;border-bottom:1px solid #d0d7de}td.n{text-align:right;font-variant-numeric:tabular-nums}.sig{color:#cf222e;font-weight:bold}.fail{color:#cf222e}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:1em}figure{margin:0}figcaption{font-weight:600}.sub{color:#6e7781}";

const SCRIPT: &str = r#"(function(){'use strict';
var D=JSON.parse(document.getElementById('lot-compare').textContent);
var root=document.documentElement,made=0,drawn=0;
function us(v){if(v==null||!isFinite(v))return '–';if(v<1000)return v.toFixed(0)+' µs';if(v<1e6)return (v/1e3).toFixed(2)+' ms';return (v/1e6).toFixed(2)+' s';}
function chart(box,title,x,series,xlabel,log){
  var fig=document.createElement('figure');var cap=document.createElement('figcaption');cap.textContent=title;fig.appendChild(cap);box.appendChild(fig);
  var data=[x].concat(series.map(function(s){return s.values;}));
  made++;root.setAttribute('data-charts',String(made));
  var opts={width:Math.max(320,Math.min(540,box.clientWidth||540)),height:240,
    scales:{x:{time:false},y:{distr:log?3:1}},
    axes:[{label:xlabel,values:function(u,v){return v.map(function(t){return xlabel==='percentile'?(100*(1-Math.pow(10,-t))).toPrecision(5).replace(/0+$/,'').replace(/\.$/,''):t+'s';});}},{size:72,values:function(u,v){return v.map(us);}}],
    series:[{}].concat(series.map(function(s){return {label:s.label,stroke:s.color,dash:s.dash,width:2,points:{show:false},value:function(u,v){return us(v);}};})),
    hooks:{draw:[function(){if(!fig.dataset.drawn){fig.dataset.drawn='1';drawn++;root.setAttribute('data-charts-drawn',String(drawn));}}]}};
  new uPlot(opts,data,fig);
}
D.groups.forEach(function(g){
  var sec=document.createElement('section');var h=document.createElement('h3');h.textContent=g.title;sec.appendChild(h);
  var grid=document.createElement('div');grid.className='grid';sec.appendChild(grid);document.getElementById('charts').appendChild(sec);
  chart(grid,'latency percentile spectrum',g.spectrum.x,[{label:'base',color:'#6e7781',values:g.spectrum.base},{label:'new',color:'#0969da',values:g.spectrum.new}],'percentile',true);
  var b=g.time.base,n=g.time.new,j=uPlot.join([[b.t,b.p50,b.p99],[n.t,n.p50,n.p99]]);
  chart(grid,'latency over time',j[0],[{label:'base p50',color:'#6e7781',values:j[1]},{label:'base p99',color:'#6e7781',dash:[6,4],values:j[2]},{label:'new p50',color:'#0969da',values:j[3]},{label:'new p99',color:'#0969da',dash:[6,4],values:j[4]}],'time',false);
});
window.addEventListener('load',function(){root.setAttribute('data-resources',String(performance.getEntriesByType('resource').length));});
})();"#;

/// The spectrum's points: x = log10(1 / (1 − q)) from 0 (p0) to 5
/// (p99.999), 101 points; `null` where the histogram is empty.
fn spectrum(st: &Stats) -> (Vec<f64>, Vec<Value>) {
    let h = st.histogram().ok();
    (0..=100)
        .map(|i| {
            let x = f64::from(i) / 20.0;
            let q = 1.0 - 10f64.powf(-x);
            let v = h
                .as_ref()
                .filter(|h| !h.is_empty())
                .map_or(Value::Null, |h| json!(h.value_at_quantile(q)));
            (x, v)
        })
        .unzip()
}

fn latency<'a>(s: &'a Summary, scenario: Option<&str>, step: Option<&str>) -> Option<&'a Stats> {
    match scenario {
        None => Some(&s.latency),
        Some(name) => {
            let sc = s.scenarios.iter().find(|x| x.name == name)?;
            match step {
                None => Some(&sc.latency),
                Some(step) => sc.steps.iter().find(|x| x.name == step).map(|x| &x.latency),
            }
        }
    }
}

/// The chart data of one group: the spectra, and each run's points over
/// time ([`timeline`]), which the page joins on one time axis.
fn group_data(
    base: &Condensed,
    new: &Condensed,
    scenario: Option<&str>,
    step: Option<&str>,
) -> Value {
    let empty = Stats::default();
    let (x, b) = spectrum(latency(base.summary(), scenario, step).unwrap_or(&empty));
    let (_, n) = spectrum(latency(new.summary(), scenario, step).unwrap_or(&empty));
    let bp = base.series().group(scenario, step).map(|g| &g.points);
    let np = new.series().group(scenario, step).map(|g| &g.points);
    json!({
        "spectrum": {"x": x, "base": b, "new": n},
        "time": {"base": timeline(base, bp), "new": timeline(new, np)},
    })
}

/// One run's latency p50 and p99 over time, for a group whose points are
/// `points`: `t`, where every `n`-th of the run's intervals ends (seconds
/// from its start; a long run's intervals are folded, so they are not all
/// one tick long), `n` the smallest multiple of its strides that keeps them
/// within [`MAX_POINTS`]; `null` where the group had no value.
fn timeline(run: &Condensed, points: Option<&Points>) -> Value {
    let series = run.series();
    let ends = series.ends();
    let len = series.intervals();
    // Strides are powers of two: the larger is a multiple of the other.
    let kept = points.map_or(1, Points::stride).max(ends.stride());
    let stride = len.div_ceil(MAX_POINTS as u64).max(1).div_ceil(kept) * kept;
    // `ends` holds every interval that is a multiple of its stride, so of
    // `stride` too.
    let (idx, t): (Vec<u64>, Vec<f64>) = ends
        .iter()
        .filter(|(i, _)| i % stride == 0)
        .map(|(i, end_us)| (i, end_us as f64 / 1e6))
        .unzip();
    let pick = |p99: bool| -> Vec<Value> {
        idx.iter()
            .map(|&i| match points.and_then(|p| p.at(i)) {
                Some((p50, p99v)) => json!(if p99 { p99v } else { p50 }),
                None => Value::Null,
            })
            .collect()
    };
    json!({"t": t, "p50": pick(false), "p99": pick(true)})
}

/// Renders the comparison of `base` and `new` as a self-contained page.
pub fn render(c: &Comparison, base: &Condensed, new: &Condensed) -> String {
    let groups: Vec<Value> = c
        .groups
        .iter()
        .map(|g| {
            let mut v = group_data(base, new, g.scenario.as_deref(), g.step.as_deref());
            v["title"] = json!(g.title());
            v
        })
        .collect();
    let data = json!({ "groups": groups })
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    let mut out = String::new();
    let title = format!("lot: {} → {}", c.base.label, c.new.label);
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{t}</title><style>{UPLOT_CSS}\n{STYLE}</style></head><body><main><h1>{t}</h1><p class=\"sub\">base: {} <br>new: {}</p>",
        escape(&describe(&c.base)),
        escape(&describe(&c.new)),
        t = escape(&title),
    );
    for w in &c.warnings {
        let _ = write!(out, "<p class=\"fail\">warning: {}</p>", escape(w));
    }
    if !c.gates.is_empty() {
        out.push_str("<h2>Gates</h2><table>");
        for g in &c.gates {
            let _ = write!(
                out,
                "<tr><td class=\"{}\">{}</td><td>{}</td><td>{}</td></tr>",
                if g.passed { "" } else { "fail" },
                if g.passed { "PASS" } else { "FAIL" },
                escape(&g.expression),
                escape(&g.measured)
            );
        }
        out.push_str("</table>");
    }
    out.push_str("<h2>Charts</h2><noscript><p class=\"sub\">The charts need JavaScript; the tables do not.</p></noscript><div id=\"charts\"></div><h2>Tables</h2>");
    for g in &c.groups {
        let _ = write!(
            out,
            "<h3>{}</h3><table><tr><th></th><th>base</th><th>new</th><th>change</th><th>%</th><th></th></tr>",
            escape(&g.title())
        );
        for r in rows(g) {
            let pad = if r.nested { "&nbsp;&nbsp;" } else { "" };
            let _ = write!(
                out,
                "<tr><td>{pad}{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"sig\">{}</td></tr>",
                escape(&r.label),
                escape(&r.base),
                escape(&r.new),
                escape(&r.change),
                escape(&r.relative),
                r.mark
            );
        }
        out.push_str("</table>");
    }
    for l in unmatched(c) {
        let _ = write!(out, "<p>{}</p>", escape(&l));
    }
    let _ = writeln!(
        out,
        "<p class=\"sub\">{}</p></main><script type=\"application/json\" id=\"lot-compare\">{data}</script><script>{UPLOT_JS}</script><script>{SCRIPT}</script></body></html>",
        escape(LEGEND)
    );
    out
}
