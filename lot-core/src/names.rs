//! The name interner: step, check and metric names become small integer ids.
//!
//! Ids are process-wide, so a handle such as [`Counter`](crate::context::Counter)
//! stays valid across runs. A thread remembers the names it has used, keyed by
//! the address and length of the name's text and confirmed by comparing the
//! text, so after a name's first use on a thread looking it up costs a short
//! scan and one comparison: no hashing, no lock. Only a name a thread has not
//! seen goes to the shared table (a lock and a hash). Literal names are the
//! cheap case; names built at run time hit the shared table each time.
//!
//! At most [`MAX_NAMES`] distinct names are kept; later ones all map to
//! [`OTHER_NAME`], so memory stays bounded whatever a scenario does.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

/// Distinct names kept per process.
pub const MAX_NAMES: usize = 1024;

/// The name every name beyond [`MAX_NAMES`] is recorded under.
pub const OTHER_NAME: &str = "other";

/// Longest name kept, in bytes; longer names are cut at a character boundary.
pub const MAX_NAME_LEN: usize = 128;

struct Interner {
    ids: HashMap<&'static str, u32>,
    names: Vec<&'static str>,
}

fn interner() -> &'static Mutex<Interner> {
    static INTERNER: OnceLock<Mutex<Interner>> = OnceLock::new();
    INTERNER.get_or_init(|| {
        let mut ids = HashMap::new();
        ids.insert(OTHER_NAME, 0);
        Mutex::new(Interner {
            ids,
            names: vec![OTHER_NAME],
        })
    })
}

/// Entries a thread remembers before it starts over.
const LOCAL_CAPACITY: usize = 256;

thread_local! {
    static LOCAL: RefCell<Vec<(usize, usize, &'static str, u32)>> = const { RefCell::new(Vec::new()) };
}

/// `name` cut to at most [`MAX_NAME_LEN`] bytes at a character boundary.
fn cut(name: &str) -> &str {
    let mut end = name.len().min(MAX_NAME_LEN);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

fn shared_intern(name: &str) -> (&'static str, u32) {
    let name = cut(name);
    let mut table = interner().lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((&text, &id)) = table.ids.get_key_value(name) {
        return (text, id);
    }
    if table.names.len() >= MAX_NAMES {
        return (OTHER_NAME, 0);
    }
    let id = u32::try_from(table.names.len()).expect("MAX_NAMES fits in u32");
    // Leaking is bounded by MAX_NAMES and gives every thread a `&'static str`.
    let text: &'static str = Box::leak(name.to_owned().into_boxed_str());
    table.ids.insert(text, id);
    table.names.push(text);
    (text, id)
}

/// The id of `name`.
pub(crate) fn intern(name: &str) -> u32 {
    let addr = name.as_ptr() as usize;
    let found = LOCAL.try_with(|local| {
        let mut local = local.borrow_mut();
        // Address and length are a fast filter; comparing the (cut) text makes
        // a reused buffer safe. Equal lengths keep a long name from matching
        // a shorter one that happens to be its prefix.
        let kept = cut(name);
        if let Some(&(_, _, _, id)) = local
            .iter()
            .find(|(a, len, text, _)| *a == addr && *len == name.len() && *text == kept)
        {
            return id;
        }
        let (text, id) = shared_intern(name);
        if local.len() >= LOCAL_CAPACITY {
            local.clear();
        }
        local.push((addr, name.len(), text, id));
        id
    });
    found.unwrap_or_else(|_| shared_intern(name).1)
}

/// The names of ids `0..n`, for reports.
pub(crate) fn names() -> Vec<&'static str> {
    interner()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .names
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_stable_and_content_based() {
        let a = intern("interning test: a");
        assert_eq!(intern("interning test: a"), a);
        let dynamic = String::from("interning test: a");
        assert_eq!(intern(&dynamic), a);
        let b = intern("interning test: b");
        assert_ne!(a, b);
        assert_eq!(names()[a as usize], "interning test: a");
        assert_eq!(names()[0], OTHER_NAME);
    }

    #[test]
    fn long_names_are_cut() {
        let long = "n".repeat(300);
        let id = intern(&long);
        assert_eq!(names()[id as usize].len(), MAX_NAME_LEN);
        assert_eq!(intern(&long), id);
    }

    #[test]
    fn a_reused_buffer_gets_the_id_of_what_it_holds() {
        let mut buf = String::with_capacity(512);
        buf.push_str("probe-a");
        let a = intern(&buf);
        assert_eq!(names()[a as usize], "probe-a");
        let start = buf.as_ptr();
        // Same address, longer text whose cut starts with the old text.
        buf.push_str(&"x".repeat(200));
        assert_eq!(buf.as_ptr(), start, "the buffer was not moved");
        let long = intern(&buf);
        assert_ne!(long, a);
        assert_eq!(names()[long as usize], &buf[..MAX_NAME_LEN]);
        assert_eq!(intern(&buf), long);
        // Same address and length, other text.
        buf.clear();
        buf.push_str("probe-b");
        let b = intern(&buf);
        assert_ne!(b, a);
        assert_eq!(names()[b as usize], "probe-b");
        // And back.
        buf.clear();
        buf.push_str("probe-a");
        assert_eq!(intern(&buf), a);
    }
}
