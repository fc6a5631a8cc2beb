//! A crate's module tree, from its root's `mod` declarations, and which of
//! its files depend on which.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::scan::{Tok, Token, clean, places, strip_tests, tokens};

/// One file of a crate's module tree.
pub(super) struct Source {
    /// Its module's path from the crate root (`["bench", "plan"]`).
    pub(super) module: Vec<String>,
    pub(super) file: PathBuf,
    /// Its tokens outside `#[cfg(test)]` items.
    pub(super) toks: Vec<Token>,
    pub(super) lines: usize,
    /// The lines of its `#[cfg(test)]` items.
    pub(super) test_lines: usize,
}

/// A `mod name;` of a file.
struct ModDecl {
    /// The inline modules it is declared in.
    inline: Vec<String>,
    name: String,
    /// Its `#[path]`, if it has one.
    path: Option<String>,
}

/// The file of a `#[path = "…"]` attribute that starts at `toks[i]`.
fn path_attribute(toks: &[Token], i: usize) -> Option<&str> {
    let [hash, open, name, eq, value] = toks.get(i..i + 5)? else {
        return None;
    };
    let attribute = hash.is_punct('#') && open.is_punct('[') && name.is_ident("path");
    match &value.tok {
        Tok::Str(file) if attribute && eq.is_punct('=') => Some(file),
        _ => None,
    }
}

/// `path` with its `.` and `..` components resolved as written.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            _ => out.push(part),
        }
    }
    out
}

impl Source {
    pub(super) fn new(module: Vec<String>, file: PathBuf, text: &str) -> Source {
        let original: Vec<char> = text.chars().collect();
        let (toks, test_lines) = strip_tests(tokens(&clean(&original), &original));
        Source {
            module,
            file,
            toks,
            lines: text.lines().count(),
            test_lines,
        }
    }

    /// The modules it declares whose contents are in files.
    fn mod_decls(&self) -> Vec<ModDecl> {
        let (toks, places) = (&self.toks, places(&self.toks));
        let (mut decls, mut path) = (Vec::new(), None);
        for (i, tok) in toks.iter().enumerate() {
            let declared = tok.is_ident("mod") && toks.get(i + 2).is_some_and(|t| t.is_punct(';'));
            if let Some(attr) = path_attribute(toks, i) {
                path = Some(attr.to_owned());
            } else if let Some(name) = toks.get(i + 1).and_then(Token::ident).filter(|_| declared) {
                decls.push(ModDecl {
                    inline: places[i].modules.clone(),
                    name: name.to_owned(),
                    path: path.take(),
                });
            } else if tok.is_punct(';') || tok.is_punct('{') || tok.is_punct('}') {
                // The attribute was not a module's.
                path = None;
            }
        }
        decls
    }

    /// Where `decl`'s file may be, each with whether it holds its children
    /// in its own directory (a root, a `mod.rs`, a `#[path]` file).
    fn child_files(&self, decl: &ModDecl, owns_dir: bool) -> Vec<(PathBuf, bool)> {
        let dir = self.file.parent().unwrap_or(Path::new(""));
        if let Some(path) = &decl.path {
            return vec![(normalize(&dir.join(path)), true)];
        }
        let mut base = if owns_dir {
            dir.to_path_buf()
        } else {
            dir.join(self.file.file_stem().unwrap_or_default())
        };
        base.extend(&decl.inline);
        vec![
            (base.join(format!("{}.rs", decl.name)), false),
            (base.join(&decl.name).join("mod.rs"), true),
        ]
    }
}

/// A crate's files, in the order of their modules' paths (the root first).
pub(super) struct Tree {
    pub(super) sources: Vec<Source>,
    /// The file of each module that has one.
    files: BTreeMap<Vec<String>, usize>,
}

/// A path written in a file, where, and what it imports.
struct Written {
    segments: Vec<String>,
    /// The module it is written in: the file's, then any inline modules.
    module: Vec<String>,
    line: usize,
    /// For a `use` at the top of the file, the name it brings in.
    imports: Option<String>,
}

/// Why a file depends on another: the first path naming it, and its line.
#[derive(Clone, Debug)]
pub(super) struct Evidence {
    pub(super) line: usize,
    pub(super) path: String,
}

impl Tree {
    /// The tree whose root is `root`, its files read with `read`.
    pub(super) fn load(
        root: &Path,
        read: &dyn Fn(&Path) -> Option<String>,
    ) -> Result<Tree, String> {
        let mut sources = Vec::new();
        let mut queue = vec![(Vec::new(), vec![(root.to_path_buf(), true)])];
        while let Some((module, candidates)) = queue.pop() {
            let Some((file, text, owns_dir)) = candidates
                .iter()
                .find_map(|(file, owns)| read(file).map(|text| (file.clone(), text, *owns)))
            else {
                let tried: Vec<String> = candidates
                    .iter()
                    .map(|(f, _)| f.display().to_string())
                    .collect();
                return Err(format!("cannot read any of {}", tried.join(", ")));
            };
            let source = Source::new(module, file, &text);
            for decl in source.mod_decls() {
                let mut child = source.module.clone();
                child.extend(decl.inline.iter().cloned());
                child.push(decl.name.clone());
                queue.push((child, source.child_files(&decl, owns_dir)));
            }
            sources.push(source);
        }
        sources.sort_by(|a, b| a.module.cmp(&b.module));
        let files = sources
            .iter()
            .enumerate()
            .map(|(i, s)| (s.module.clone(), i))
            .collect();
        Ok(Tree { sources, files })
    }

    fn is_module(&self, path: &[String]) -> bool {
        self.files.contains_key(path)
    }

    /// Every path `source` writes that may name an item of the crate.
    fn written(&self, source: &Source) -> Vec<Written> {
        let (toks, places) = (&source.toks, places(&source.toks));
        let mut out = Vec::new();
        let mut i = 0;
        let module_at = |i: usize| {
            let mut module = source.module.clone();
            module.extend(places[i].modules.iter().cloned());
            module
        };
        while i < toks.len() {
            if toks[i].is_ident("use") && !toks.get(i + 1).is_some_and(|t| t.is_punct('<')) {
                let top = places[i].modules.is_empty() && places[i].depth == 0;
                let mut leaves = Vec::new();
                let mut k = i + 1;
                use_tree(toks, &mut k, &mut Vec::new(), &mut leaves);
                let module = module_at(i);
                for (segments, name, line) in leaves {
                    out.push(Written {
                        segments,
                        module: module.clone(),
                        line,
                        imports: name.filter(|_| top),
                    });
                }
                i = (k..toks.len())
                    .find(|&k| toks[k].is_punct(';'))
                    .unwrap_or(toks.len());
                continue;
            }
            let path_start = toks.get(i + 1).is_some_and(|t| t.tok == Tok::ColonColon)
                && !i
                    .checked_sub(1)
                    .is_some_and(|p| toks[p].tok == Tok::ColonColon || toks[p].is_ident("in"));
            let starts = path_start
                && toks[i].ident().is_some_and(|first| {
                    matches!(first, "crate" | "self" | "super") || {
                        let mut child = module_at(i);
                        child.push(first.to_owned());
                        self.is_module(&child)
                    }
                });
            if starts {
                let module = module_at(i);
                let mut segments = vec![toks[i].ident().unwrap_or_default().to_owned()];
                while let (Some(Tok::ColonColon), Some(next)) = (
                    toks.get(i + 1).map(|t| &t.tok),
                    toks.get(i + 2).and_then(Token::ident),
                ) {
                    segments.push(next.to_owned());
                    i += 2;
                }
                out.push(Written {
                    segments,
                    module,
                    line: toks[i].line,
                    imports: None,
                });
            }
            i += 1;
        }
        out
    }

    /// `written` as a path from the crate root; `None` if it leaves the
    /// crate.
    fn absolute(&self, written: &Written) -> Option<Vec<String>> {
        let (first, rest) = written.segments.split_first()?;
        let mut path = written.module.clone();
        match first.as_str() {
            "crate" => path.clear(),
            "self" => {}
            "super" => {
                path.pop()?;
            }
            _ => {
                path.push(first.clone());
                if !self.is_module(&path) {
                    return None;
                }
            }
        }
        for segment in rest {
            match segment.as_str() {
                "super" => {
                    path.pop()?;
                }
                // `use a::{self}` names `a`.
                "self" => {}
                _ => path.push(segment.clone()),
            }
        }
        Some(path)
    }

    /// The file that defines what `path` names: its longest prefix that is
    /// a file's module, or the module an import there comes from.
    fn resolve(&self, path: &[String], imports: &[BTreeMap<String, Vec<String>>]) -> usize {
        let mut path = path.to_vec();
        let mut file = 0;
        // Bounded, in case imports go round in circles.
        for _ in 0..16 {
            let k = (0..=path.len())
                .rev()
                .find(|&k| self.is_module(&path[..k]))
                .unwrap_or(0);
            file = self.files.get(&path[..k]).copied().unwrap_or(0);
            let Some(from) = path.get(k).and_then(|name| imports[file].get(name)) else {
                break;
            };
            let mut next = from.clone();
            next.extend_from_slice(&path[k + 1..]);
            path = next;
        }
        file
    }

    /// Which files depend on which, with the first path behind each.
    pub(super) fn edges(&self) -> BTreeMap<(usize, usize), Evidence> {
        let written: Vec<Vec<Written>> = self.sources.iter().map(|s| self.written(s)).collect();
        let imports: Vec<BTreeMap<String, Vec<String>>> = written
            .iter()
            .map(|paths| {
                paths
                    .iter()
                    .filter_map(|w| Some((w.imports.clone()?, self.absolute(w)?)))
                    .collect()
            })
            .collect();
        let mut edges = BTreeMap::new();
        for (from, paths) in written.iter().enumerate() {
            for w in paths {
                let Some(path) = self.absolute(w) else {
                    continue;
                };
                let to = self.resolve(&path, &imports);
                if to != from {
                    edges.entry((from, to)).or_insert_with(|| Evidence {
                        line: w.line,
                        path: w.segments.join("::"),
                    });
                }
            }
        }
        edges
    }
}

/// A `use` tree from `toks[*k]`: each path it names (`prefix` first), with
/// the name it brings in (none for a glob or `_`) and its line.
fn use_tree(
    toks: &[Token],
    k: &mut usize,
    prefix: &mut Vec<String>,
    leaves: &mut Vec<(Vec<String>, Option<String>, usize)>,
) {
    let depth = prefix.len();
    if toks.get(*k).is_some_and(|t| t.tok == Tok::ColonColon) {
        // `::name`: another crate.
        prefix.push("::".to_owned());
        *k += 1;
    }
    while let Some(t) = toks.get(*k) {
        *k += 1;
        if let Some(name) = t.ident() {
            prefix.push(name.to_owned());
            if toks.get(*k).is_some_and(|t| t.tok == Tok::ColonColon) {
                *k += 1;
                continue;
            }
            let mut brought = (name != "self").then(|| name.to_owned());
            if name == "self" && prefix.len() >= 2 {
                brought = Some(prefix[prefix.len() - 2].clone());
            }
            if toks.get(*k).is_some_and(|t| t.is_ident("as")) {
                brought = toks.get(*k + 1).and_then(Token::ident).map(str::to_owned);
                brought = brought.filter(|n| n != "_");
                *k += 2;
            }
            leaves.push((prefix.clone(), brought, t.line));
        } else if t.is_punct('*') {
            leaves.push((prefix.clone(), None, t.line));
        } else if t.is_punct('{') {
            while toks.get(*k).is_some_and(|t| !t.is_punct('}')) {
                let before = *k;
                use_tree(toks, k, prefix, leaves);
                if toks.get(*k).is_some_and(|t| t.is_punct(',')) {
                    *k += 1;
                } else if *k == before {
                    break;
                }
            }
            *k += 1;
        }
        break;
    }
    prefix.truncate(depth);
}

/// The tree of the crate whose files are `files` (path, text), rooted at
/// `src/lib.rs`.
#[cfg(test)]
pub(super) fn tree_of(files: &[(&str, &str)]) -> Tree {
    let files: BTreeMap<PathBuf, String> = files
        .iter()
        .map(|(path, text)| (PathBuf::from(path), (*text).to_owned()))
        .collect();
    Tree::load(Path::new("src/lib.rs"), &|path| files.get(path).cloned())
        .expect("every module's file is given")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each dependency of `files` as (from, to, path).
    fn edges(files: &[(&str, &str)]) -> Vec<(String, String, String)> {
        let tree = tree_of(files);
        let name = |i: usize| tree.sources[i].file.display().to_string();
        tree.edges()
            .into_iter()
            .map(|((from, to), why)| (name(from), name(to), why.path))
            .collect()
    }

    fn edge(from: &str, to: &str, path: &str) -> (String, String, String) {
        (from.to_owned(), to.to_owned(), path.to_owned())
    }

    #[test]
    fn files_of_folders_and_path_attributes() {
        let tree = tree_of(&[
            ("src/lib.rs", "mod a;\n#[path = \"other/x.rs\"]\nmod x;"),
            ("src/a.rs", "mod b;\nmod inline { mod c; }"),
            ("src/a/b/mod.rs", "mod d;"),
            ("src/a/b/d.rs", ""),
            ("src/a/inline/c.rs", ""),
            ("src/other/x.rs", "mod y;"),
            ("src/other/y.rs", "#[cfg(test)]\nmod tests;"),
        ]);
        let files: Vec<String> = tree
            .sources
            .iter()
            .map(|s| format!("{} {}", s.module.join("::"), s.file.display()))
            .collect();
        assert_eq!(
            files,
            [
                " src/lib.rs",
                "a src/a.rs",
                "a::b src/a/b/mod.rs",
                "a::b::d src/a/b/d.rs",
                "a::inline::c src/a/inline/c.rs",
                "x src/other/x.rs",
                "x::y src/other/y.rs",
            ]
        );
    }

    #[test]
    fn nested_use_groups() {
        let files = [
            ("src/lib.rs", "mod a; mod b; mod c;"),
            (
                "src/a.rs",
                "use crate::{b::B, c::{self, d::{e as f, *}}};\nuse std::fmt;",
            ),
            ("src/b.rs", "pub struct B;"),
            ("src/c/mod.rs", "pub mod d;"),
            ("src/c/d.rs", "pub fn e() {}"),
        ];
        assert_eq!(
            edges(&files),
            [
                edge("src/a.rs", "src/b.rs", "crate::b::B"),
                edge("src/a.rs", "src/c/mod.rs", "crate::c::self"),
                edge("src/a.rs", "src/c/d.rs", "crate::c::d::e"),
            ]
        );
    }

    #[test]
    fn inline_paths_and_child_modules() {
        let files = [
            ("src/lib.rs", "mod a; mod b;\nfn f() { a::g(); }"),
            (
                "src/a.rs",
                "pub fn g() -> crate::b::B { <crate::b::B as Default>::default() }",
            ),
            (
                "src/b.rs",
                "pub(crate) struct B; pub(in crate::a) fn h() {}",
            ),
        ];
        assert_eq!(
            edges(&files),
            [
                edge("src/lib.rs", "src/a.rs", "a::g"),
                edge("src/a.rs", "src/b.rs", "crate::b::B"),
            ]
        );
    }

    #[test]
    fn super_in_folders_and_inline_modules() {
        let files = [
            ("src/lib.rs", "mod outer;"),
            ("src/outer/mod.rs", "mod inner; mod sibling; pub struct O;"),
            (
                "src/outer/inner.rs",
                "use super::sibling::S;\nfn f() -> super::O { super::O }\nmod m { use super::f; }",
            ),
            (
                "src/outer/sibling.rs",
                "pub struct S; use super::super::outer;",
            ),
        ];
        assert_eq!(
            edges(&files),
            [
                edge("src/outer/inner.rs", "src/outer/mod.rs", "super::O"),
                edge(
                    "src/outer/inner.rs",
                    "src/outer/sibling.rs",
                    "super::sibling::S"
                ),
                edge(
                    "src/outer/sibling.rs",
                    "src/outer/mod.rs",
                    "super::super::outer"
                ),
            ]
        );
    }

    #[test]
    fn items_of_the_root_and_its_reexports() {
        let files = [
            (
                "src/lib.rs",
                "mod a; mod b;\npub use crate::a::A;\nuse b::B as Bee;\npub fn helper() {}",
            ),
            ("src/a.rs", "pub struct A; fn f() { crate::helper(); }"),
            (
                "src/b.rs",
                "pub struct B; fn g(_: crate::A, _: crate::Bee) {}",
            ),
        ];
        assert_eq!(
            edges(&files),
            [
                edge("src/lib.rs", "src/a.rs", "crate::a::A"),
                edge("src/lib.rs", "src/b.rs", "b::B"),
                edge("src/a.rs", "src/lib.rs", "crate::helper"),
                edge("src/b.rs", "src/a.rs", "crate::A"),
            ]
        );
    }

    #[test]
    fn comments_strings_and_tests_name_nothing() {
        let files = [
            ("src/lib.rs", "mod a; mod b;"),
            (
                "src/a.rs",
                concat!(
                    "//! See [`B`](crate::b::B).\n",
                    "/* crate::b::B */\n",
                    "const S: &str = \"crate::b::B\";\n",
                    "const R: &str = r#\"crate::b::B \"q\"\"#;\n",
                    "fn f() -> impl Sized + use<> {}\n",
                    "#[cfg(test)]\nmod tests {\n    use crate::b::B;\n}\n",
                ),
            ),
            ("src/b.rs", "pub struct B;"),
        ];
        assert_eq!(edges(&files), []);
    }
}
