// The generated code names lot through `::lot`, so a local `lot` does not
// capture it; and `crate = "..."` points it at a renamed dependency.
extern crate lot as load;

mod shadowed {
    #[allow(unused_imports)]
    use std as lot;

    #[::lot::scenario]
    pub async fn shadowed() -> anyhow::Result<()> {
        Ok(())
    }
}

mod renamed {
    #[load::scenario(crate = "load")]
    pub async fn renamed(n: u32) -> anyhow::Result<()> {
        let _ = n;
        Ok(())
    }
}

use load::scenario::Scenario;

fn main() {
    assert_eq!(shadowed::shadowed.name(), "shadowed");
    assert_eq!(renamed::renamed(1).name(), "renamed");
}
