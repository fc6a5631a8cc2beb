//! Type names for people: [`short_type_name`].

/// `full`, a type's name as [`std::any::type_name`] gives it, without the
/// module paths anywhere inside it: `alloc::boxed::Box<my_crate::Rate>`
/// becomes `Box<Rate>`, `my::Wrapper<a::B, c::D<e::F>>` becomes
/// `Wrapper<B, D<F>>`.
///
/// A closure keeps the name of the function it is in
/// (`my_crate::main::{{closure}}` becomes `main::{{closure}}`), and a path
/// after a qualified type keeps its segment (`<a::B as c::Trait>::Out`
/// becomes `<B as Trait>::Out`). The result is meant for messages; like
/// `type_name`'s own, it is not a stable identifier.
///
/// ```
/// assert_eq!(
///     lot_report::short_type_name("core::option::Option<my::R>"),
///     "Option<R>"
/// );
/// ```
pub fn short_type_name(full: &str) -> String {
    let mut out = String::with_capacity(full.len());
    // The segments of the path being read, such as `alloc`, `boxed`, `Box`.
    let mut path: Vec<&str> = Vec::new();
    let mut rest = full;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("::") {
            if !path.is_empty() && after.starts_with(is_segment_char) {
                // The path goes on.
                rest = after;
                continue;
            }
            flush(&mut out, &mut path);
            out.push_str("::");
            rest = after;
        } else if is_segment_char(c) {
            let len = rest.find(|c| !is_segment_char(c)).unwrap_or(rest.len());
            path.push(&rest[..len]);
            rest = &rest[len..];
        } else {
            flush(&mut out, &mut path);
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    flush(&mut out, &mut path);
    out
}

/// Whether `c` belongs to a path segment (an identifier, a lifetime, a
/// number, `{{closure}}`) rather than to the punctuation around paths.
fn is_segment_char(c: char) -> bool {
    !(c.is_whitespace() || "<>()[],;:&*+-=!".contains(c))
}

/// Writes the path read so far as its last segment, with the name before
/// any trailing `{{closure}}`-like segments, and starts a new one.
fn flush(out: &mut String, path: &mut Vec<&str>) {
    let named = path
        .iter()
        .rposition(|segment| !segment.starts_with('{'))
        .unwrap_or(0);
    if let Some(kept) = path.get(named..) {
        out.push_str(&kept.join("::"));
    }
    path.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(full: &str, want: &str) {
        assert_eq!(short_type_name(full), want, "{full}");
    }

    #[test]
    fn drops_module_paths_everywhere() {
        for (full, want) in [
            ("", ""),
            ("u64", "u64"),
            ("my_crate::Rate", "Rate"),
            ("alloc::boxed::Box<my_crate::Rate>", "Box<Rate>"),
            ("core::option::Option<my::R>", "Option<R>"),
            ("my::Wrapper<a::B, c::D<e::F>>", "Wrapper<B, D<F>>"),
            ("&str", "&str"),
            ("&mut a::B", "&mut B"),
            ("*const a::B", "*const B"),
            ("(a::B, c::D, u8)", "(B, D, u8)"),
            ("[a::B; 4]", "[B; 4]"),
            ("&[a::B]", "&[B]"),
            (
                "alloc::boxed::Box<dyn lot_report::reporter::Reporter + core::marker::Send>",
                "Box<dyn Reporter + Send>",
            ),
            ("fn(a::B) -> c::D", "fn(B) -> D"),
            ("<a::B as c::Trait>::Out", "<B as Trait>::Out"),
            ("my_crate::main::{{closure}}", "main::{{closure}}"),
            (
                "my_crate::run::{{closure}}::{{closure}}",
                "run::{{closure}}::{{closure}}",
            ),
            (
                "my::Wrap<my_crate::main::{{closure}}>",
                "Wrap<main::{{closure}}>",
            ),
            ("{{closure}}", "{{closure}}"),
            ("core::pin::Pin<&'static mut a::B>", "Pin<&'static mut B>"),
        ] {
            check(full, want);
        }
    }
}
