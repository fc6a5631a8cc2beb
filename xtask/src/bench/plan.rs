//! Which runs to make, from the options.

/// Which runs to make.
pub(super) struct Plan {
    pub(super) quick: bool,
    pub(super) noop_rates: Vec<u64>,
    pub(super) noop_secs: u64,
    /// The no-op rate that also runs with the live reporters, in rounds.
    pub(super) live_noop_rate: u64,
    pub(super) fixed_rate: u64,
    pub(super) fixed_secs: u64,
    pub(super) fixed_rounds: u32,
    pub(super) closed_secs: u64,
    pub(super) search_steps: u32,
    pub(super) search_secs: u64,
    /// The rate of new TLS connections (one per request).
    pub(super) new_tls_rate: u64,
    /// The soak's length, if it runs.
    pub(super) soak_secs: Option<u64>,
    /// The one section that runs (`soak`, `https`, `compare`), if an option
    /// chose one.
    pub(super) only: Option<&'static str>,
}

/// The options that run one section alone.
const ALONE: [&str; 3] = ["soak", "https", "compare"];

impl Plan {
    /// The plan for the options `args` (`--quick`, and `--soak`, `--https`
    /// or `--compare` to run that section alone), or the message naming an
    /// unknown option or two sections to run alone.
    pub(super) fn from_args(args: &[String]) -> Result<Plan, String> {
        let mut only = None;
        for a in args {
            match a.strip_prefix("--") {
                Some("quick") => {}
                Some(name) if ALONE.contains(&name) => match only {
                    Some(other) if other != name => {
                        return Err(format!("--{other} and --{name} each run one section alone"));
                    }
                    _ => only = ALONE.iter().copied().find(|s| *s == name),
                },
                _ => {
                    return Err(format!(
                        "unknown option `{a}`; expected --quick, --soak, --https or --compare"
                    ));
                }
            }
        }
        Ok(Plan::new(args.iter().any(|a| a == "--quick"), only))
    }

    fn new(quick: bool, only: Option<&'static str>) -> Plan {
        Plan {
            quick,
            only,
            noop_rates: vec![10_000, 50_000, 100_000, 200_000, 500_000],
            noop_secs: if quick { 2 } else { 5 },
            live_noop_rate: 500_000,
            fixed_rate: 5_000,
            fixed_secs: if quick { 4 } else { 10 },
            fixed_rounds: if quick { 1 } else { 3 },
            closed_secs: if quick { 4 } else { 10 },
            search_steps: if quick { 3 } else { 5 },
            search_secs: if quick { 3 } else { 5 },
            new_tls_rate: 1_000,
            soak_secs: match only {
                Some("soak") => Some(120),
                Some(_) => None,
                None => (!quick).then_some(120),
            },
        }
    }

    /// Whether the section `name` runs (`noop`, `fixed_rate`, `https`,
    /// `saturation`, `compare`; the soak runs if [`Plan::soak_secs`] says
    /// so).
    pub(super) fn runs(&self, name: &str) -> bool {
        self.only.is_none_or(|only| only == name)
    }

    /// The options that made a partial run (`quick`, and `soak`, `https` or
    /// `compare`), empty for the full run.
    pub(super) fn partial(&self) -> Vec<&'static str> {
        // The soak alone runs its full length with --quick too.
        let quick = (self.quick && self.only != Some("soak")).then_some("quick");
        quick.into_iter().chain(self.only).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn options_choose_the_runs() {
        let full = Plan::from_args(&[]).unwrap();
        assert_eq!((full.partial(), full.soak_secs), (vec![], Some(120)));
        assert!(full.runs("noop") && full.runs("https"));
        let quick = Plan::from_args(&args(&["--quick"])).unwrap();
        assert_eq!((quick.partial(), quick.soak_secs), (vec!["quick"], None));
        let soak = Plan::from_args(&args(&["--soak", "--quick"])).unwrap();
        assert_eq!((soak.partial(), soak.soak_secs), (vec!["soak"], Some(120)));
        assert!(!soak.runs("noop") && !soak.runs("https"));
        let https = Plan::from_args(&args(&["--quick", "--https"])).unwrap();
        assert_eq!(
            (https.partial(), https.soak_secs),
            (vec!["quick", "https"], None)
        );
        assert!(https.runs("https") && !https.runs("fixed_rate"));
        let compare = Plan::from_args(&args(&["--compare"])).unwrap();
        assert_eq!(
            (compare.partial(), compare.soak_secs),
            (vec!["compare"], None)
        );
        assert!(compare.runs("compare") && !compare.runs("noop"));
    }

    #[test]
    fn one_section_alone() {
        let Err(message) = Plan::from_args(&args(&["--soak", "--https"])) else {
            panic!("two sections alone were accepted");
        };
        assert_eq!(message, "--soak and --https each run one section alone");
    }

    #[test]
    fn an_unknown_option_is_named() {
        let Err(message) = Plan::from_args(&args(&["--quick", "--fast"])) else {
            panic!("`--fast` was accepted");
        };
        assert_eq!(
            message,
            "unknown option `--fast`; expected --quick, --soak, --https or --compare"
        );
    }
}
