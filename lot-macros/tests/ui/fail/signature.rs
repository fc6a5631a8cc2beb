// Several problems in one function are reported together.
#[lot::scenario(timeout = "1s")]
fn everything_wrong<T>(_base: &str, _body: impl AsRef<str>) {}

fn main() {}
