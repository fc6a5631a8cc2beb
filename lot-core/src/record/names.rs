//! The name interner: step, check and metric names become small integer ids.
//!
//! Ids are process-wide, so a handle such as [`Counter`](crate::context::Counter)
//! stays valid across runs.
//!
//! # What a lookup costs
//!
//! Each thread keeps a table of the names it has looked up, keyed by the
//! address and length of the name's text. The slot is found by hashing those
//! two integers, never the text, and a hit is confirmed by comparing the text
//! (for a name longer than [`MAX_NAME_LEN`], the part that is kept; its length
//! is part of the key). So once a thread has looked up a name at a given
//! address, looking it up there again costs an integer hash, a short probe and
//! one comparison: no hashing of the text, no lock, no allocation. That holds
//! for names past the limit (recorded as [`OTHER_NAME`]) too.
//!
//! A name the thread has not seen at that address goes to the shared table: a
//! lock and a hash of the text. Literal names and names kept in a buffer that
//! is reused are the cheap case. A name built anew each time (`format!`)
//! usually sits at a new address, so it goes to the shared table each time;
//! build such a handle once (`let c = counter(&name);`) and keep it.
//!
//! A thread's table has 2048 slots (`LOCAL_SLOTS`); when the slots a key may
//! use are all taken (many names built at run time), one of them is replaced,
//! and the name it held goes to the shared table again at its next lookup.
//!
//! # Limits
//!
//! At most [`MAX_NAMES`] distinct names are kept, [`OTHER_NAME`] included, so
//! memory stays bounded whatever a scenario does; every later name maps to id
//! 0, [`OTHER_NAME`]. Steps, checks and metrics all share this one table.
//!
//! - Id 0 is also the id of the name `"other"` itself: a step, check or
//!   metric that a user names `other` is merged with the overflow bucket, and
//!   the report cannot tell the two apart.
//! - The table is process-wide and only grows: a name is never forgotten, not
//!   even when its run ends. Every run in the process (one after another or at
//!   the same time) shares the [`MAX_NAMES`] names, so names used by earlier
//!   runs reduce what later runs can name; once the table is full, a later
//!   run's new names are all recorded as `other`.

use std::cell::RefCell;
use std::collections::HashMap;
#[cfg(test)]
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

/// Distinct names kept per process, [`OTHER_NAME`] included. The table is
/// never emptied.
pub const MAX_NAMES: usize = 1024;

/// The name every name beyond [`MAX_NAMES`] is recorded under (id 0). A name
/// that is literally `"other"` gets the same id.
pub const OTHER_NAME: &str = "other";

/// Longest name kept, in bytes; longer names are cut at a character boundary.
pub const MAX_NAME_LEN: usize = 128;

/// Slots in a thread's table of names (a power of two, at least [`MAX_NAMES`]).
const LOCAL_SLOTS: usize = 2 * MAX_NAMES;

/// Slots a key may occupy, from the one its hash points at. A probe stops at
/// the key or at the first empty slot, so it is usually one or two slots
/// long; with all [`MAX_NAMES`] names on one thread (the table half full), a
/// key practically never finds all its slots taken by others.
const PROBES: usize = 64;

/// `name` cut to at most [`MAX_NAME_LEN`] bytes at a character boundary.
fn cut(name: &str) -> &str {
    let mut end = name.len().min(MAX_NAME_LEN);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

/// A table of names and their ids. The process has one, behind [`intern`];
/// tests make their own.
pub(crate) struct Interner {
    capacity: usize,
    table: Mutex<Table>,
    /// Lookups in `table`, to show which lookups stay on the thread.
    #[cfg(test)]
    shared_lookups: AtomicUsize,
}

struct Table {
    ids: HashMap<&'static str, u32>,
    names: Vec<&'static str>,
}

impl Interner {
    /// An interner keeping at most `capacity` names, [`OTHER_NAME`] (id 0)
    /// included.
    pub(crate) fn with_capacity(capacity: usize) -> Interner {
        assert!(capacity >= 1, "the interner keeps at least `other`");
        assert!(u32::try_from(capacity).is_ok(), "ids are u32");
        let mut ids = HashMap::new();
        ids.insert(OTHER_NAME, 0);
        Interner {
            capacity,
            table: Mutex::new(Table {
                ids,
                names: vec![OTHER_NAME],
            }),
            #[cfg(test)]
            shared_lookups: AtomicUsize::new(0),
        }
    }

    /// The id of `name` (already cut) in the shared table, added if there is
    /// room, with its interned text; `None` for the text when the table is full
    /// and the name was not in it.
    fn shared(&self, name: &str) -> (u32, Option<&'static str>) {
        #[cfg(test)]
        self.shared_lookups.fetch_add(1, Ordering::Relaxed);
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((&text, &id)) = table.ids.get_key_value(name) {
            return (id, Some(text));
        }
        if table.names.len() >= self.capacity {
            return (0, None);
        }
        let id = u32::try_from(table.names.len()).expect("the capacity fits in u32");
        // Leaking is bounded by the capacity and gives every thread a `&'static str`.
        let text: &'static str = Box::leak(name.to_owned().into_boxed_str());
        table.ids.insert(text, id);
        table.names.push(text);
        (id, Some(text))
    }

    /// The id of `name`, from `local` when it holds the name at this address,
    /// else from the shared table (and then remembered in `local`). `local`
    /// must only ever be used with this interner.
    fn intern_in(&self, local: &mut LocalTable, name: &str) -> u32 {
        let addr = name.as_ptr() as usize;
        let len = name.len();
        let kept = cut(name);
        let hash = slot_hash(addr, len);
        let home = (hash >> (64 - LOCAL_SLOTS.trailing_zeros())) as usize;
        let mut free = None;
        for probe in 0..PROBES {
            let at = (home + probe) % LOCAL_SLOTS;
            match &local.slots[at] {
                // Slots are never emptied, so the key is not further on.
                None => {
                    free = Some(at);
                    break;
                }
                Some(entry) if entry.addr == addr && entry.len == len => {
                    if entry.text.as_str() == kept {
                        return entry.id;
                    }
                    // The same buffer now holds other text: replace the entry.
                    free = Some(at);
                    break;
                }
                Some(_) => {}
            }
        }
        // All the key's slots hold other keys: replace one, picked by other
        // bits of the hash so that keys with the same home spread their losses.
        let at = free.unwrap_or((home + (hash >> 32) as usize % PROBES) % LOCAL_SLOTS);
        let (id, text) = self.shared(kept);
        let text = match text {
            Some(text) => Text::Interned(text),
            // Past the limit there is no interned text to compare with: keep a
            // copy, so that the name is found here next time.
            None => Text::Copied(kept.into()),
        };
        local.slots[at] = Some(Entry {
            addr,
            len,
            id,
            text,
        });
        id
    }

    /// The names of ids `0..n`.
    pub(crate) fn names(&self) -> Vec<&'static str> {
        self.table
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .names
            .clone()
    }

    #[cfg(test)]
    fn shared_lookups(&self) -> usize {
        self.shared_lookups.load(Ordering::Relaxed)
    }
}

/// Hashes a name's address and length (integers, not its text) to pick its slot.
fn slot_hash(addr: usize, len: usize) -> u64 {
    let key = (addr as u64) ^ (len as u64).rotate_left(32);
    // Fibonacci hashing: the top bits of the product are well spread.
    key.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// One thread's table of the names it has looked up: open addressing with a
/// bounded probe, keyed by (address, length).
struct LocalTable {
    slots: Box<[Option<Entry>]>,
}

struct Entry {
    addr: usize,
    len: usize,
    id: u32,
    text: Text,
}

/// The text an entry is confirmed against: `name` cut to [`MAX_NAME_LEN`].
enum Text {
    /// The text in the shared table.
    Interned(&'static str),
    /// A name past the limit (id 0): the thread's own copy.
    Copied(Box<str>),
}

impl Text {
    fn as_str(&self) -> &str {
        match self {
            Text::Interned(text) => text,
            Text::Copied(text) => text,
        }
    }
}

impl LocalTable {
    fn new() -> LocalTable {
        LocalTable {
            slots: (0..LOCAL_SLOTS).map(|_| None).collect(),
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }
}

fn interner() -> &'static Interner {
    static INTERNER: OnceLock<Interner> = OnceLock::new();
    INTERNER.get_or_init(|| Interner::with_capacity(MAX_NAMES))
}

thread_local! {
    // Allocated on a thread's first lookup.
    static LOCAL: RefCell<LocalTable> = RefCell::new(LocalTable::new());
}

/// The id of `name`.
pub(crate) fn intern(name: &str) -> u32 {
    intern_with(interner(), &LOCAL, name)
}

/// The id of `name` in `interner`, through this thread's table `local`.
fn intern_with(
    interner: &'static Interner,
    local: &'static std::thread::LocalKey<RefCell<LocalTable>>,
    name: &str,
) -> u32 {
    local
        .try_with(|local| interner.intern_in(&mut local.borrow_mut(), name))
        // During thread teardown the thread's table is gone.
        .unwrap_or_else(|_| interner.shared(cut(name)).0)
}

/// The names of ids `0..n`, for reports.
pub(crate) fn names() -> Vec<&'static str> {
    interner().names()
}

/// The table of HTTP request names, apart from the steps', checks' and
/// metrics' one: requests named by their paths (an id in each) fill it
/// without taking the other names' room. Bounded the same way.
fn request_interner() -> &'static Interner {
    static INTERNER: OnceLock<Interner> = OnceLock::new();
    INTERNER.get_or_init(|| Interner::with_capacity(MAX_NAMES))
}

thread_local! {
    static LOCAL_REQUESTS: RefCell<LocalTable> = RefCell::new(LocalTable::new());
}

/// The id of HTTP request name `name`, in the requests' own table.
pub(crate) fn intern_request(name: &str) -> u32 {
    intern_with(request_interner(), &LOCAL_REQUESTS, name)
}

/// The HTTP request names of ids `0..n`, for reports.
pub(crate) fn request_names() -> Vec<&'static str> {
    request_interner().names()
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

    #[test]
    fn repeated_lookups_stay_on_the_thread() {
        // Room for `other` and two names.
        let interner = Interner::with_capacity(3);
        let mut local = LocalTable::new();
        let built = String::from("built");
        let long_over = "o".repeat(300);
        let a = interner.intern_in(&mut local, "literal");
        let b = interner.intern_in(&mut local, &built);
        let over = interner.intern_in(&mut local, "overflowed");
        let long = interner.intern_in(&mut local, &long_over);
        assert_eq!((a, b, over, long), (1, 2, 0, 0));
        assert_eq!(interner.shared_lookups(), 4);
        for _ in 0..100 {
            assert_eq!(interner.intern_in(&mut local, "literal"), a);
            assert_eq!(interner.intern_in(&mut local, &built), b);
            assert_eq!(interner.intern_in(&mut local, "overflowed"), 0);
            assert_eq!(interner.intern_in(&mut local, &long_over), 0);
        }
        assert_eq!(interner.shared_lookups(), 4);
        assert_eq!(local.len(), 4);
        assert_eq!(interner.names(), [OTHER_NAME, "literal", "built"]);
    }

    #[test]
    fn an_entry_with_the_same_key_is_replaced() {
        let interner = Interner::with_capacity(3);
        let mut local = LocalTable::new();
        let mut buf = String::with_capacity(16);
        buf.push_str("aa");
        let aa = interner.intern_in(&mut local, &buf);
        buf.clear();
        buf.push_str("bb");
        let bb = interner.intern_in(&mut local, &buf);
        // The table is full: an overflowed name, then a kept one, in the same
        // buffer with the same length.
        buf.clear();
        buf.push_str("cc");
        assert_eq!(interner.intern_in(&mut local, &buf), 0);
        buf.clear();
        buf.push_str("aa");
        assert_eq!(interner.intern_in(&mut local, &buf), aa);
        buf.clear();
        buf.push_str("bb");
        assert_eq!(interner.intern_in(&mut local, &buf), bb);
        assert_ne!(aa, bb);
        assert_eq!(local.len(), 1, "one key, one entry");
    }

    #[test]
    fn cycling_300_names_goes_to_the_shared_table_once_each() {
        // 99 names are kept, the other 201 overflow: both kinds stay local.
        let interner = Interner::with_capacity(100);
        let mut local = LocalTable::new();
        let names: Vec<String> = (0..300).map(|i| format!("cycled name {i}")).collect();
        let first: Vec<u32> = names
            .iter()
            .map(|n| interner.intern_in(&mut local, n))
            .collect();
        assert_eq!(interner.shared_lookups(), 300);
        assert_eq!(first.iter().filter(|&&id| id == 0).count(), 201);
        for _ in 0..5 {
            for (name, &id) in names.iter().zip(&first) {
                assert_eq!(interner.intern_in(&mut local, name), id);
            }
        }
        assert_eq!(interner.shared_lookups(), 300);
    }

    #[test]
    fn a_full_thread_table_still_answers_right() {
        let interner = Interner::with_capacity(MAX_NAMES);
        let mut local = LocalTable::new();
        let names: Vec<String> = (0..3 * LOCAL_SLOTS)
            .map(|i| format!("many names {i}"))
            .collect();
        let first: Vec<u32> = names
            .iter()
            .map(|n| interner.intern_in(&mut local, n))
            .collect();
        assert!(local.len() <= LOCAL_SLOTS);
        for (name, &id) in names.iter().zip(&first) {
            assert_eq!(interner.intern_in(&mut local, name), id);
        }
        let names_of = interner.names();
        for (name, &id) in names.iter().zip(&first) {
            if id != 0 {
                assert_eq!(names_of[id as usize], name);
            }
        }
        assert_eq!(names_of.len(), MAX_NAMES);
    }

    #[test]
    fn the_name_other_is_the_overflow_bucket() {
        assert_eq!(intern(OTHER_NAME), 0);
        let interner = Interner::with_capacity(2);
        let mut local = LocalTable::new();
        assert_eq!(interner.intern_in(&mut local, "other"), 0);
        assert_eq!(interner.intern_in(&mut local, "kept"), 1);
        // The table is full for good: a later "run" names nothing new.
        assert_eq!(interner.intern_in(&mut local, "later"), 0);
        let mut fresh_thread = LocalTable::new();
        assert_eq!(interner.intern_in(&mut fresh_thread, "kept"), 1);
        assert_eq!(interner.intern_in(&mut fresh_thread, "later still"), 0);
        assert_eq!(interner.names(), [OTHER_NAME, "kept"]);
    }

    #[test]
    fn the_same_text_at_a_new_address_goes_to_the_shared_table() {
        let interner = Interner::with_capacity(MAX_NAMES);
        let mut local = LocalTable::new();
        // Both kept alive, so they are at different addresses, as names built
        // anew with `format!` usually are.
        let first = format!("built {}", 1);
        let second = format!("built {}", 1);
        let id = interner.intern_in(&mut local, &first);
        assert_eq!(interner.intern_in(&mut local, &second), id);
        assert_eq!(interner.shared_lookups(), 2);
        // Each address, once seen, stays on the thread.
        assert_eq!(interner.intern_in(&mut local, &first), id);
        assert_eq!(interner.intern_in(&mut local, &second), id);
        assert_eq!(interner.shared_lookups(), 2);
    }
}
