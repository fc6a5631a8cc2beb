//! The length checks: functions and files.

use super::scan::{Tok, Token, matching};
use super::tree::Source;

/// The longest a function may be, from its `fn` line to its closing brace.
const MAX_FN_LINES: usize = 150;
/// The longest a file may be, not counting its `#[cfg(test)]` items.
const MAX_FILE_LINES: usize = 800;

/// A function over the limit.
#[derive(Debug, PartialEq)]
struct LongFn {
    name: String,
    line: usize,
    lines: usize,
}

/// The problems of `source`'s length, naming it `name`.
pub(super) fn problems(source: &Source, name: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let code = source.lines.saturating_sub(source.test_lines);
    if code > MAX_FILE_LINES {
        problems.push(format!(
            "{name}: {code} lines, not counting tests (at most {MAX_FILE_LINES})"
        ));
    }
    for f in long_fns(&source.toks) {
        problems.push(format!(
            "{name}:{}: fn {} is {} lines (at most {MAX_FN_LINES})",
            f.line, f.name, f.lines
        ));
    }
    problems
}

/// The functions of `toks` longer than [`MAX_FN_LINES`].
fn long_fns(toks: &[Token]) -> Vec<LongFn> {
    let mut long = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        // `fn(u8)` is a type.
        let Some(name) = toks
            .get(i + 1)
            .and_then(Token::ident)
            .filter(|_| t.is_ident("fn"))
        else {
            continue;
        };
        // The body is the first brace outside the signature's brackets; a
        // `;` first means there is none.
        let mut depth = 0isize;
        for (k, s) in toks.iter().enumerate().skip(i + 2) {
            match s.tok {
                Tok::Punct('(' | '[') => depth += 1,
                Tok::Punct(')' | ']') => depth -= 1,
                Tok::Punct(';') if depth == 0 => break,
                Tok::Punct('{') if depth == 0 => {
                    let lines = toks[matching(toks, k)].line - t.line + 1;
                    if lines > MAX_FN_LINES {
                        long.push(LongFn {
                            name: name.to_owned(),
                            line: t.line,
                            lines,
                        });
                    }
                    break;
                }
                _ => {}
            }
        }
    }
    long
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems_of(text: &str) -> Vec<String> {
        let source = Source::new(Vec::new(), "src/lib.rs".into(), text);
        problems(&source, "src/lib.rs")
    }

    /// A function `lines` long, whose body holds braces in literals and
    /// comments.
    fn function(name: &str, lines: usize) -> String {
        let mut text = format!("fn {name}(x: [u8; 2]) -> impl Fn() {{\n");
        for _ in 0..lines - 2 {
            text.push_str("    let _ = (\"}\", '}', '{'); // }\n");
        }
        text.push_str("}\n");
        text
    }

    #[test]
    fn long_functions() {
        assert_eq!(
            problems_of(&function("short", MAX_FN_LINES)),
            Vec::<String>::new()
        );
        assert_eq!(
            problems_of(&format!("trait T {{ fn f(); }}\n{}", function("long", 151))),
            ["src/lib.rs:2: fn long is 151 lines (at most 150)"]
        );
        let in_tests = format!("#[cfg(test)]\nmod tests {{\n{}}}\n", function("long", 200));
        assert_eq!(problems_of(&in_tests), Vec::<String>::new());
    }

    #[test]
    fn long_files_not_counting_tests() {
        let code = "const X: u8 = 1;\n".repeat(MAX_FILE_LINES);
        let tests = format!(
            "#[cfg(test)]\nmod tests {{\n{}}}\n",
            "    // a test\n".repeat(100)
        );
        assert_eq!(problems_of(&format!("{code}{tests}")), Vec::<String>::new());
        assert_eq!(
            problems_of(&format!("{code}const Y: u8 = 2;\n{tests}")),
            ["src/lib.rs: 801 lines, not counting tests (at most 800)"]
        );
    }
}
