//! Idle keep-alive connections, one list per thread.
//!
//! A request takes an idle connection from its thread's list and puts it
//! back there when its response is read. There are twice as many lists as
//! cores (rounded up to a power of two), each behind its own lock; threads
//! are numbered as they first use a client and take the list of their
//! number, wrapping around: a runtime's worker threads usually have a list
//! each, and threads beyond the lists' number share them. A task that moved threads meanwhile
//! returns its connection to its new thread's list, so a multi-threaded
//! runtime may hold a few more connections than requests ever in flight;
//! idle connections are closed when the client is dropped.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::conn::Conn;

/// Idle connections kept per thread, beyond which a finished connection is
/// closed rather than kept.
const MAX_IDLE_PER_THREAD: usize = 4096;

pub(crate) struct Pool {
    lists: Box<[Mutex<Vec<Conn>>]>,
}

impl Pool {
    pub(crate) fn new() -> Pool {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        // More lists than cores, so the runtime's worker threads (one per
        // core by default) rarely share one.
        let lists = (0..threads.next_power_of_two() * 2)
            .map(|_| Mutex::new(Vec::new()))
            .collect();
        Pool { lists }
    }

    fn list(&self) -> &Mutex<Vec<Conn>> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        thread_local! {
            static INDEX: usize = NEXT.fetch_add(1, Ordering::Relaxed);
        }
        let index = INDEX.with(|i| *i);
        &self.lists[index % self.lists.len()]
    }

    pub(crate) fn take(&self) -> Option<Conn> {
        self.list().lock().unwrap_or_else(|e| e.into_inner()).pop()
    }

    pub(crate) fn put(&self, conn: Conn) {
        let mut list = self.list().lock().unwrap_or_else(|e| e.into_inner());
        if list.len() < MAX_IDLE_PER_THREAD {
            list.push(conn);
        }
    }

    /// The idle connections across all threads.
    pub(crate) fn idle(&self) -> usize {
        self.lists
            .iter()
            .map(|l| l.lock().unwrap_or_else(|e| e.into_inner()).len())
            .sum()
    }
}
