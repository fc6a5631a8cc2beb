//! Idle keep-alive connections, one list per thread.
//!
//! A request takes an idle connection from its thread's list and puts it
//! back there when its response is read. Each thread has its own lock, so
//! on a multi-threaded runtime the lists are never contended (a task that
//! moved threads meanwhile returns its connection to its new thread's list).

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
