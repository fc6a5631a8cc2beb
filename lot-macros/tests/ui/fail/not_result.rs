#[lot::scenario]
async fn no_return_type() {}

#[lot::scenario]
async fn returns_a_number() -> u32 {
    7
}

fn main() {}
