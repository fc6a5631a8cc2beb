//! Import cycles: the sets of files that depend on each other, and one
//! cycle through each.

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;
use std::path::Path;

use super::tree::{Evidence, Tree};

/// Every import cycle of `tree`: each set of files that all depend on each
/// other.
pub(super) fn cycles(tree: &Tree) -> Vec<Cycle> {
    let edges = tree.edges();
    let mut next = vec![Vec::new(); tree.sources.len()];
    for &(from, to) in edges.keys() {
        next[from].push(to);
    }
    strongly_connected(&next)
        .into_iter()
        .filter(|files| files.len() > 1)
        .map(|files| {
            let path = shortest_cycle(&next, &files);
            let steps = path
                .windows(2)
                .map(|w| (w[0], w[1], edges[&(w[0], w[1])].clone()))
                .collect();
            Cycle { files, steps }
        })
        .collect()
}

/// Tarjan's strongly connected components of the graph `next`.
fn strongly_connected(next: &[Vec<usize>]) -> Vec<Vec<usize>> {
    struct State<'a> {
        next: &'a [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        stack: Vec<usize>,
        on_stack: Vec<bool>,
        count: usize,
        components: Vec<Vec<usize>>,
    }
    fn visit(s: &mut State<'_>, v: usize) {
        s.index[v] = Some(s.count);
        s.low[v] = s.count;
        s.count += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        for &w in &s.next[v] {
            match s.index[w] {
                None => {
                    visit(s, w);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(i) if s.on_stack[w] => s.low[v] = s.low[v].min(i),
                Some(_) => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            component.sort_unstable();
            s.components.push(component);
        }
    }
    let n = next.len();
    let mut state = State {
        next,
        index: vec![None; n],
        low: vec![0; n],
        stack: Vec::new(),
        on_stack: vec![false; n],
        count: 0,
        components: Vec::new(),
    };
    for v in 0..n {
        if state.index[v].is_none() {
            visit(&mut state, v);
        }
    }
    state.components.sort();
    state.components
}

/// The shortest cycle through the first of `files` (a strongly connected
/// set), from it back to it.
fn shortest_cycle(next: &[Vec<usize>], files: &[usize]) -> Vec<usize> {
    let start = files[0];
    let mut parent: BTreeMap<usize, usize> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in &next[v] {
            if w == start {
                let (mut path, mut at) = (vec![v], v);
                while at != start {
                    at = parent[&at];
                    path.push(at);
                }
                path.reverse();
                path.push(start);
                return path;
            }
            if files.contains(&w) && !parent.contains_key(&w) {
                parent.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    vec![start]
}

/// Files that depend on each other.
pub(super) struct Cycle {
    /// All of them, in the order of their modules.
    files: Vec<usize>,
    /// One cycle through them: each file, the next, and why.
    steps: Vec<(usize, usize, Evidence)>,
}

impl Cycle {
    /// The cycle's text: its files, then each step of one cycle with its
    /// line and path.
    pub(super) fn describe(
        &self,
        src: &str,
        tree: &Tree,
        name: &dyn Fn(&Path) -> String,
    ) -> String {
        let file = |i: usize| name(&tree.sources[i].file);
        let files: Vec<String> = self.files.iter().map(|&i| file(i)).collect();
        let mut text = format!("{src}: import cycle between {}", files.join(", "));
        for (from, to, why) in &self.steps {
            let _ = write!(
                text,
                "\n    {}:{} `{}` -> {}",
                file(*from),
                why.line,
                why.path,
                file(*to)
            );
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tidy::tree::tree_of;

    /// The cycles of `files`, each as its files then its text.
    fn check(files: &[(&str, &str)], expected: &[&str]) {
        let tree = tree_of(files);
        let name = |file: &Path| file.display().to_string();
        let found: Vec<String> = cycles(&tree)
            .iter()
            .map(|c| c.describe("src", &tree, &name))
            .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn a_cycle_is_found() {
        check(
            &[
                ("src/lib.rs", "mod a; mod b;"),
                ("src/a.rs", "use crate::b::B;\npub struct A;"),
                ("src/b.rs", "pub struct B;\nfn f(_: crate::a::A) {}"),
            ],
            &["src: import cycle between src/a.rs, src/b.rs\n    \
               src/a.rs:1 `crate::b::B` -> src/b.rs\n    \
               src/b.rs:2 `crate::a::A` -> src/a.rs"],
        );
    }

    #[test]
    fn no_cycle_is_found_where_arrows_go_one_way() {
        check(
            &[
                ("src/lib.rs", "mod a; mod b; mod c; pub use a::A;"),
                ("src/a.rs", "use crate::b::B; pub struct A;"),
                ("src/b.rs", "use crate::c::C; pub struct B;"),
                ("src/c.rs", "pub struct C;"),
            ],
            &[],
        );
    }

    #[test]
    fn the_shortest_cycle_is_shown_with_every_file_of_the_set() {
        check(
            &[
                ("src/lib.rs", "mod a; mod b; mod c;"),
                ("src/a.rs", "use crate::b::B; use crate::c::C;"),
                ("src/b.rs", "use crate::c::C;"),
                ("src/c.rs", "use crate::a::A;"),
            ],
            &[
                "src: import cycle between src/a.rs, src/b.rs, src/c.rs\n    \
               src/a.rs:1 `crate::c::C` -> src/c.rs\n    \
               src/c.rs:1 `crate::a::A` -> src/a.rs",
            ],
        );
    }

    #[test]
    fn the_root_is_in_a_cycle_through_its_own_items() {
        check(
            &[
                ("src/lib.rs", "mod a;\npub use a::A;\npub fn helper() {}"),
                ("src/a.rs", "pub struct A;\nfn f() { crate::helper(); }"),
            ],
            &["src: import cycle between src/lib.rs, src/a.rs\n    \
               src/lib.rs:2 `a::A` -> src/a.rs\n    \
               src/a.rs:2 `crate::helper` -> src/lib.rs"],
        );
    }

    #[test]
    fn a_reexport_leads_to_its_module() {
        check(
            &[
                ("src/lib.rs", "mod a; mod b; pub use a::A; pub use b::B;"),
                ("src/a.rs", "pub struct A; fn f(_: crate::B) {}"),
                ("src/b.rs", "pub struct B; fn g(_: crate::A) {}"),
            ],
            &["src: import cycle between src/a.rs, src/b.rs\n    \
               src/a.rs:1 `crate::B` -> src/b.rs\n    \
               src/b.rs:1 `crate::A` -> src/a.rs"],
        );
    }

    #[test]
    fn a_child_using_what_its_parent_defines_is_a_cycle() {
        check(
            &[
                ("src/lib.rs", "mod outer;"),
                (
                    "src/outer/mod.rs",
                    "mod inner; pub struct O; fn f() { inner::g() }",
                ),
                ("src/outer/inner.rs", "pub fn g() -> super::O { super::O }"),
            ],
            &[
                "src: import cycle between src/outer/mod.rs, src/outer/inner.rs\n    \
               src/outer/mod.rs:1 `inner::g` -> src/outer/inner.rs\n    \
               src/outer/inner.rs:1 `super::O` -> src/outer/mod.rs",
            ],
        );
    }

    #[test]
    fn test_modules_make_no_cycle() {
        check(
            &[
                ("src/lib.rs", "mod a; mod b;"),
                (
                    "src/a.rs",
                    "pub struct A;\n#[cfg(test)]\nmod tests {\n    use crate::b::B;\n}",
                ),
                ("src/b.rs", "use crate::a::A; pub struct B;"),
            ],
            &[],
        );
    }
}
