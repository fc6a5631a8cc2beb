// Attributes describing the scenario as an item go on the generated type
// and constructor; every other attribute goes on the fn that runs the body.
#![deny(warnings)]

use lot::scenario::Scenario;

mod scenarios {
    /// A lint level applies to the body.
    #[lot::scenario]
    #[allow(unused_variables)]
    pub async fn lint_level() -> anyhow::Result<()> {
        let unused = 1;
        Ok(())
    }

    /// So does an inner attribute of the body.
    #[lot::scenario]
    pub async fn inner_attribute(n: u32) -> anyhow::Result<()> {
        #![allow(unused_variables)]
        let unused = n;
        Ok(())
    }

    #[lot::scenario]
    #[inline]
    pub async fn inline() -> anyhow::Result<()> {
        Ok(())
    }

    // Parts of a `cfg_attr` go where each belongs.
    #[lot::scenario]
    #[cfg_attr(all(), must_use, allow(unused_variables))]
    pub async fn split(n: u32) -> anyhow::Result<()> {
        let unused = n;
        Ok(())
    }

    // A lint level also covers the generated items: an unused scenario
    // can be allowed.
    #[lot::scenario]
    #[allow(dead_code)]
    async fn never_run() -> anyhow::Result<()> {
        Ok(())
    }

    #[lot::scenario]
    #[allow(dead_code)]
    async fn never_run_with_arguments(n: u32) -> anyhow::Result<()> {
        let _ = n;
        Ok(())
    }

    #[lot::scenario]
    #[expect(unused_variables)]
    pub async fn expectation() -> anyhow::Result<()> {
        let unused = 1;
        Ok(())
    }

    // Neither the impl nor the constructor warns about the deprecated type.
    #[lot::scenario]
    #[deprecated = "use `inline`"]
    pub async fn old() -> anyhow::Result<()> {
        Ok(())
    }

    #[lot::scenario]
    #[deprecated = "use `split`"]
    pub async fn old_with_arguments(n: u32) -> anyhow::Result<()> {
        let _ = n;
        Ok(())
    }

    // A configured-out scenario leaves nothing behind, impl included.
    #[lot::scenario]
    #[cfg(any())]
    pub async fn configured_out(n: NoSuchType) -> anyhow::Result<()> {
        Ok(())
    }
}

use scenarios::*;

fn main() {
    assert_eq!(lint_level.name(), "lint_level");
    assert_eq!(inner_attribute(1).name(), "inner_attribute");
    assert_eq!(inline.name(), "inline");
    assert_eq!(split(1).name(), "split");
    assert_eq!(expectation.name(), "expectation");
    #[allow(deprecated)]
    {
        assert_eq!(old.name(), "old");
        assert_eq!(old_with_arguments(1).name(), "old_with_arguments");
    }
}
