//! Which runs to make, from the options.

/// Which runs to make.
pub(super) struct Plan {
    pub(super) quick: bool,
    pub(super) noop_rates: Vec<u64>,
    pub(super) noop_secs: u64,
    pub(super) fixed_rate: u64,
    pub(super) fixed_secs: u64,
    pub(super) fixed_rounds: u32,
    pub(super) closed_secs: u64,
    pub(super) search_steps: u32,
    pub(super) search_secs: u64,
    /// The soak's length, if it runs.
    pub(super) soak_secs: Option<u64>,
    /// Only the soak runs.
    pub(super) soak_only: bool,
}

impl Plan {
    /// The plan for the options `args` (`--quick`, `--soak`), or the message
    /// naming an unknown option.
    pub(super) fn from_args(args: &[String]) -> Result<Plan, String> {
        if let Some(a) = args.iter().find(|a| *a != "--quick" && *a != "--soak") {
            return Err(format!("unknown option `{a}`; expected --quick or --soak"));
        }
        Ok(Plan::new(
            args.iter().any(|a| a == "--quick"),
            args.iter().any(|a| a == "--soak"),
        ))
    }

    fn new(quick: bool, soak_only: bool) -> Plan {
        Plan {
            quick,
            soak_only,
            noop_rates: vec![10_000, 50_000, 100_000, 200_000, 500_000],
            noop_secs: if quick { 2 } else { 5 },
            fixed_rate: 5_000,
            fixed_secs: if quick { 4 } else { 10 },
            fixed_rounds: if quick { 1 } else { 3 },
            closed_secs: if quick { 4 } else { 10 },
            search_steps: if quick { 3 } else { 5 },
            search_secs: if quick { 3 } else { 5 },
            soak_secs: (!quick || soak_only).then_some(120),
        }
    }

    /// The name of the option that made a partial run (`soak`, `quick`), or
    /// `None` for the full run.
    pub(super) fn partial(&self) -> Option<&'static str> {
        if self.soak_only {
            Some("soak")
        } else if self.quick {
            Some("quick")
        } else {
            None
        }
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
        assert_eq!((full.partial(), full.soak_secs), (None, Some(120)));
        let quick = Plan::from_args(&args(&["--quick"])).unwrap();
        assert_eq!((quick.partial(), quick.soak_secs), (Some("quick"), None));
        let soak = Plan::from_args(&args(&["--soak"])).unwrap();
        assert_eq!((soak.partial(), soak.soak_secs), (Some("soak"), Some(120)));
    }

    #[test]
    fn an_unknown_option_is_named() {
        let Err(message) = Plan::from_args(&args(&["--quick", "--fast"])) else {
            panic!("`--fast` was accepted");
        };
        assert_eq!(
            message,
            "unknown option `--fast`; expected --quick or --soak"
        );
    }
}
