//! `Display` for every type of the model, in the WebAssembly text format.
//!
//! What prints is what a `.wat` file would say, so that error messages and
//! logs read like the module they are about:
//!
//! | value | prints as |
//! |---|---|
//! | [`ValType::Ref`] of `(ref null func)` | `funcref` (the shorthand, for every nullable abstract type) |
//! | [`RefType`] to a concrete type | `(ref null 3)`, `(ref 3)`, exact: `(ref (exact 3))` |
//! | [`RefType`] to a shared abstract type | `(ref null (shared any))` (the text format has no shorthand) |
//! | [`StructType`] with descriptor clauses | `(describes 0) (descriptor 2) (struct)`, as a type definition says it |
//! | [`ContType`] | `(cont 3)` |
//! | [`FieldType`] | `i32`, `(mut i8)` |
//! | [`SubType`] | `(func (param i32) (result i64))` when final without a supertype, else `(sub final? super? ...)`; shared: `(shared (struct))` |
//! | [`ModuleTypes`] | one line per rec group: `(type (;0;) ...)`, `(rec (type (;1;) ...) (type (;2;) ...))` |
//! | [`ExternType`] | `(func (type 3))`, `(table i64 1 10 funcref)`, `(memory 1 2 shared)`, `(global (mut i32))`, `(tag (type 0))` |
//! | shared [`TableType`], [`GlobalType`] | `(table shared 1 (ref null (shared func)))`, `(global (shared i32))`, `(global (shared mut i32))` |
//!
//! A [`TypeRef`] prints in a form that says which index space it is in: a
//! module type index as the bare number the text format uses (`3`), a
//! rec-group-relative index as `rec:3` and a registry's engine index as
//! `engine:3`, so that `(ref 3)` and `(ref engine:3)` are never confused.
//!
//! # Examples
//! ```
//! use wasm_type_registry::*;
//!
//! let node = TypeRef::Module(ModuleTypeIndex::from_u32(0));
//! let next = FieldType { mutable: true, storage: StorageType::Val(ValType::Ref(RefType::concrete(true, node))) };
//! let ty = SubType::struct_(false, None, [next, FieldType { mutable: false, storage: StorageType::I8 }]);
//! assert_eq!(ty.to_string(), "(sub (struct (field (mut (ref null 0))) (field i8)))");
//!
//! let f = SubType::func([ValType::Ref(RefType::nullable(AbstractHeapType::Func))], []);
//! assert_eq!(f.to_string(), "(func (param funcref))");
//! ```

use std::fmt::{self, Display, Formatter};

use crate::extern_types::{ExternType, GlobalType, Limits, MemoryType, TableType};
use crate::module::ModuleTypes;
use crate::types::{
    AbstractHeapType, ArrayType, CompositeKind, CompositeType, ContType, FieldType, FuncType, HeapType, RefType,
    StorageType, StructType, SubType, TypeRef, ValType,
};

impl TypeRef {
    /// Which index space the reference is in, for messages: "a module type
    /// index", "a rec-group-relative index" or "an engine type index".
    pub(crate) fn index_space(&self) -> &'static str {
        match self {
            TypeRef::Module(_) => "a module type index",
            TypeRef::RecGroup(_) => "a rec-group-relative index",
            TypeRef::Engine(_) => "an engine type index",
        }
    }
}

impl Display for TypeRef {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            TypeRef::Module(index) => write!(f, "{index}"),
            TypeRef::RecGroup(index) => write!(f, "rec:{index}"),
            TypeRef::Engine(index) => write!(f, "engine:{index}"),
        }
    }
}

impl AbstractHeapType {
    /// The type's keyword in the text format (`func`, `nofunc`, `any`, ...).
    pub fn name(self) -> &'static str {
        use AbstractHeapType::*;
        match self {
            Func => "func",
            NoFunc => "nofunc",
            Extern => "extern",
            NoExtern => "noextern",
            Any => "any",
            Eq => "eq",
            I31 => "i31",
            Struct => "struct",
            Array => "array",
            None => "none",
            Exn => "exn",
            NoExn => "noexn",
            Cont => "cont",
            NoCont => "nocont",
        }
    }

    /// The shorthand for `(ref null ht)` (`funcref`, `nullref`, ...).
    fn nullable_shorthand(self) -> &'static str {
        use AbstractHeapType::*;
        match self {
            Func => "funcref",
            NoFunc => "nullfuncref",
            Extern => "externref",
            NoExtern => "nullexternref",
            Any => "anyref",
            Eq => "eqref",
            I31 => "i31ref",
            Struct => "structref",
            Array => "arrayref",
            None => "nullref",
            Exn => "exnref",
            NoExn => "nullexnref",
            Cont => "contref",
            NoCont => "nullcontref",
        }
    }
}

impl Display for AbstractHeapType {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Display for HeapType {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            HeapType::Abstract(ty) => ty.fmt(f),
            HeapType::Concrete(ty) => ty.fmt(f),
            HeapType::Exact(ty) => write!(f, "(exact {ty})"),
            HeapType::SharedAbstract(ty) => write!(f, "(shared {ty})"),
        }
    }
}

impl Display for RefType {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match (self.nullable, self.heap_type) {
            (true, HeapType::Abstract(ty)) => f.write_str(ty.nullable_shorthand()),
            (true, ty) => write!(f, "(ref null {ty})"),
            (false, ty) => write!(f, "(ref {ty})"),
        }
    }
}

impl Display for ValType {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            ValType::I32 => f.write_str("i32"),
            ValType::I64 => f.write_str("i64"),
            ValType::F32 => f.write_str("f32"),
            ValType::F64 => f.write_str("f64"),
            ValType::V128 => f.write_str("v128"),
            ValType::Ref(ty) => ty.fmt(f),
        }
    }
}

impl Display for StorageType {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            StorageType::I8 => f.write_str("i8"),
            StorageType::I16 => f.write_str("i16"),
            StorageType::Val(ty) => ty.fmt(f),
        }
    }
}

impl Display for FieldType {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.mutable {
            write!(f, "(mut {})", self.storage)
        } else {
            self.storage.fmt(f)
        }
    }
}

/// `(keyword a b c)`, or nothing for an empty list (the text format's
/// abbreviation for `(param)`, `(result)`).
fn write_list(f: &mut Formatter<'_>, keyword: &str, items: &[ValType]) -> fmt::Result {
    if items.is_empty() {
        return Ok(());
    }
    write!(f, " ({keyword}")?;
    items.iter().try_for_each(|item| write!(f, " {item}"))?;
    f.write_str(")")
}

/// ` (param ...) (result ...)`: a function type after its `func` keyword.
struct Signature<'a>(&'a FuncType);

impl Display for Signature<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_list(f, "param", &self.0.params)?;
        write_list(f, "result", &self.0.results)
    }
}

impl FuncType {
    /// ` (param ...) (result ...)`, for an external type's
    /// `(func (type t) (param ...))`.
    pub(crate) fn signature(&self) -> String {
        Signature(self).to_string()
    }
}

impl Display for FuncType {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "(func{})", Signature(self))
    }
}

impl Display for StructType {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(described) = self.describes {
            write!(f, "(describes {described}) ")?;
        }
        if let Some(descriptor) = self.descriptor {
            write!(f, "(descriptor {descriptor}) ")?;
        }
        f.write_str("(struct")?;
        self.fields.iter().try_for_each(|field| write!(f, " (field {field})"))?;
        f.write_str(")")
    }
}

impl Display for ArrayType {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "(array {})", self.element)
    }
}

impl Display for ContType {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "(cont {})", self.func)
    }
}

impl Display for CompositeType {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            CompositeType::Func(ty) => ty.fmt(f),
            CompositeType::Struct(ty) => ty.fmt(f),
            CompositeType::Array(ty) => ty.fmt(f),
            CompositeType::Cont(ty) => ty.fmt(f),
        }
    }
}

impl CompositeKind {
    /// "a func", "a struct", "an array" or "a cont", for messages.
    pub(crate) fn with_article(self) -> &'static str {
        match self {
            CompositeKind::Func => "a func",
            CompositeKind::Struct => "a struct",
            CompositeKind::Array => "an array",
            CompositeKind::Cont => "a cont",
        }
    }
}

impl Display for CompositeKind {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.abstract_heap_type().fmt(f)
    }
}

impl Display for SubType {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let composite = |f: &mut Formatter<'_>| {
            if self.shared {
                write!(f, "(shared {})", self.composite)
            } else {
                self.composite.fmt(f)
            }
        };
        if self.is_final && self.supertype.is_none() {
            return composite(f);
        }
        f.write_str("(sub")?;
        if self.is_final {
            f.write_str(" final")?;
        }
        if let Some(supertype) = self.supertype {
            write!(f, " {supertype}")?;
        }
        f.write_str(" ")?;
        composite(f)?;
        f.write_str(")")
    }
}

/// One line per rec group, each type labelled with its module index in a
/// `(;i;)` comment, as `wasm-tools print` does.
///
/// # Examples
/// ```
/// use wasm_type_registry::*;
///
/// let mut builder = ModuleTypes::builder();
/// builder.sub_type(SubType::func([ValType::I32], []));
/// builder.rec_group([SubType::struct_(false, None, []), SubType::array(true, None, FieldType {
///     mutable: true,
///     storage: StorageType::I8,
/// })]);
/// let module = builder.build()?;
/// assert_eq!(
///     module.to_string(),
///     "(type (;0;) (func (param i32)))\n(rec (type (;1;) (sub (struct))) (type (;2;) (array (mut i8))))\n"
/// );
/// # Ok::<(), RegistryError>(())
/// ```
impl Display for ModuleTypes {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (start, group) in self.rec_groups() {
            let labelled =
                |f: &mut Formatter<'_>, i: usize, ty: &SubType| write!(f, "(type (;{};) {ty})", start.as_usize() + i);
            match group {
                [ty] => labelled(f, 0, ty)?,
                _ => {
                    f.write_str("(rec")?;
                    for (i, ty) in group.iter().enumerate() {
                        f.write_str(" ")?;
                        labelled(f, i, ty)?;
                    }
                    f.write_str(")")?;
                }
            }
            f.write_str("\n")?;
        }
        Ok(())
    }
}

impl Display for Limits {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.min)?;
        match self.max {
            Some(max) => write!(f, " {max}"),
            None => Ok(()),
        }
    }
}

impl Display for TableType {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let shared = if self.shared { "shared " } else { "" };
        let address = if self.table64 { "i64 " } else { "" };
        write!(f, "(table {shared}{address}{} {})", self.limits, self.element)
    }
}

impl Display for MemoryType {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let address = if self.memory64 { "i64 " } else { "" };
        write!(f, "(memory {address}{}", self.limits)?;
        if self.shared {
            f.write_str(" shared")?;
        }
        if self.page_size_log2 != MemoryType::DEFAULT_PAGE_SIZE_LOG2 {
            write!(f, " (pagesize {})", 1u64 << self.page_size_log2.min(63))?;
        }
        f.write_str(")")
    }
}

/// `(global (shared mut i32))` for a shared mutable global, as the
/// proposal's scripts and the `wast` parser write it (its overview writes
/// `(shared (mut i32))`, which that parser does not read).
impl Display for GlobalType {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match (self.shared, self.mutable) {
            (false, false) => write!(f, "(global {})", self.content),
            (false, true) => write!(f, "(global (mut {}))", self.content),
            (true, false) => write!(f, "(global (shared {}))", self.content),
            (true, true) => write!(f, "(global (shared mut {}))", self.content),
        }
    }
}

impl Display for ExternType {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            ExternType::Func(ty) => write!(f, "(func (type {ty}))"),
            ExternType::FuncExact(ty) => write!(f, "(func (exact (type {ty})))"),
            ExternType::Table(ty) => ty.fmt(f),
            ExternType::Memory(ty) => ty.fmt(f),
            ExternType::Global(ty) => ty.fmt(f),
            ExternType::Tag(ty) => write!(f, "(tag (type {ty}))"),
        }
    }
}
