//! The deeper model: model 4 (`root` races the last drop) against the real
//! crossbeam-epoch collector built for loom (`--cfg crossbeam_loom`), rather
//! than the stand-in. Run with `LOOM_CROSSBEAM=1 scripts/loom.sh`.
//!
//! The payload `root` reads is retired by the dropping thread; that thread
//! then runs two rounds of reclamation (`TypeRegistry::reclaim`), each of
//! which seals its batch, lets the collector advance and frees what the
//! collector has declared past its grace period. That is what lets the
//! payload be destroyed while the model still runs, instead of only at the
//! registry's drop; the husk checks of `src/raw/sync/model.rs` then catch
//! any destruction under a guard that loaded it.
#![cfg(all(loom, crossbeam_loom))]

use loom::thread;
use loom_tests::*;
use wasm_type_registry::{RegisteredType, TypeRegistry};

#[test]
fn model_4_root_races_last_drop_with_the_real_collector() {
    run_model(|| {
        let registry = TypeRegistry::new();
        let handle = registry.register_type(plain_struct(1)).unwrap();
        let index = handle.index();
        let dropping = registry.clone();
        let dropper = thread::spawn(move || {
            drop(handle);
            for _ in 0..2 {
                dropping.reclaim(usize::MAX);
            }
        });

        let rooted = registry.root(index);
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
