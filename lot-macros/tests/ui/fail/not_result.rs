#[lot::scenario]
async fn no_return_type() {}

#[lot::scenario]
async fn returns_a_number() -> u32 {
    7
}

#[lot::scenario]
async fn returns_a_string_error() -> Result<(), String> {
    Err("failed".to_owned())
}

fn main() {}
