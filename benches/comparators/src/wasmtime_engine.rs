//! Wasmtime 48 as a comparator, through its public embedding API only:
//! `FuncType::new`, `StructType::new` / `with_finality_and_supertype`, and
//! `HeapType::matches` on concrete struct types (which is
//! `TypeRegistry::is_subtype` under the registry's read lock).
//!
//! Wasmtime is built without a compiler (`runtime`, `std`, `gc`, `gc-drc`),
//! so only types, not modules, can be registered.

use wasm_type_registry::{AbstractHeapType, HeapType, ModuleTypes, StorageType, SubType, TypeRef, ValType};

/// An engine with the GC proposal enabled, and conversions from this crate's
/// types (those without concrete references) into Wasmtime's.
pub struct WasmtimeEngine {
    engine: wasmtime::Engine,
}

impl Default for WasmtimeEngine {
    fn default() -> Self {
        Self::new()
    }
}

impl WasmtimeEngine {
    /// An engine with `gc` and `function-references` on.
    pub fn new() -> Self {
        let mut config = wasmtime::Config::new();
        config.wasm_function_references(true).wasm_gc(true);
        WasmtimeEngine { engine: wasmtime::Engine::new(&config).expect("a GC-enabled engine without a compiler") }
    }

    /// Wasmtime's form of a value type without concrete references.
    pub fn val_type(&self, ty: &ValType) -> wasmtime::ValType {
        match ty {
            ValType::I32 => wasmtime::ValType::I32,
            ValType::I64 => wasmtime::ValType::I64,
            ValType::F32 => wasmtime::ValType::F32,
            ValType::F64 => wasmtime::ValType::F64,
            ValType::V128 => wasmtime::ValType::V128,
            ValType::Ref(r) => {
                let heap_type = match r.heap_type {
                    HeapType::Abstract(h) => abstract_heap_type(h),
                    HeapType::Concrete(_) | HeapType::Exact(_) => {
                        unimplemented!("the Wasmtime workloads use no concrete references")
                    }
                };
                wasmtime::ValType::Ref(wasmtime::RefType::new(r.nullable, heap_type))
            }
        }
    }

    /// Wasmtime's params and results of a function type.
    pub fn func_signature(&self, ty: &SubType) -> (Vec<wasmtime::ValType>, Vec<wasmtime::ValType>) {
        let func = ty.as_func().expect("a function type");
        (
            func.params.iter().map(|v| self.val_type(v)).collect(),
            func.results.iter().map(|v| self.val_type(v)).collect(),
        )
    }

    /// `FuncType::new`: registers (or finds) the type under the write lock.
    pub fn func_type(&self, params: &[wasmtime::ValType], results: &[wasmtime::ValType]) -> wasmtime::FuncType {
        wasmtime::FuncType::new(&self.engine, params.iter().cloned(), results.iter().cloned())
    }

    /// Wasmtime's fields of a struct type.
    pub fn struct_fields(&self, ty: &SubType) -> Vec<wasmtime::FieldType> {
        let wasm_type_registry::CompositeType::Struct(s) = &ty.composite else { panic!("a struct type") };
        s.fields
            .iter()
            .map(|f| {
                let storage = match &f.storage {
                    StorageType::I8 => wasmtime::StorageType::I8,
                    StorageType::I16 => wasmtime::StorageType::I16,
                    StorageType::Val(v) => wasmtime::StorageType::ValType(self.val_type(v)),
                };
                let mutability = if f.mutable { wasmtime::Mutability::Var } else { wasmtime::Mutability::Const };
                wasmtime::FieldType::new(mutability, storage)
            })
            .collect()
    }

    /// `StructType::with_finality_and_supertype` (`StructType::new` when
    /// final without a supertype).
    pub fn struct_type(
        &self,
        is_final: bool,
        supertype: Option<&wasmtime::StructType>,
        fields: &[wasmtime::FieldType],
    ) -> wasmtime::StructType {
        let finality = if is_final { wasmtime::Finality::Final } else { wasmtime::Finality::NonFinal };
        wasmtime::StructType::with_finality_and_supertype(&self.engine, finality, supertype, fields.iter().cloned())
            .expect("benchmark struct types are valid")
    }

    /// A module of singleton struct types with scalar fields (such as
    /// `wasm_type_shapes::struct_hierarchy`), as concrete heap types, in
    /// module order.
    pub fn struct_hierarchy(&self, module: &ModuleTypes) -> Vec<wasmtime::HeapType> {
        let mut types: Vec<wasmtime::StructType> = Vec::with_capacity(module.len());
        for ty in module.types() {
            let supertype = ty.supertype.map(|s| match s {
                TypeRef::Module(m) => &types[m.as_usize()],
                other => panic!("module types reference module indices, not {other:?}"),
            });
            let fields = self.struct_fields(ty);
            let created = self.struct_type(ty.is_final, supertype, &fields);
            types.push(created);
        }
        types.into_iter().map(wasmtime::HeapType::ConcreteStruct).collect()
    }
}

fn abstract_heap_type(h: AbstractHeapType) -> wasmtime::HeapType {
    use AbstractHeapType::*;
    match h {
        Func => wasmtime::HeapType::Func,
        NoFunc => wasmtime::HeapType::NoFunc,
        Extern => wasmtime::HeapType::Extern,
        NoExtern => wasmtime::HeapType::NoExtern,
        Any => wasmtime::HeapType::Any,
        Eq => wasmtime::HeapType::Eq,
        I31 => wasmtime::HeapType::I31,
        Struct => wasmtime::HeapType::Struct,
        Array => wasmtime::HeapType::Array,
        None => wasmtime::HeapType::None,
        Exn => wasmtime::HeapType::Exn,
        NoExn => wasmtime::HeapType::NoExn,
        Cont => wasmtime::HeapType::Cont,
        NoCont => wasmtime::HeapType::NoCont,
    }
}
