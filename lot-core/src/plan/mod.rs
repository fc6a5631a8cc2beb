//! The plan: the code's settings and their overrides (environment, command
//! line) checked and turned into a [`Prepared`] run, before any load is
//! sent and without a runtime.
//!
//! Every check that can fail happens here, so that a run either starts with
//! a valid plan or sends nothing: stages, bounds and durations, the loads'
//! mixes and names, thresholds and their scopes, the start time of a
//! distributed run, and the outputs (each output's temporary file is
//! created here).

pub mod load;
mod outputs;
pub mod settings;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lot_report::{
    Fanout, Limits, LoadModel, LoadPlan, Plan, Progress, Reporter, Segment, StagePlan,
    TerminalReporter, Threshold, WeightedScenario,
};

use self::outputs::Output;
use crate::drive::closed::{ClosedMember, Think};
use crate::drive::open::OpenMember;
use crate::error::Error;
use crate::schedule::{PlanError, Schedule, Stage};
use load::{Load, Model};
use settings::Overrides;

/// Default bound on iterations in flight, per arrival-rate load.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 10_000;
/// Default per-iteration timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default graceful stop period.
pub const DEFAULT_GRACEFUL_STOP: Duration = Duration::from_secs(30);
/// Default reporting interval.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(1);

/// How late after `LOT_START_AT` a shard may still start (anchored to that
/// instant, launching the arrivals it missed at once, with their lag).
const MAX_START_DELAY: Duration = Duration::from_secs(5);

/// How far ahead `LOT_START_AT` may be: a day.
const MAX_START_WAIT: Duration = Duration::from_secs(24 * 3600);

/// What the code asks for: the executor's settings, before overrides.
pub(crate) struct Config {
    pub(crate) stages: Vec<Stage>,
    pub(crate) loads: Vec<Load>,
    pub(crate) max_in_flight: usize,
    pub(crate) timeout: Duration,
    pub(crate) graceful_stop: Duration,
    pub(crate) interval: Duration,
    pub(crate) quiet: Option<bool>,
    pub(crate) terminal: bool,
    pub(crate) outputs: Vec<String>,
    /// The live dashboard's address, from [`Executor::dashboard`](crate::Executor::dashboard).
    pub(crate) dashboard: Option<String>,
    pub(crate) reporters: Vec<Box<dyn Reporter>>,
    pub(crate) handle_signals: bool,
    pub(crate) thresholds: Vec<String>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            stages: Vec::new(),
            loads: Vec::new(),
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            timeout: DEFAULT_TIMEOUT,
            graceful_stop: DEFAULT_GRACEFUL_STOP,
            interval: DEFAULT_INTERVAL,
            quiet: None,
            terminal: true,
            outputs: Vec::new(),
            dashboard: None,
            reporters: Vec::new(),
            handle_signals: true,
            thresholds: Vec::new(),
        }
    }
}

/// A run, checked and ready: everything it needs but the runtime.
pub(crate) struct Prepared {
    pub(crate) segment: Option<Segment>,
    pub(crate) start_at_ms: Option<u64>,
    pub(crate) thresholds: Vec<Threshold>,
    /// The scenarios' names, in the order of their indices.
    pub(crate) names: Vec<String>,
    pub(crate) loads: Vec<LoadRun>,
    pub(crate) plan: Plan,
    pub(crate) limits: Limits,
    pub(crate) timeout: Duration,
    pub(crate) graceful_stop: Duration,
    pub(crate) interval: Duration,
    pub(crate) reporters: Fanout,
    pub(crate) handle_signals: bool,
    /// Whether the terminal reporter is among the reporters.
    pub(crate) terminal: bool,
    /// What was found while checking that is worth saying but not an error,
    /// to be told through the reporters once the run starts.
    pub(crate) warnings: Vec<String>,
    /// Notices for the start of the run: where the dashboard is.
    pub(crate) infos: Vec<String>,
}

/// One load, checked, ready to run.
pub(crate) struct LoadRun {
    /// Index of its first scenario in the run's scenario list.
    pub(crate) first: usize,
    pub(crate) weights: Vec<u64>,
    pub(crate) schedule: Arc<Schedule>,
    pub(crate) start_after: Duration,
    pub(crate) model: ModelRun,
}

/// A checked load's model and the settings only it has.
pub(crate) enum ModelRun {
    ArrivalRate {
        members: Vec<Arc<dyn OpenMember>>,
        max_in_flight: u64,
    },
    Users {
        members: Vec<Arc<dyn ClosedMember>>,
        think: Think,
        pacing: Option<Duration>,
        graceful_ramp_down: Duration,
    },
}

/// Checks `config` under `overrides` and prepares the run.
pub(crate) fn prepare(mut config: Config, overrides: Overrides) -> Result<Prepared, Error> {
    apply_overrides(&mut config, &overrides)?;
    check_start_at(&overrides)?;
    check_limits(&config)?;
    let thresholds = config
        .thresholds
        .iter()
        .map(|t| Threshold::parse(t).map_err(Error::threshold(overrides.thresholds_from)))
        .collect::<Result<Vec<_>, _>>()?;

    let mut names: Vec<String> = Vec::new();
    let mut loads = Vec::new();
    let mut plans = Vec::new();
    let load_count = config.loads.len();
    for (l, load) in std::mem::take(&mut config.loads).into_iter().enumerate() {
        let schedule = Schedule::new(&load.stages).map_err(|e| Error::load(l, load_count, e))?;
        check_load(l, &load)?;
        let first = names.len();
        for (_, name) in load.model.scenarios() {
            if names.iter().any(|n| n == name) {
                return Err(Error::setting(
                    "scenario name",
                    name,
                    "distinct scenario names: give each its own with lot::scenario::named",
                ));
            }
            names.push(name.to_owned());
        }
        let stages = load.stages.clone();
        let run = load_run(load, first, Arc::new(schedule), &config)?;
        plans.push(load_plan(&run, &stages, &names[first..]));
        loads.push(run);
    }
    let warnings = check_threshold_scopes(&thresholds, &names)?;
    let (reporters, infos) = open_reporters(&mut config, &overrides)?;
    let plan = Plan {
        iterations: plans.iter().filter_map(|p| p.iterations).sum(),
        duration_us: loads
            .iter()
            .map(|r| micros(r.start_after).saturating_add(micros(r.schedule.duration())))
            .max()
            .unwrap_or(0),
        loads: plans,
    };
    Ok(Prepared {
        segment: overrides.segment,
        start_at_ms: overrides.start_at_ms,
        thresholds,
        names,
        loads,
        plan,
        limits: Limits {
            timeout_us: micros(config.timeout),
            graceful_stop_us: micros(config.graceful_stop),
            interval_us: micros(config.interval),
        },
        timeout: config.timeout,
        graceful_stop: config.graceful_stop,
        // To the microsecond, as the document records it, so that every
        // tick starts at a whole multiple of `interval_us`, where the
        // series folds them (`lot_report::intervals`).
        interval: Duration::from_micros(micros(config.interval)),
        reporters,
        handle_signals: config.handle_signals,
        terminal: config.terminal,
        warnings,
        infos,
    })
}

/// Applies what the environment and the command line override.
fn apply_overrides(config: &mut Config, overrides: &Overrides) -> Result<(), Error> {
    if let Some(stages) = &overrides.stages {
        let loads = config.loads.len();
        match config.loads.first_mut() {
            Some(load) if loads == 1 => load.stages = stages.clone(),
            _ => {
                return Err(Error::plan_message(format!(
                    "--stage (or LOT_STAGES) replaces the stages of a run's only load, but this run has {loads} loads; change their stages in the code"
                )));
            }
        }
    }
    if let Some(max) = overrides.max_in_flight {
        config.max_in_flight = max;
        for load in &mut config.loads {
            if let Model::ArrivalRate { max_in_flight, .. } = &mut load.model {
                *max_in_flight = Some(max);
            }
        }
    }
    if let Some(timeout) = overrides.timeout {
        config.timeout = timeout;
    }
    if let Some(thresholds) = &overrides.thresholds {
        config.thresholds = thresholds.clone();
    }
    Ok(())
}

/// A distributed run's start instant: needed by shards, and near enough.
fn check_start_at(overrides: &Overrides) -> Result<(), Error> {
    if overrides.segment.is_some_and(|s| s.count > 1) && overrides.start_at_ms.is_none() {
        return Err(Error::distributed(
            "LOT_SEGMENT (or --segment) needs LOT_START_AT (or --start-at): every shard of a run starts at the same instant, so that together they are one test",
        ));
    }
    let Some(at) = overrides.start_at_ms else {
        return Ok(());
    };
    let now = unix_ms_now();
    let late_ms = now.saturating_sub(at);
    if late_ms > MAX_START_DELAY.as_millis() as u64 {
        return Err(Error::distributed(format!(
            "LOT_START_AT (or --start-at) is {:.1}s in the past; a shard may start at most {}s after it (set a start time a little in the future for every shard)",
            late_ms as f64 / 1000.0,
            MAX_START_DELAY.as_secs()
        )));
    }
    if at.saturating_sub(now) > MAX_START_WAIT.as_millis() as u64 {
        return Err(Error::distributed(format!(
            "LOT_START_AT (or --start-at) is {:.0}s in the future; expected a start within {} hours (Unix seconds, not milliseconds)",
            at.saturating_sub(now) as f64 / 1000.0,
            MAX_START_WAIT.as_secs() / 3600
        )));
    }
    Ok(())
}

/// The run-wide limits and the shape of the run.
fn check_limits(config: &Config) -> Result<(), Error> {
    if !config.stages.is_empty() {
        return Err(Error::setting(
            "stages",
            config.stages.len(),
            "no executor stages without a scenario: use run(scenario) for them, or give each Load its own stages",
        ));
    }
    if config.loads.is_empty() {
        return Err(Error::plan(PlanError::NoStages));
    }
    if config.max_in_flight == 0 {
        return Err(Error::setting("max_in_flight", 0, "at least 1"));
    }
    if config.timeout.is_zero() {
        return Err(Error::setting("timeout", config.timeout, "a duration > 0"));
    }
    if config.interval < Duration::from_millis(1) {
        return Err(Error::setting("interval", config.interval, "at least 1ms"));
    }
    Ok(())
}

/// What a load `l` needs beyond a valid schedule: scenarios, weights, and
/// for users whole numbers of them.
fn check_load(l: usize, load: &Load) -> Result<(), Error> {
    let scenarios = load.model.scenarios();
    if scenarios.is_empty() {
        return Err(Error::setting(
            "load",
            l,
            "at least one scenario in every load: add one with .scenario(...)",
        ));
    }
    if let Some(&(w, _)) = scenarios.iter().find(|(w, _)| *w == 0) {
        return Err(Error::setting("weight", w, "a weight of at least 1"));
    }
    if let Model::Users { .. } = load.model {
        if let Some((i, st)) = load
            .stages
            .iter()
            .enumerate()
            .find(|(_, st)| st.from.fract() != 0.0 || st.to.fract() != 0.0)
        {
            return Err(Error::plan_message(format!(
                "load {l} (users): stage {i} goes from {} to {} users; expected whole numbers of users",
                st.from, st.to
            )));
        }
    }
    Ok(())
}

/// A checked load, its scenarios numbered from `first`.
fn load_run(
    load: Load,
    first: usize,
    schedule: Arc<Schedule>,
    config: &Config,
) -> Result<LoadRun, Error> {
    let weights = load.model.scenarios().iter().map(|(w, _)| *w).collect();
    let model = match load.model {
        Model::ArrivalRate {
            members,
            max_in_flight,
        } => {
            let max_in_flight = max_in_flight.unwrap_or(config.max_in_flight);
            if max_in_flight == 0 {
                return Err(Error::setting("max_in_flight", 0, "at least 1"));
            }
            ModelRun::ArrivalRate {
                members: members.into_iter().map(|(_, m)| m).collect(),
                max_in_flight: max_in_flight as u64,
            }
        }
        Model::Users {
            members,
            think,
            pacing,
            graceful_ramp_down,
        } => ModelRun::Users {
            members: members.into_iter().map(|(_, m)| m).collect(),
            think,
            pacing,
            graceful_ramp_down: graceful_ramp_down.unwrap_or(config.graceful_stop),
        },
    };
    Ok(LoadRun {
        first,
        weights,
        schedule,
        start_after: load.start_after,
        model,
    })
}

/// How a checked load is described in the results.
fn load_plan(run: &LoadRun, stages: &[Stage], names: &[String]) -> LoadPlan {
    let stages = stages
        .iter()
        .map(|s| StagePlan {
            from: s.from,
            to: s.to,
            duration_us: micros(s.duration),
        })
        .collect();
    let scenarios = names
        .iter()
        .zip(&run.weights)
        .map(|(name, &weight)| WeightedScenario {
            name: name.clone(),
            weight,
        })
        .collect();
    let (model, iterations, max_in_flight, think_us, pacing_us) = match &run.model {
        ModelRun::ArrivalRate { max_in_flight, .. } => (
            LoadModel::ArrivalRate,
            Some(run.schedule.len()),
            Some(*max_in_flight),
            None,
            None,
        ),
        ModelRun::Users { think, pacing, .. } => (
            LoadModel::Users,
            None,
            None,
            match *think {
                Think::None => None,
                Think::Fixed(d) => Some([micros(d), micros(d)]),
                Think::Uniform(a, b) => Some([micros(a.min(b)), micros(a.max(b))]),
            },
            pacing.map(micros),
        ),
    };
    LoadPlan {
        model,
        start_us: micros(run.start_after),
        stages,
        scenarios,
        iterations,
        max_in_flight,
        think_us,
        pacing_us,
    }
}

/// A threshold's scope that can only name a scenario is checked now; one
/// that may name a step or a check is only known once the run has made
/// them, so it is a warning.
fn check_threshold_scopes(
    thresholds: &[Threshold],
    names: &[String],
) -> Result<Vec<String>, Error> {
    let mut warnings = Vec::new();
    for t in thresholds {
        let Some(scope) = t.scope() else { continue };
        if names.iter().any(|n| n == scope) {
            continue;
        }
        if t.scope_is_scenario_only() {
            return Err(Error::threshold_message(format!(
                "invalid threshold `{}`: no scenario named `{scope}`; the scenarios are: {}",
                t.expression(),
                names.join(", ")
            )));
        }
        warnings.push(format!(
            "threshold `{}`: no scenario is named `{scope}`; its scope may name {}, which the run makes as it goes",
            t.expression(),
            t.scope_may_name()
        ));
    }
    Ok(warnings)
}

/// The terminal, the outputs (each opened now, so an unwritable one stops
/// the run before it starts), the dashboard and the code's own reporters,
/// in that order, and what to tell at the start (the dashboard's URL).
fn open_reporters(
    config: &mut Config,
    overrides: &Overrides,
) -> Result<(Fanout, Vec<String>), Error> {
    let mut infos = Vec::new();
    let specs = match &overrides.outputs {
        Some(specs) => specs.clone(),
        None => {
            let mut specs = Vec::new();
            for s in &config.outputs {
                specs.extend(Output::parse_list(s).map_err(Error::output)?);
            }
            specs
        }
    };
    let mut reporters = Fanout::new();
    if config.terminal {
        let quiet = overrides.quiet.or(config.quiet).unwrap_or(false);
        let progress = if quiet {
            Progress::Off
        } else {
            Progress::detect()
        };
        reporters.push(TerminalReporter::new(progress));
    }
    for spec in &specs {
        match spec.open().map_err(Error::output)? {
            (file, true) => reporters.push_output(file),
            (stream, false) => reporters.push_boxed(stream),
        }
    }
    if let Some(addr) = overrides.dashboard.as_ref().or(config.dashboard.as_ref()) {
        let (dashboard, url) = outputs::open_dashboard(addr).map_err(Error::output)?;
        reporters.push_boxed(dashboard);
        infos.push(format!("dashboard: {url}"));
    }
    for r in std::mem::take(&mut config.reporters) {
        reporters.push_boxed(r);
    }
    Ok((reporters, infos))
}

/// `d` in whole microseconds, saturating.
pub(crate) fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// The wall clock, in milliseconds since the Unix epoch.
pub(crate) fn unix_ms_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error text `prepare` gives for a run of `stages` at the
    /// executor's default limits after `f` changes them.
    fn check(stages: &[(f64, f64)], f: impl FnOnce(&mut Config)) -> Option<String> {
        let mut config = Config::default();
        let mut load = Load::arrival_rate();
        for &(from, to) in stages {
            load = load.stage(from, to, Duration::from_secs(1));
        }
        config.loads.push(load.scenario(|| async { Ok(()) }).into());
        config.terminal = false;
        f(&mut config);
        prepare(config, Overrides::default())
            .err()
            .map(|e| e.to_string())
    }

    #[test]
    fn invalid_settings_are_errors() {
        assert_eq!(check(&[(1.0, 1.0)], |_| {}), None);
        assert_eq!(
            check(&[(1.0, 1.0)], |c| c.max_in_flight = 0),
            Some("invalid max_in_flight 0: expected at least 1".to_owned())
        );
        assert_eq!(
            check(&[(1.0, 1.0)], |c| c.timeout = Duration::ZERO),
            Some("invalid timeout 0ns: expected a duration > 0".to_owned())
        );
        assert_eq!(
            check(&[(1.0, 1.0), (-3.0, 1.0)], |_| {}),
            Some("invalid plan: stage 1: `from` rate -3 is invalid; expected a finite number of iterations per second >= 0".to_owned())
        );
        assert_eq!(
            check(&[], |_| {}),
            Some("invalid plan: the plan has no stages; add at least one with add_stage(from_rps, to_rps, duration)".to_owned())
        );
    }

    #[test]
    fn every_error_has_its_class() {
        let two_loads = || {
            let mut config = Config {
                terminal: false,
                ..Config::default()
            };
            for name in ["a", "b"] {
                config.loads.push(
                    Load::arrival_rate()
                        .stage(1, 1, Duration::from_secs(1))
                        .scenario(crate::scenario::named(name, || async { Ok(()) }))
                        .into(),
                );
            }
            config
        };
        let stages = Overrides {
            stages: Some(vec![Stage::new(1.0, 1.0, Duration::from_secs(1))]),
            ..Overrides::default()
        };
        let e = prepare(two_loads(), stages).err().expect("two loads");
        assert!(e.is_plan(), "{e}");

        let segment = Overrides {
            segment: Some(Segment { index: 0, count: 2 }),
            ..Overrides::default()
        };
        let e = prepare(two_loads(), segment).err().expect("no start time");
        assert!(e.is_distributed() && !e.is_plan(), "{e}");

        let mut config = two_loads();
        config.thresholds = vec!["latency[checkout] p99 < 1s abort".to_owned()];
        let e = prepare(config, Overrides::default()).err();
        // `checkout` may still be a step: only a warning.
        assert!(e.is_none(), "{e:?}");
        let mut config = two_loads();
        config.thresholds = vec!["drop_rate[checkout] < 1%".to_owned()];
        let e = prepare(config, Overrides::default())
            .err()
            .expect("no such scenario");
        assert!(e.is_threshold(), "{e}");

        let mut config = two_loads();
        config.loads.push(
            Load::users()
                .stage(0, 1.5, Duration::from_secs(1))
                .scenario(crate::scenario::named("c", || async { Ok(()) }))
                .into(),
        );
        let e = prepare(config, Overrides::default())
            .err()
            .expect("half a user");
        assert!(e.is_plan(), "{e}");
    }

    #[test]
    fn the_plan_describes_each_load() {
        let mut config = Config {
            terminal: false,
            ..Config::default()
        };
        config.loads.push(
            Load::users()
                .stage(0, 4, Duration::from_secs(2))
                .think_time(Think::uniform(
                    Duration::from_millis(30),
                    Duration::from_millis(10),
                ))
                .scenario(crate::scenario::named("u", || async { Ok(()) }))
                .into(),
        );
        config.loads.push(
            Load::arrival_rate()
                .stage(10, 10, Duration::from_secs(3))
                .max_in_flight(7)
                .start_after(Duration::from_secs(1))
                .weighted(3, crate::scenario::named("a", || async { Ok(()) }))
                .weighted(1, crate::scenario::named("b", || async { Ok(()) }))
                .into(),
        );
        let p = prepare(config, Overrides::default()).expect("a valid plan");
        assert_eq!(p.names, ["u", "a", "b"]);
        assert_eq!(p.plan.iterations, 30);
        assert_eq!(p.plan.duration_us, 4_000_000);
        let users = &p.plan.loads[0];
        assert_eq!(users.model, LoadModel::Users);
        assert_eq!(users.think_us, Some([10_000, 30_000]));
        assert_eq!(users.iterations, None);
        let rate = &p.plan.loads[1];
        assert_eq!(rate.max_in_flight, Some(7));
        assert_eq!(rate.scenarios[0].weight, 3);
        assert_eq!(p.loads[1].first, 1);
    }
}
