//! The scanner: source text into tokens, with comments and the contents
//! of literals blanked and `#[cfg(test)]` items left out.

/// `src` with comments and the contents of string and character literals
/// replaced by spaces, one character for one, newlines kept. A string keeps
/// its two quotes (a raw string loses its `r` and `#`s), so that it stays
/// one token; a character literal goes whole, so that every `'` left starts
/// a lifetime or a label.
pub(super) fn clean(src: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(src.len());
    let mut i = 0;
    while i < src.len() {
        let after_ident = out
            .last()
            .is_some_and(|c: &char| c.is_alphanumeric() || *c == '_');
        let Some(blank) = blank_at(src, i, after_ident) else {
            out.push(src[i]);
            i += 1;
            continue;
        };
        let end = blank.end.min(src.len());
        for (k, &c) in src.iter().enumerate().take(end).skip(i) {
            out.push(match c {
                '\n' => '\n',
                _ if blank
                    .quotes
                    .is_some_and(|(open, close)| k == open || k == close) =>
                {
                    '"'
                }
                _ => ' ',
            });
        }
        i = end;
    }
    out
}

/// A comment or literal to blank, up to `end`, and a string's quotes.
struct Blank {
    end: usize,
    quotes: Option<(usize, usize)>,
}

/// The comment or literal that starts at `s[i]`, if one does.
fn blank_at(s: &[char], i: usize, after_ident: bool) -> Option<Blank> {
    let at = |k: usize| s.get(k).copied();
    match s[i] {
        '/' if at(i + 1) == Some('/') => Some(Blank {
            end: (i..s.len()).find(|&k| s[k] == '\n').unwrap_or(s.len()),
            quotes: None,
        }),
        '/' if at(i + 1) == Some('*') => Some(Blank {
            end: block_comment_end(s, i),
            quotes: None,
        }),
        '"' => {
            let close = string_close(s, i + 1);
            Some(Blank {
                end: close + 1,
                quotes: Some((i, close)),
            })
        }
        'r' | 'b' | 'c' if !after_ident => raw_string(s, i),
        '\'' => char_literal(s, i).map(|end| Blank { end, quotes: None }),
        _ => None,
    }
}

/// Where the block comment at `s[i]` ends (they nest).
fn block_comment_end(s: &[char], i: usize) -> usize {
    let (mut k, mut depth) = (i + 2, 1);
    while k < s.len() {
        if s[k] == '/' && s.get(k + 1) == Some(&'*') {
            depth += 1;
            k += 2;
        } else if s[k] == '*' && s.get(k + 1) == Some(&'/') {
            depth -= 1;
            k += 2;
            if depth == 0 {
                return k;
            }
        } else {
            k += 1;
        }
    }
    s.len()
}

/// The closing quote of the string whose contents start at `s[k]`.
fn string_close(s: &[char], mut k: usize) -> usize {
    while k < s.len() {
        match s[k] {
            '\\' => k += 2,
            '"' => return k,
            _ => k += 1,
        }
    }
    s.len()
}

/// The raw string (`r"…"`, `r#"…"#`, `br"…"`, `cr"…"`) at `s[i]`, if one
/// starts there.
fn raw_string(s: &[char], i: usize) -> Option<Blank> {
    let mut j = i;
    if s[j] != 'r' {
        j += 1;
        if s.get(j) != Some(&'r') {
            return None;
        }
    }
    j += 1;
    let hashes = s[j..].iter().take_while(|&&c| c == '#').count();
    let open = j + hashes;
    if s.get(open) != Some(&'"') {
        return None;
    }
    let closes = |k: usize| s[k] == '"' && (1..=hashes).all(|h| s.get(k + h) == Some(&'#'));
    let close = (open + 1..s.len()).find(|&k| closes(k)).unwrap_or(s.len());
    Some(Blank {
        end: close + 1 + hashes,
        quotes: Some((open, close)),
    })
}

/// The end of the character literal at `s[i]` (a `'`), or `None` for a
/// lifetime or a label.
fn char_literal(s: &[char], i: usize) -> Option<usize> {
    match s.get(i + 1) {
        // An escape: `'\n'`, `'\''`, `'\u{7d}'`.
        Some('\\') => (i + 3..s.len().min(i + 12))
            .find(|&k| s[k] == '\'')
            .map(|k| k + 1),
        Some(&c) if c != '\'' && s.get(i + 2) == Some(&'\'') => Some(i + 3),
        _ => None,
    }
}

/// A token of cleaned source.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
    Ident(String),
    /// A string literal, with its contents as written.
    Str(String),
    /// A number, or a lifetime or label.
    Literal,
    ColonColon,
    Punct(char),
}

#[derive(Clone, Debug)]
pub(super) struct Token {
    pub(super) tok: Tok,
    /// Its line, from 1.
    pub(super) line: usize,
}

impl Token {
    pub(super) fn ident(&self) -> Option<&str> {
        match &self.tok {
            Tok::Ident(name) => Some(name),
            _ => None,
        }
    }

    pub(super) fn is_ident(&self, name: &str) -> bool {
        self.ident() == Some(name)
    }

    pub(super) fn is_punct(&self, c: char) -> bool {
        self.tok == Tok::Punct(c)
    }
}

/// The tokens of `clean`, the cleaned text of `original`.
pub(super) fn tokens(clean: &[char], original: &[char]) -> Vec<Token> {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut toks = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < clean.len() {
        let (c, start, start_line) = (clean[i], i, line);
        i += 1;
        let tok = match c {
            '\n' => {
                line += 1;
                continue;
            }
            _ if c.is_whitespace() => continue,
            _ if c.is_ascii_digit() => {
                while i < clean.len()
                    && (word(clean[i])
                        || clean[i] == '.' && clean.get(i + 1).is_some_and(char::is_ascii_digit))
                {
                    i += 1;
                }
                Tok::Literal
            }
            _ if word(c) => {
                while i < clean.len() && word(clean[i]) {
                    i += 1;
                }
                Tok::Ident(clean[start..i].iter().collect())
            }
            '"' => {
                let close = (i..clean.len())
                    .find(|&k| clean[k] == '"')
                    .unwrap_or(clean.len());
                line += clean[i..close].iter().filter(|&&c| c == '\n').count();
                i = close + 1;
                Tok::Str(
                    original[start + 1..close.min(original.len())]
                        .iter()
                        .collect(),
                )
            }
            ':' if clean.get(i) == Some(&':') => {
                i += 1;
                Tok::ColonColon
            }
            '\'' => {
                while i < clean.len() && word(clean[i]) {
                    i += 1;
                }
                Tok::Literal
            }
            _ => Tok::Punct(c),
        };
        toks.push(Token {
            tok,
            line: start_line,
        });
    }
    toks
}

/// The tokens outside `#[cfg(test)]` items, and the lines those items span.
pub(super) fn strip_tests(toks: Vec<Token>) -> (Vec<Token>, usize) {
    let (mut kept, mut test_lines, mut i) = (Vec::new(), 0, 0);
    while i < toks.len() {
        if is_cfg_test(&toks[i..]) {
            let end = item_end(&toks, i);
            test_lines += toks[end].line - toks[i].line + 1;
            i = end + 1;
        } else {
            kept.push(toks[i].clone());
            i += 1;
        }
    }
    (kept, test_lines)
}

/// Whether `toks` starts with `#[cfg(test)]`.
fn is_cfg_test(toks: &[Token]) -> bool {
    let [hash, open, cfg, paren, test, close, end, ..] = toks else {
        return false;
    };
    hash.is_punct('#')
        && open.is_punct('[')
        && cfg.is_ident("cfg")
        && paren.is_punct('(')
        && test.is_ident("test")
        && close.is_punct(')')
        && end.is_punct(']')
}

/// The last token of the item (or field, or statement) whose attributes
/// start at `toks[i]`: its closing brace, its `;` or `,`, or the token
/// before the bracket that closes what holds it.
fn item_end(toks: &[Token], mut i: usize) -> usize {
    while toks[i].is_punct('#') && toks.get(i + 1).is_some_and(|t| t.is_punct('[')) {
        i = matching(toks, i + 1) + 1;
        if i >= toks.len() {
            return toks.len() - 1;
        }
    }
    let mut depth = 0;
    for k in i..toks.len() {
        match &toks[k].tok {
            Tok::Punct('{') if depth == 0 => return matching(toks, k),
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') if depth == 0 => return k.saturating_sub(1),
            Tok::Punct(')' | ']' | '}') => depth -= 1,
            Tok::Punct(';' | ',') if depth == 0 => return k,
            _ => {}
        }
    }
    toks.len() - 1
}

/// The bracket that closes the one at `toks[open]` (the last token if none
/// does).
pub(super) fn matching(toks: &[Token], open: usize) -> usize {
    let mut depth = 0isize;
    for (k, t) in toks.iter().enumerate().skip(open) {
        match t.tok {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return k;
                }
            }
            _ => {}
        }
    }
    toks.len() - 1
}

/// Where a token is: inside which inline modules of its file, and how
/// deep in braces.
#[derive(Clone, Debug)]
pub(super) struct Place {
    pub(super) modules: Vec<String>,
    pub(super) depth: usize,
}

/// The place of every token of `toks`.
pub(super) fn places(toks: &[Token]) -> Vec<Place> {
    let (mut out, mut open, mut depth) = (Vec::with_capacity(toks.len()), Vec::new(), 0);
    for (i, t) in toks.iter().enumerate() {
        if t.is_punct('}') {
            depth = usize::saturating_sub(depth, 1);
            if open.last().is_some_and(|(_, d)| *d == depth) {
                open.pop();
            }
        }
        out.push(Place {
            modules: open
                .iter()
                .map(|(name, _): &(String, usize)| name.clone())
                .collect(),
            depth,
        });
        if t.is_punct('{') {
            let name = i.checked_sub(2).and_then(|m| {
                toks[m]
                    .is_ident("mod")
                    .then(|| toks[m + 1].ident())
                    .flatten()
            });
            if let Some(name) = name {
                open.push((name.to_owned(), depth));
            }
            depth += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks that cleaning `src` gives `expected`, where `~` stands for a
    /// blanked character (so that each line lines up with its input).
    fn check_clean(src: &str, expected: &str) {
        let cleaned: String = clean(&src.chars().collect::<Vec<_>>())
            .into_iter()
            .collect();
        assert_eq!(cleaned, expected.replace('~', " "), "cleaning {src:?}");
    }

    #[test]
    fn comments_and_literals_are_blanked() {
        check_clean("a // crate::b {\nc", "a ~~~~~~~~~~~~~\nc");
        check_clean("x /* a /* { */ } */ y", "x ~~~~~~~~~~~~~~~~~ y");
        check_clean(r#"f("a{b\"c}")"#, r#"f("~~~~~~~")"#);
        check_clean(r##"r#"a"{"#;"##, r#"~~"~~~"~;"#);
        check_clean(r#"br"{" c"}" b"{""#, r#"~~"~" c"~" b"~""#);
        check_clean("\"a\nb\"", "\"~\n~\"");
        check_clean(
            r"'{' '\'' '\\' '\u{7d}' b'}'",
            "~~~ ~~~~ ~~~~ ~~~~~~~~ b~~~",
        );
    }

    #[test]
    fn lifetimes_labels_and_raw_identifiers_are_kept() {
        check_clean("fn f<'a>(x: &'a str) {}", "fn f<'a>(x: &'a str) {}");
        check_clean(
            "'outer: loop { break 'outer; }",
            "'outer: loop { break 'outer; }",
        );
        check_clean("let r#type = 'x';", "let r#type = ~~~;");
        check_clean("for ch in 'a'..='z' {}", "for ch in ~~~..=~~~ {}");
    }

    fn toks(src: &str) -> Vec<Token> {
        let chars: Vec<char> = src.chars().collect();
        tokens(&clean(&chars), &chars)
    }

    #[test]
    fn tokens_of_paths_strings_and_numbers() {
        let t = toks("use crate::a;\n#[path = \"x/y.rs\"] 1.5 0..n 'a");
        let kinds: Vec<Tok> = t.iter().map(|t| t.tok.clone()).collect();
        let ident = |s: &str| Tok::Ident(s.to_owned());
        assert_eq!(
            kinds,
            [
                ident("use"),
                ident("crate"),
                Tok::ColonColon,
                ident("a"),
                Tok::Punct(';'),
                Tok::Punct('#'),
                Tok::Punct('['),
                ident("path"),
                Tok::Punct('='),
                Tok::Str("x/y.rs".to_owned()),
                Tok::Punct(']'),
                Tok::Literal,
                Tok::Literal,
                Tok::Punct('.'),
                Tok::Punct('.'),
                ident("n"),
                Tok::Literal,
            ]
        );
        assert_eq!((t[0].line, t[5].line), (1, 2));
    }

    fn stripped(src: &str) -> (Vec<String>, usize) {
        let (kept, test_lines) = strip_tests(toks(src));
        let idents = kept
            .iter()
            .filter_map(|t| t.ident().map(str::to_owned))
            .collect();
        (idents, test_lines)
    }

    #[test]
    fn test_items_are_left_out() {
        let src = "fn a() {}\n#[cfg(test)]\nmod tests {\n    fn b() {}\n}\nfn c() {}\n";
        assert_eq!(
            stripped(src),
            (
                vec!["fn", "a", "fn", "c"]
                    .into_iter()
                    .map(String::from)
                    .collect(),
                4
            )
        );
        let fields = "struct S { x: u8, #[cfg(test)] #[allow(dead_code)] y: Vec<u8>, z: u8 }";
        assert_eq!(stripped(fields).0, ["struct", "S", "x", "u8", "z", "u8"]);
        let last = "S { x: 1, #[cfg(test)] y: f(2) }";
        assert_eq!(stripped(last).0, ["S", "x"]);
        let imports = "#[cfg(test)]\nuse crate::a;\nuse crate::b;";
        assert_eq!(
            stripped(imports),
            (
                vec!["use", "crate", "b"]
                    .into_iter()
                    .map(String::from)
                    .collect(),
                2
            )
        );
    }

    #[test]
    fn places_follow_inline_modules() {
        let t = toks("mod a { mod b { x } y } z");
        let at = |name: &str| {
            let i = t.iter().position(|t| t.is_ident(name)).unwrap();
            places(&t)[i].clone()
        };
        assert_eq!(
            (at("x").modules, at("x").depth),
            (vec!["a".to_owned(), "b".to_owned()], 2)
        );
        assert_eq!((at("y").modules, at("y").depth), (vec!["a".to_owned()], 1));
        assert_eq!((at("z").modules, at("z").depth), (vec![], 0));
    }
}
