//! Per-type embedder data: a value `D` that the embedder computes once per
//! type when its rec group is first registered (a GC object layout, trace
//! information), kept in the group's entry and dropped with it.
//!
//! The data lives in [`RecGroupEntry`], indexed by the type's position, so
//! it is reachable exactly like the type itself: by index through the
//! slot's reference to the entry (under the same visible-then-unchanged read as
//! [`TypeRegistry::borrow`], so never another type's data after reuse), by
//! key ([`TypeKey`](crate::TypeKey)), and through handles, which keep the entry alive. A
//! registry made with [`TypeRegistry::new`] has no data function: its
//! entries hold `None` and no path reads or computes anything.
//!
//! The function runs while the group is being prepared: indices reserved,
//! nothing published, no lock held. If it fails, registration fails with
//! [`RegistryError::TypeData`]; if it panics, the panic unwinds through the
//! preparation, whose guard frees the reserved indices and gives back the
//! registrations taken on referenced groups. Either way the registry is as
//! it was.

use std::any::TypeId;
use std::sync::Arc as StdArc;

use super::entry::{GroupData, RecGroupEntry};
use super::in_flight::DataFunctionScope;
use super::{Found, Lookup, RegisteredType, TypeCollection, TypeRegistry};
use crate::error::{EmbedderError, LinkError, RegistryError};
use crate::raw::sync::Arc;
use crate::types::{EngineTypeIndex, ModuleTypeIndex, SubType};

/// The erased data function: one group's types (runtime form), indices and
/// the module-level index of its first type in, its data out.
pub(crate) type TypeDataFn = Box<
    dyn Fn(&TypeRegistry, &[Arc<SubType>], &[EngineTypeIndex], u32) -> Result<GroupData, RegistryError> + Send + Sync,
>;

/// A registry's data function, erased, with the type of data it computes.
pub(crate) struct DataFunction {
    compute: TypeDataFn,
    data_type: TypeId,
    type_name: &'static str,
    /// `size_of::<D>()`: what a type's data takes in its group's slice.
    /// Heap memory a value owns beyond that is out of the registry's sight.
    data_size: usize,
}

impl DataFunction {
    /// `size_of::<D>()` of the data it computes.
    pub(crate) fn data_size(&self) -> usize {
        self.data_size
    }
}

/// What the data function sees of one type.
#[derive(Debug)]
#[non_exhaustive]
pub struct TypeDataContext<'a, D> {
    /// The registry; types outside the group are registered in it (a
    /// supertype's data: [`TypeRegistry::type_data`]).
    pub registry: &'a TypeRegistry,
    /// The type's engine index.
    pub index: EngineTypeIndex,
    /// The type in runtime form (every reference an engine index).
    pub ty: &'a SubType,
    /// The group's types before this one: their indices and data.
    pub earlier: &'a [(EngineTypeIndex, D)],
}

impl<D> TypeDataContext<'_, D> {
    /// The data of an earlier type of the same group, by index.
    pub fn earlier_data(&self, index: EngineTypeIndex) -> Option<&D> {
        self.earlier.iter().find(|(i, _)| *i == index).map(|(_, data)| data)
    }
}

/// Reads a registry's per-type data of type `D`; from
/// [`TypeRegistry::type_data`], which checked that `D` is the registry's
/// data type.
#[derive(Debug)]
pub struct TypeDataReader<'r, D> {
    registry: &'r TypeRegistry,
    data: std::marker::PhantomData<fn() -> D>,
}

impl<D> Clone for TypeDataReader<'_, D> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<D> Copy for TypeDataReader<'_, D> {}

impl<D: 'static> TypeDataReader<'_, D> {
    /// `f` of the data of the registered type `ty` (an index or a
    /// [`TypeKey`](crate::TypeKey), see [`Lookup`]), or `None` if it is not
    /// registered (a stale or foreign key). Lock-free; never another
    /// type's data, even if an index is reused concurrently.
    ///
    /// `f` runs after the lookup is over, on data the lookup verified to be
    /// `ty`'s, while a strong reference to the type's rec group (not a
    /// registration) keeps it allocated: `f` may take as long as it likes
    /// and call into any registry, and while it runs, no other group's
    /// memory waits for it. The lookup costs two atomic updates of the
    /// group's reference count (a handle's [`RegisteredType::data`] costs
    /// none), and `f`'s return never frees the group: the thread that
    /// unregistered it does (see [`TypeRegistry::flush`]).
    pub fn get<R>(&self, ty: impl Into<Lookup>, f: impl FnOnce(&D) -> R) -> Option<R> {
        let (entry, position) = self.registry.read(ty.into(), |found| data_entry::<D>(found))??;
        entry.data_at(position).map(f)
    }
}

impl TypeRegistry {
    /// An empty registry that computes `data` for each type once, when its
    /// rec group is first registered, and keeps the result with the group
    /// until it is unregistered.
    ///
    /// `data` sees each type of a group in order, with the data of the
    /// group's earlier types (a supertype is always earlier). An `Err` (any
    /// error that converts into `Box<dyn Error + Send + Sync>`: an error
    /// type, a `String`, a `&str`, a boxed error) fails the registration
    /// with [`RegistryError::TypeData`] and leaves the registry unchanged;
    /// so does a panic, after unwinding.
    ///
    /// # Where the embedder's code runs
    /// - `data` runs on the registering thread, outside every lock and pin
    ///   of the registry, once per type of each group that gets registered:
    ///   threads that register the same new group at once wait for the
    ///   first one's call instead of computing it again (a waiter whose
    ///   first thread failed computes it itself). `data` may register
    ///   types; such a nested registration never waits for another thread.
    /// - A data value's `Drop` runs when its group is freed, which only
    ///   these calls do (see [`flush`](Self::flush)): a registration of a
    ///   new group or an unregistration (a handle's last drop, a
    ///   [`TypeCollection`]'s drop) by the thread that unregistered the
    ///   group, [`flush`](Self::flush), [`reclaim`](Self::reclaim), and the
    ///   registry's drop; never a read. It runs outside every lock and pin,
    ///   and a panic in it resumes at the end of that call once every other
    ///   value is freed.
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
    /// let pair = registry.register_type(SubType::struct_(true, None, [field, field]))?;
    /// assert_eq!(pair.data::<u32>(), Ok(&32));
    /// assert_eq!(registry.type_data::<u32>()?.get(pair.index(), |size| *size), Some(32));
    /// # Ok::<(), RegistryError>(())
    /// ```
    pub fn with_type_data<D, E, F>(data: F) -> TypeRegistry
    where
        D: Send + Sync + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
        F: Fn(TypeDataContext<'_, D>) -> Result<D, E> + Send + Sync + 'static,
    {
        let erased: TypeDataFn = Box::new(move |registry, types, indices, first_type_index| {
            let mut computed: Vec<(EngineTypeIndex, D)> = Vec::with_capacity(types.len());
            for (position, (ty, &index)) in types.iter().zip(indices).enumerate() {
                let cx = TypeDataContext { registry, index, ty, earlier: &computed };
                let value = data(cx).map_err(|error| RegistryError::TypeData {
                    type_index: first_type_index.saturating_add(position as u32),
                    source: EmbedderError(StdArc::from(error.into())),
                })?;
                computed.push((index, value));
            }
            let by_position: Box<[D]> = computed.into_iter().map(|(_, data)| data).collect();
            Ok(Box::new(by_position) as GroupData)
        });
        TypeRegistry::with_data_fn(Some(DataFunction {
            compute: erased,
            data_type: TypeId::of::<D>(),
            type_name: std::any::type_name::<D>(),
            data_size: size_of::<D>(),
        }))
    }

    /// A reader of this registry's per-type data, which is of type `D`.
    ///
    /// # Errors
    /// [`RegistryError::DataType`] if the registry computes no data or data
    /// of another type than `D`: a reader of the wrong type is refused
    /// here, once, so that its lookups answer `None` only for a type that
    /// is not registered.
    ///
    /// # Examples
    /// ```
    /// use wasm_type_registry::*;
    ///
    /// let registry = TypeRegistry::with_type_data(|cx: TypeDataContext<'_, String>| {
    ///     Ok::<_, std::fmt::Error>(cx.ty.to_string())
    /// });
    /// let ty = registry.register_type(SubType::func([ValType::I32], []))?;
    /// let texts = registry.type_data::<String>()?;
    /// assert_eq!(texts.get(ty.index(), String::clone).as_deref(), Some("(func (param i32))"));
    /// assert_eq!(texts.get(ty.key(), String::len), Some(18));
    /// // Data of another type than the registry's is refused, with both names.
    /// let err = registry.type_data::<u32>().unwrap_err();
    /// assert!(matches!(err, RegistryError::DataType { requested: "u32", .. }));
    /// # Ok::<(), RegistryError>(())
    /// ```
    pub fn type_data<D: 'static>(&self) -> Result<TypeDataReader<'_, D>, RegistryError> {
        match self.inner.type_data.as_ref() {
            Some(function) if function.data_type == TypeId::of::<D>() => {
                Ok(TypeDataReader { registry: self, data: std::marker::PhantomData })
            }
            _ => Err(self.data_type_error::<D>()),
        }
    }
}

/// A strong reference to the group whose slot a lookup found, and the
/// type's position there, if the group holds data of type `D`. Runs inside
/// the lookup; the lookup's re-check discards it if the slot changed
/// meanwhile (dropping a reference to a group never frees it: its
/// reclaimer drops the last).
fn data_entry<D: 'static>(found: Found<'_>) -> Option<(Arc<RecGroupEntry>, u32)> {
    found.entry().data_at::<D>(found.position())?;
    Some((found.to_entry(), found.position()))
}

impl RegisteredType {
    /// The type's data.
    ///
    /// # Errors
    /// [`RegistryError::DataType`] if its registry computes no data or data
    /// of another type than `D`.
    pub fn data<D: 'static>(&self) -> Result<&D, RegistryError> {
        self.entry.data_at(self.position).ok_or_else(|| self.registry().data_type_error::<D>())
    }
}

impl TypeCollection {
    /// The data of the module's type `index`. O(log groups).
    ///
    /// # Errors
    /// [`LinkError::ModuleIndexOutOfRange`] (as [`RegistryError::Link`]) if the module has no type
    /// `index`; [`RegistryError::DataType`] if its registry computes no data
    /// or data of another type than `D`.
    pub fn data<D: 'static>(&self, index: ModuleTypeIndex) -> Result<&D, RegistryError> {
        let num_types = u32::try_from(self.types.len()).unwrap_or(u32::MAX);
        let out_of_range =
            || RegistryError::Link(LinkError::ModuleIndexOutOfRange { index: index.as_u32(), num_types });
        let index = index.as_u32();
        if index >= num_types {
            return Err(out_of_range());
        }
        // The last group starting at or before `index`.
        let group =
            self.group_starts.partition_point(|&start| start <= index).checked_sub(1).ok_or_else(out_of_range)?;
        self.rec_groups[group]
            .data_at(index - self.group_starts[group])
            .ok_or_else(|| self.registry.data_type_error::<D>())
    }
}

impl TypeRegistry {
    /// The error for a request of data of type `D` from this registry,
    /// which computes none or data of another type.
    fn data_type_error<D: 'static>(&self) -> RegistryError {
        RegistryError::DataType {
            requested: std::any::type_name::<D>(),
            computed: self.inner.type_data.as_ref().map(|function| function.type_name),
        }
    }

    /// The data of a group about to be registered (`None` without a data
    /// function).
    pub(super) fn compute_type_data(
        &self,
        types: &[Arc<SubType>],
        indices: &[EngineTypeIndex],
        first_type_index: u32,
    ) -> Result<Option<GroupData>, RegistryError> {
        let Some(data) = self.inner.type_data.as_ref().map(|data| &data.compute) else { return Ok(None) };
        let _scope = DataFunctionScope::enter();
        data(self, types, indices, first_type_index).map(Some)
    }
}
