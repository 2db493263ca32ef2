//! The SQLite store passes the repository conformance suite, on real files on disk.

use std::sync::atomic::{AtomicUsize, Ordering};

use vrs_provisioning::store;

use crate::conformance;

#[test]
fn the_sqlite_store_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let next = AtomicUsize::new(0);
    conformance::run_all(|| {
        let path = dir
            .path()
            .join(format!("{}.db", next.fetch_add(1, Ordering::Relaxed)));
        store::open(&format!("sqlite:{}", path.display())).unwrap()
    });
}
