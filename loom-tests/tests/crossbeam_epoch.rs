//! The deeper model: model 4 (`root` races the last drop) against the real
//! crossbeam-epoch collector built for loom (`--cfg crossbeam_loom`), rather
//! than the stand-in. Run with `LOOM_CROSSBEAM=1 scripts/loom.sh`.
//!
//! The payload `root` reads is retired by the dropping thread; that thread
//! then pins and flushes twice, standing for the rest of the engine (in
//! production every 128th pin of any thread tries to advance the epoch and
//! reclaim). That is what lets the real collector destroy the payload while
//! the model still runs, in about a fifth of the executions, instead of only
//! at its end; the husk checks of `src/raw/sync/model.rs` then catch any
//! destruction under a guard that loaded it.
#![cfg(all(loom, crossbeam_loom))]

use loom::thread;
use loom_tests::*;
use wasm_type_registry::{RegisteredType, TypeRegistry};

#[test]
fn model_4_root_races_last_drop_with_the_real_collector() {
    run_model(|| {
        let registry = TypeRegistry::new();
        let handle = RegisteredType::new(&registry, plain_struct(1)).unwrap();
        let index = handle.index();
        let dropper = thread::spawn(move || {
            drop(handle);
            for _ in 0..2 {
                crossbeam_epoch::pin().flush();
            }
        });

        let rooted = RegisteredType::root(&registry, index);
        if let Some(rooted) = &rooted {
            assert_eq!(**rooted, plain_struct(1));
        }
        dropper.join().unwrap();
        if let Some(rooted) = rooted {
            assert_resolves(&registry, &rooted);
            drop(rooted);
        }
        assert_empty(&registry);
    });
}
