//! Per-type embedder data: a value `D` that the embedder computes once per
//! type when its rec group is first registered (a GC object layout, trace
//! information), kept in the group's entry and dropped with it.
//!
//! The data lives in [`RecGroupEntry`](super::entry::RecGroupEntry), indexed by the type's position, so
//! it is reachable exactly like the type itself: by index through the
//! slot's reference to the entry (under the same visible-then-unchanged read as
//! [`TypeRegistry::borrow`], so never another type's data after reuse), by
//! key ([`TypeKey`]), and through handles, which keep the entry alive. A
//! registry made with [`TypeRegistry::new`] has no data function: its
//! entries hold `None` and no path reads or computes anything.
//!
//! The function runs while the group is being prepared: indices reserved,
//! nothing published, no lock held. If it fails, registration fails with
//! [`RegistryError::TypeData`]; if it panics, the panic unwinds through the
//! preparation, whose guard frees the reserved indices and gives back the
//! registrations taken on referenced groups. Either way the registry is as
//! it was.

use std::sync::Arc as StdArc;

use super::entry::GroupData;
use super::{RegisteredType, TypeCollection, TypeKey, TypeRegistry};
use crate::error::{EmbedderError, RegistryError};
use crate::raw::sync::Arc;
use crate::types::{ModuleTypeIndex, SharedTypeIndex, SubType};

/// The erased data function: one group's types (runtime form), indices and
/// the module-level index of its first type in, its data out.
pub(crate) type TypeDataFn = Box<
    dyn Fn(&TypeRegistry, &[Arc<SubType>], &[SharedTypeIndex], u32) -> Result<GroupData, RegistryError> + Send + Sync,
>;

/// What the data function sees of one type.
#[derive(Debug)]
#[non_exhaustive]
pub struct TypeDataContext<'a, D> {
    /// The registry; types outside the group are registered in it (a
    /// supertype's data: [`TypeRegistry::type_data`]).
    pub registry: &'a TypeRegistry,
    /// The type's shared index.
    pub index: SharedTypeIndex,
    /// The type in runtime form (every reference a shared index).
    pub ty: &'a SubType,
    /// The group's types before this one: their indices and data.
    pub earlier: &'a [(SharedTypeIndex, D)],
}

impl<D> TypeDataContext<'_, D> {
    /// The data of an earlier type of the same group, by index.
    pub fn earlier_data(&self, index: SharedTypeIndex) -> Option<&D> {
        self.earlier.iter().find(|(i, _)| *i == index).map(|(_, data)| data)
    }
}

impl TypeRegistry {
    /// An empty registry that computes `data` for each type once, when its
    /// rec group is first registered, and keeps the result with the group
    /// until it is unregistered.
    ///
    /// `data` sees each type of a group in order, with the data of the
    /// group's earlier types (a supertype is always earlier). An `Err`
    /// fails the registration with [`RegistryError::TypeData`] and leaves
    /// the registry unchanged; so does a panic, after unwinding.
    ///
    /// # Examples
    /// ```
    /// use wasm_type_registry::*;
    ///
    /// // Per struct type: its size at 8 bytes a field after a 16-byte header.
    /// let registry = TypeRegistry::with_type_data(|cx: TypeDataContext<'_, u32>| match &cx.ty.composite {
    ///     CompositeType::Struct(s) if s.fields.len() > 1000 => Err(std::fmt::Error),
    ///     CompositeType::Struct(s) => Ok(16 + 8 * s.fields.len() as u32),
    ///     _ => Ok(0),
    /// });
    /// let field = FieldType { mutable: true, storage: StorageType::Val(ValType::I64) };
    /// let pair = RegisteredType::new(&registry, SubType::struct_(true, None, [field, field]))?;
    /// assert_eq!(pair.data::<u32>(), Some(&32));
    /// assert_eq!(registry.type_data(pair.index(), |size: &u32| *size), Some(32));
    /// # Ok::<(), RegistryError>(())
    /// ```
    pub fn with_type_data<D, E, F>(data: F) -> TypeRegistry
    where
        D: Send + Sync + 'static,
        E: std::error::Error + Send + Sync + 'static,
        F: Fn(TypeDataContext<'_, D>) -> Result<D, E> + Send + Sync + 'static,
    {
        let erased: TypeDataFn = Box::new(move |registry, types, indices, first_type_index| {
            let mut computed: Vec<(SharedTypeIndex, D)> = Vec::with_capacity(types.len());
            for (position, (ty, &index)) in types.iter().zip(indices).enumerate() {
                let cx = TypeDataContext { registry, index, ty, earlier: &computed };
                let value = data(cx).map_err(|error| RegistryError::TypeData {
                    type_index: first_type_index.saturating_add(position as u32),
                    source: EmbedderError(StdArc::new(error)),
                })?;
                computed.push((index, value));
            }
            let by_position: Box<[D]> = computed.into_iter().map(|(_, data)| data).collect();
            Ok(Box::new(by_position) as GroupData)
        });
        TypeRegistry::with_data_fn(Some(erased))
    }

    /// `f` of the data of the registered type `index`, if it is registered
    /// and this registry computes data of type `D`. Lock-free; never
    /// another type's data, even if `index` is reused concurrently.
    pub fn type_data<D: 'static, R>(&self, index: SharedTypeIndex, f: impl FnOnce(&D) -> R) -> Option<R> {
        self.inner.read_registered(index, |found| found.entry().data_at(found.position()).map(f)).flatten()
    }

    /// `f` of the data of the type `key` names, if it is still registered
    /// in this registry (see [`TypeKey`]).
    pub fn key_data<D: 'static, R>(&self, key: TypeKey, f: impl FnOnce(&D) -> R) -> Option<R> {
        self.inner.read_key(key, |found| found.entry().data_at(found.position()).map(f)).flatten()
    }
}

impl RegisteredType {
    /// The type's data, if its registry computes data of type `D`.
    pub fn data<D: 'static>(&self) -> Option<&D> {
        self.entry.data_at(self.position)
    }
}

impl TypeCollection {
    /// The data of the module's type `index`, if the module has such a type
    /// and its registry computes data of type `D`. O(log groups).
    pub fn data<D: 'static>(&self, index: ModuleTypeIndex) -> Option<&D> {
        let index = u32::try_from(index.as_usize()).ok().filter(|&i| (i as usize) < self.types.len())?;
        // The last group starting at or before `index`.
        let group = self.group_starts.partition_point(|&start| start <= index).checked_sub(1)?;
        self.rec_groups[group].data_at(index - self.group_starts[group])
    }
}

impl TypeRegistry {
    /// The data of a group about to be registered (`None` without a data
    /// function).
    pub(super) fn compute_type_data(
        &self,
        types: &[Arc<SubType>],
        indices: &[SharedTypeIndex],
        first_type_index: u32,
    ) -> Result<Option<GroupData>, RegistryError> {
        self.inner.type_data.as_ref().map(|data| data(self, types, indices, first_type_index)).transpose()
    }
}
