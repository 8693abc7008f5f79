//! Registering a rec group: the hash-consing hit, the preparation of a new
//! entry (validation, trampoline types, indices, slots), and the insertion
//! race.
//!
//! # Synchronization
//! A new entry is prepared with a registration count of zero and its slots
//! filled before it is offered to the map; only the insertion, under the
//! shard's write lock, makes it live (0 → 1). If an equal live entry got
//! there first, the prepared one is abandoned. The insertion race, as a
//! table, is in `docs/design.md` ("The insertion race").

use std::collections::HashMap;

use super::entry::{GroupKey, RecGroupEntry};
use super::in_flight::Claimed;
use super::view::GroupView;
use super::{RegistryInner, TypeRegistry};
use crate::canon::{self, CanonGroup, FixedState};
use crate::error::{RegistryError, TypeError};
use crate::raw::supertype_display::{SupertypeChain, DISPLAY_LEN};
use crate::raw::sync::{Arc, InsertOutcome};
use crate::trace::trace;
use crate::types::{EngineTypeIndex, SubType, TypeRef};

impl TypeRegistry {
    /// Registers one rec group given in hash-consing form, or finds the live
    /// equal one. Returns the entry with one registration for the caller.
    /// `first_type_index` only labels errors. A new entry keeps a clone of
    /// `self`.
    pub(crate) fn register_group(
        &self,
        key: CanonGroup,
        first_type_index: u32,
    ) -> Result<Arc<RecGroupEntry>, RegistryError> {
        let inner = &*self.inner;
        let _claim = loop {
            if let Some(entry) = inner.find_live(&key) {
                return Ok(entry);
            }
            match inner.in_flight.as_ref().map(|in_flight| in_flight.claim(&key)) {
                Some(Claimed::Wait(waiter)) => waiter.wait(),
                Some(Claimed::Mine(claim)) => {
                    // A claimant that ended between our lookup and our
                    // claim inserted its group first: look again, now that
                    // no one else can be preparing it.
                    if let Some(entry) = inner.find_live(&key) {
                        return Ok(entry);
                    }
                    break Some(claim);
                }
                Some(Claimed::Unclaimed) | None => break None,
            }
        };
        // A new group is writer work: before it allocates, the call frees
        // what this thread retired earlier, readers no longer hold and its
        // unregistrations left (a hit, above, never frees), as many types
        // as it is about to allocate.
        inner.reclaimer.settle_surplus(key.types().len());
        let prepared = self.prepare(key, first_type_index)?;
        let outcome = inner.groups.insert_or_reuse(
            GroupKey(prepared.clone()),
            |existing| existing.0.incref_if_live().then(|| existing.0.clone()),
            |offered| {
                // Visible first, then live: a thread that finds the entry
                // live (under this lock, or by `root`) finds its types
                // visible too.
                inner.show(&offered.0);
                offered.0.mark_inserted();
            },
        );
        match outcome {
            InsertOutcome::Reused(existing, offered) => {
                // Another thread inserted an equal group after our lookup.
                drop(offered);
                trace!("{prepared:?}: lost the insertion race to {existing:?}, abandoning");
                inner.abandon(prepared);
                Ok(existing)
            }
            InsertOutcome::Inserted(replaced) => {
                // `replaced` is a dead entry whose unregistration is under
                // way in another thread; dropping our `Arc` only frees
                // memory, and we do it outside the shard lock.
                drop(replaced);
                trace!("{prepared:?}: inserted");
                // Ours is one; a concurrent `root` of a published index, or
                // a hash-consing hit on the group, may have added more since
                // the lock was released (tests/api/insertion_race.rs).
                debug_assert!(prepared.registrations() >= 1);
                Ok(prepared)
            }
        }
    }

    /// Builds a new entry for `key` and publishes its slots, with a
    /// registration count of zero (so `root` cannot see it yet).
    ///
    /// Validation comes first and changes nothing; only then are trampoline
    /// types registered and indices reserved, which can fail only when the
    /// index space is exhausted. On any error everything taken so far is
    /// given back.
    fn prepare(&self, key: CanonGroup, first_type_index: u32) -> Result<Arc<RecGroupEntry>, RegistryError> {
        let inner = &*self.inner;
        let mut prep = Preparation { registry: inner, held: HeldRegistrations::default(), reserved: Vec::new() };
        let mut references = Vec::new();
        if key.refers_to_registered() {
            prep.hold_referenced_groups(&key, first_type_index, &mut references)?;
        }
        let view = GroupView::new(inner, key.types(), first_type_index)?;
        view.check_declared_supertypes()?;
        crate::validate::check_referenced_kinds(key.types(), first_type_index, &view)?;
        let trampolines = register_trampolines(self, &view, &mut prep.held, &mut references)?;
        // `reserved` becomes the entry's `engine_indices`: room for all of
        // its runs now, so that it is never reallocated.
        let has_trampolines = !trampolines.is_empty();
        let len = key.types().len();
        prep.reserved.reserve_exact(len * (1 + usize::from(has_trampolines)) + references.len());
        for _ in key.types() {
            prep.reserved.push(inner.slots.allocate()?);
        }
        let chains = view.chains;
        // Runtime forms are kept apart only where one differs from its key
        // form (`canon::for_runtime` shares the key's `Arc` otherwise).
        let runtime: Option<Box<[Arc<SubType>]>> = key
            .refers_into_group()
            .then(|| key.types().iter().map(|ty| canon::for_runtime(ty, &prep.reserved)).collect());
        // While `prep` still owns the indices: an error or a panic in the
        // embedder's data function rolls everything back.
        let types = runtime.as_deref().unwrap_or(key.types());
        let data = self.compute_type_data(types, &prep.reserved, first_type_index)?;
        // The entry's one allocation of indices: the group's own, a
        // trampoline per type only for a group with a type that is not its
        // own trampoline type (`register_trampolines` allocates nothing
        // otherwise), then the references.
        let mut engine_indices = std::mem::take(&mut prep.reserved);
        if has_trampolines {
            let of = |i: usize| trampolines.get(i).copied().flatten();
            for i in 0..len {
                let own = engine_indices[i];
                engine_indices.push(of(i).unwrap_or(own));
            }
        }
        engine_indices.extend_from_slice(&references);
        let entry =
            Arc::new(RecGroupEntry::new(self.clone(), key, runtime, engine_indices.into(), has_trampolines, data));
        // The entry now owns the registrations and indices `prep` held.
        prep.held.hand_over();
        let indices = entry.indices();
        // One storage for the whole group's chains, shared by the types
        // deeper than the display (see `SupertypeChain`); for the others
        // the display holds the whole chain, and the storage goes with
        // this call.
        let storage: Vec<EngineTypeIndex> = chains.storage().iter().map(|&r| canon::engine_index(r, indices)).collect();
        let shared = chains.ranges().any(|range| range.len as usize > DISPLAY_LEN).then(|| storage.as_slice().into());
        for (i, range) in chains.ranges().enumerate() {
            let (start, len) = (range.start as usize, range.len as usize);
            let ancestors = &storage[start..start + len];
            let deep = shared.as_ref().filter(|_| len > DISPLAY_LEN);
            let chain = deep.map(|storage| SupertypeChain::new(std::sync::Arc::clone(storage), start, len));
            inner.publish(indices[i], i as u32, ancestors, chain, &entry);
        }
        trace!("{entry:?}: prepared {} types", indices.len());
        Ok(entry)
    }
}

impl RegistryInner {
    /// The live entry for `key`, with a new registration.
    fn find_live(&self, key: &CanonGroup) -> Option<Arc<RecGroupEntry>> {
        let entry = self.groups.find(key, |existing| existing.0.incref_if_live().then(|| existing.0.clone())).flatten();
        if let Some(entry) = &entry {
            trace!("{entry:?}: hash-consing hit, incref");
        }
        entry
    }

    /// Makes a new group's types visible to readers; runs under the shard's
    /// write lock as the group is inserted (so it does not log).
    fn show(&self, entry: &RecGroupEntry) {
        self.slots_of(entry).for_each(|slot| slot.display().show());
    }

    /// Fills the slot of a freshly reserved index: its display entry, then
    /// its reference to the entry and the type's position there. In this
    /// order: the display's `Release` fence comes before the position is
    /// stored, which is what lets a reader's sequence-lock re-check catch a
    /// position read from this occupancy paired with an earlier entry (see
    /// [`OwnerCell::load`](crate::raw::sync::OwnerCell::load)).
    fn publish(
        &self,
        index: EngineTypeIndex,
        position: u32,
        ancestors: &[EngineTypeIndex],
        deep: Option<SupertypeChain>,
        entry: &Arc<RecGroupEntry>,
    ) {
        let Some(slot) = self.slots.get(index) else {
            debug_assert!(false, "reserved {index:?} has no slot");
            return;
        };
        slot.display().set_ancestors(ancestors, deep);
        slot.value().publish(entry, position);
    }
}

/// What `prepare` has taken so far; gives it all back if dropped before the
/// entry is built (an error, or a panic).
struct Preparation<'r> {
    registry: &'r RegistryInner,
    /// Registrations taken on other groups.
    held: HeldRegistrations,
    /// Indices reserved for the new group's types; their slots are empty.
    reserved: Vec<EngineTypeIndex>,
}

/// Registrations that are released when dropped, unless handed over.
#[derive(Default)]
struct HeldRegistrations(Vec<Arc<RecGroupEntry>>);

impl HeldRegistrations {
    fn push(&mut self, entry: Arc<RecGroupEntry>) {
        self.0.push(entry);
    }

    /// The registrations now belong to someone else (the new entry): forget
    /// them without releasing.
    fn hand_over(&mut self) {
        self.0.clear();
    }
}

impl Drop for Preparation<'_> {
    fn drop(&mut self) {
        for &index in &self.reserved {
            self.registry.slots.free(index);
        }
        self.registry.release_all(std::mem::take(&mut self.held.0), "registration rolled back");
    }
}

impl Preparation<'_> {
    /// Takes one registration on each distinct group that the key's types
    /// reference by engine index, and records one index per group in
    /// `references`.
    fn hold_referenced_groups(
        &mut self,
        key: &CanonGroup,
        first_type_index: u32,
        references: &mut Vec<EngineTypeIndex>,
    ) -> Result<(), TypeError> {
        let mut seen: HashMap<*const RecGroupEntry, (), FixedState> = HashMap::default();
        for (i, ty) in key.types().iter().enumerate() {
            let type_index = first_type_index.saturating_add(i as u32);
            ty.trace_sites(|site, r| {
                let TypeRef::Engine(index) = r else { return Ok(()) };
                let unregistered = || TypeError::UnregisteredEngineIndex { index, referrer: Some((type_index, site)) };
                let entry = self.registry.entry_of(index).ok_or_else(unregistered)?;
                if seen.insert(Arc::as_ptr(&entry), ()).is_none() {
                    if !entry.incref_if_live() {
                        return Err(unregistered());
                    }
                    trace!("{entry:?}: incref (referenced by a new group)");
                    references.push(index);
                    self.held.push(entry);
                }
                Ok(())
            })?;
        }
        Ok(())
    }
}

/// Registers the trampoline type of each function type that is not its own
/// trampoline, holding a registration on each in `held`. Returns each type's
/// trampoline index, `None` for "itself" (its index is not reserved yet),
/// up to the last type that has one: empty (no allocation) when every type
/// is its own.
fn register_trampolines(
    registry: &TypeRegistry,
    view: &GroupView<'_>,
    held: &mut HeldRegistrations,
    references: &mut Vec<EngineTypeIndex>,
) -> Result<Vec<Option<EngineTypeIndex>>, RegistryError> {
    let mut trampolines = Vec::new();
    for (i, ty) in view.types.iter().enumerate() {
        let Some(func) = ty.as_func().filter(|_| !canon::is_own_trampoline(ty)) else {
            continue;
        };
        let trampoline_ty = canon::trampoline_type(func, view).ok_or(TypeError::WrongIndexSpace {
            type_index: view.type_index(i),
            site: None,
            reference: TypeRef::RecGroup(i as u32),
            expected: "references to registered types",
        })?;
        let entry =
            registry.register_group(CanonGroup::new(Box::new([Arc::new(trampoline_ty)]), &registry.inner.hasher), 0)?;
        let trampoline = entry.indices()[0];
        trace!("type {} of a new group: trampoline type {trampoline:?}", view.type_index(i));
        trampolines.resize(i, None);
        trampolines.push(Some(trampoline));
        references.push(trampoline);
        held.push(entry);
    }
    Ok(trampolines)
}
