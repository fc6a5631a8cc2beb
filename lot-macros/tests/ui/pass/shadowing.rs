// In the body, the fn's name is a fn as it would be without the macro, not
// the generated unit struct, so a local variable may take it.
use lot::scenario::Scenario;

#[lot::scenario]
async fn login() -> anyhow::Result<()> {
    let login = 1;
    assert_eq!(login, 1);
    Ok(())
}

#[lot::scenario]
async fn checkout(items: u32) -> anyhow::Result<()> {
    let checkout = items;
    assert_eq!(checkout, 2);
    Ok(())
}

// A scenario written by a `macro_rules!` macro, with its return type from
// the macro's caller.
macro_rules! scenario {
    ($name:ident -> $ret:ty) => {
        #[lot::scenario]
        async fn $name(n: u32) -> $ret {
            let _ = n;
            Ok(())
        }
    };
}
scenario!(from_macro -> anyhow::Result<()>);

#[tokio::main]
async fn main() {
    assert_eq!(login.name(), "login");
    let mut executor = lot::Executor::new();
    executor
        .add_stage(1000, 1000, std::time::Duration::from_millis(10))
        .terminal(false);
    assert_eq!(executor.run(login).await.expect_summary().totals.ok, 10);

    let mut executor = lot::Executor::new();
    executor
        .add_stage(1000, 1000, std::time::Duration::from_millis(10))
        .terminal(false);
    assert_eq!(executor.run(checkout(2)).await.expect_summary().totals.ok, 10);

    assert_eq!(from_macro(1).name(), "from_macro");
}
