//! Structural matching in the open: `a <: b` for every kind of type of the
//! model whose references are engine indices, answered by a
//! [`TypeRegistry`].
//!
//! Matching compares *registered* types: a concrete reference must be a
//! [`TypeRef::Engine`](crate::TypeRef::Engine) index, because what a module index or a
//! rec-group-relative index means depends on a module the registry has not
//! seen. Such references are refused with [`LinkError::NotEngineForm`]
//! rather than answered by accident (`(ref 0) <: (ref 0)` would be true and
//! `(ref 0) <: structref` false whatever type 0 is). A module's types get
//! engine form from its [`TypeCollection`](crate::TypeCollection) once the
//! module is registered, and [`TypeRegistry::borrow`] hands out registered
//! types in that form.
//!
//! In engine form, *equivalence* is equality: hash consing gives equivalent
//! types equal engine indices, so two value (or field, or function) types
//! are equivalent exactly when they are `==`; [`TypeRegistry::equivalent`]
//! checks the form and compares.

use super::TypeRegistry;
use crate::error::LinkError;
use crate::subtyping::{self, check_engine_form, Matching};

impl TypeRegistry {
    /// `sub <: sup`, as the spec's subtyping rules define it, for two types
    /// in engine form: value, reference, heap, storage, field, function,
    /// struct, array or composite types (see [`Matching`]).
    ///
    /// Abstract heap types follow their hierarchy (`none <: i31, struct,
    /// array <: eq <: any`, `nofunc <: func`, `noextern <: extern`,
    /// `noexn <: exn`, `nocont <: cont`); shared abstract types form the
    /// same hierarchies apart from the unshared ones. A concrete type sits
    /// under its kind's abstract type and above its hierarchy's bottom
    /// (the shared ones for a shared type: `(ref $t)` for a shared struct
    /// `$t` matches `(ref (shared struct))`, never `structref`), and
    /// under its declared supertypes ([`is_subtype`](Self::is_subtype)); an
    /// exact reference `(exact $t)` sits under `$t` and matches no other
    /// exact reference. Function types are contravariant in their
    /// parameters and covariant in their results; struct types may add
    /// fields, and keep their supertype's descriptor clauses (a subtype's
    /// descriptor below the supertype's); immutable fields are covariant and
    /// mutable fields invariant; continuation types match when their
    /// function types do. An engine index that is not registered matches nothing but
    /// itself.
    ///
    /// # Errors
    /// [`LinkError::NotEngineForm`] if either type has a concrete
    /// reference that is not an engine index.
    ///
    /// # Examples
    /// ```
    /// use wasm_type_registry::*;
    ///
    /// let registry = TypeRegistry::new();
    /// let point = registry.register_type(SubType::struct_(false, None, []))?;
    /// let point_ref = ValType::Ref(RefType::concrete(false, TypeRef::Engine(point.index())));
    /// let anyref = ValType::Ref(RefType::nullable(AbstractHeapType::Any));
    /// assert!(registry.matches(&point_ref, &anyref)?);
    /// assert!(!registry.matches(&anyref, &point_ref)?);
    ///
    /// // (func (param anyref) (result (ref $point))) <: (func (param (ref $point)) (result anyref))
    /// let narrow = FuncType { params: Box::new([anyref]), results: Box::new([point_ref]) };
    /// let wide = FuncType { params: Box::new([point_ref]), results: Box::new([anyref]) };
    /// assert!(registry.matches(&narrow, &wide)?);
    /// assert!(!registry.matches(&wide, &narrow)?);
    ///
    /// // A module index means nothing to the registry.
    /// let module_ref = ValType::Ref(RefType::concrete(false, TypeRef::Module(ModuleTypeIndex::from_u32(0))));
    /// assert!(matches!(registry.matches(&module_ref, &module_ref), Err(LinkError::NotEngineForm { .. })));
    /// # Ok::<(), RegistryError>(())
    /// ```
    pub fn matches<T: Matching>(&self, sub: &T, sup: &T) -> Result<bool, LinkError> {
        check_engine_form(sub)?;
        check_engine_form(sup)?;
        Ok(subtyping::matches_in(&*self.inner, sub, sup))
    }

    /// Whether two types in engine form are equivalent (each matches the
    /// other). In engine form that is equality; the call checks the form.
    ///
    /// # Errors
    /// [`LinkError::NotEngineForm`], as for [`matches`](Self::matches).
    pub fn equivalent<T: Matching>(&self, a: &T, b: &T) -> Result<bool, LinkError> {
        check_engine_form(a)?;
        check_engine_form(b)?;
        Ok(a == b)
    }
}
