//! Reading a binary core module from untrusted bytes: every section is
//! validated before anything is converted, the type section is converted
//! only once the validator has accepted it, and a refused type section is
//! located without a second pass over the module's types.
//!
//! # What untrusted bytes can cost
//! - **No allocation sized by a declared count.** This module only ever
//!   grows vectors by what it has decoded. wasmparser reserves by declared
//!   counts after checking them against its own limits, which still allow
//!   a million entries from a few bytes; so before wasmparser's validator
//!   sees a section, [`check_declared_count`] refuses an item count larger
//!   than the section's bytes, and [`check_rec_group_counts`] a rec group's
//!   type count larger than the bytes left (wasmparser would reserve 96
//!   bytes a type). What wasmparser reserves is then proportional to the
//!   bytes present, plus at most 8 KB inside one type (1,000 results).
//! - **The error path is cheaper than the success path.** A module is
//!   converted into [`ModuleTypes`] only after it validated; a refused one
//!   costs the validation up to the first error plus, for a type-section
//!   error, one more decoding of the rec groups *before* the failing one
//!   (each dropped as soon as it is skipped) to count them.
//!
//! `docs/reliability.md` ("Untrusted modules") has the measured figures,
//! and `tests/workloads/untrusted_modules.rs` pins them.

use ::wasmparser as wp;

use super::{byte_offset, convert_group};
use crate::error::{one_line, RegistryError};
use crate::module::ModuleTypes;
use crate::types::TypeRef;

/// Reads a binary module's types with a look at every other section on the
/// way: validates the module with [`validate_module`], handing each
/// validated payload to `visit`, and converts the type section only once
/// the whole module has validated.
/// [`ModuleInfo::from_wasm`](crate::ModuleInfo::from_wasm) reads imports
/// and exports in this same walk instead of parsing again.
pub(crate) fn read_module<'a>(
    bytes: &'a [u8],
    mut visit: impl FnMut(&wp::Payload<'a>) -> Result<(), RegistryError>,
) -> Result<ModuleTypes, RegistryError> {
    let mut type_section = None;
    validate_module(bytes, |payload| {
        if let wp::Payload::TypeSection(reader) = payload {
            type_section = Some(reader.clone());
        }
        visit(payload)
    })?;
    // The whole module has validated: only now convert its types.
    let mut builder = ModuleTypes::builder();
    for group in type_section.into_iter().flatten() {
        builder.wasmparser_rec_group(&group?)?;
    }
    Ok(builder.build()?)
}

/// Walks a binary core module, validating each section as
/// [`ModuleInfo::from_wasm`](crate::ModuleInfo::from_wasm) documents
/// (everything but function bodies), and hands each payload to `visit`
/// once it has validated; returns wasmparser's view of the module's types.
///
/// This is the one place that decides what "a valid module" means for this
/// crate: whatever else reads modules (imports, exports) visits the same
/// walk rather than parsing again.
pub(crate) fn validate_module<'a>(
    bytes: &'a [u8],
    mut visit: impl FnMut(&wp::Payload<'a>) -> Result<(), RegistryError>,
) -> Result<wp::types::Types, RegistryError> {
    let mut validator = wp::Validator::new_with_features(ModuleTypes::WASM_FEATURES);
    for payload in wp::Parser::new(0).parse_all(bytes) {
        let payload = payload?;
        if let wp::Payload::Version { encoding: wp::Encoding::Component, range, .. } = &payload {
            return Err(RegistryError::InvalidWasm {
                offset: byte_offset(range.start),
                message: "this is a component, not a core module: read each of its core modules instead".to_string(),
            });
        }
        check_declared_count(&payload)?;
        if let wp::Payload::TypeSection(reader) = &payload {
            check_rec_group_counts(bytes, reader)?;
        }
        let valid = validator.payload(&payload).map_err(|error| match &payload {
            wp::Payload::TypeSection(reader) => locate_type_error(&error, reader, &validator),
            _ => error.into(),
        })?;
        visit(&payload)?;
        match valid {
            wp::ValidPayload::End(types) => return Ok(types),
            // A function body to validate: not this crate's job.
            wp::ValidPayload::Func(..) | wp::ValidPayload::Ok | wp::ValidPayload::Parser(_) => {}
        }
    }
    // `parse_all` ends with `End` or an error; this is for completeness.
    Err(RegistryError::InvalidWasm { offset: bytes.len(), message: "unexpected end of the module".to_string() })
}

/// Refuses a section that declares more items than it has bytes: each item
/// takes at least one byte, and wasmparser reserves room for the declared
/// count before it decodes any item.
fn check_declared_count(payload: &wp::Payload<'_>) -> Result<(), RegistryError> {
    use wp::Payload as P;
    let (what, count, range) = match payload {
        P::TypeSection(r) => ("rec groups", r.count(), r.range()),
        P::ImportSection(r) => ("imports", r.count(), r.range()),
        P::FunctionSection(r) => ("functions", r.count(), r.range()),
        P::TableSection(r) => ("tables", r.count(), r.range()),
        P::MemorySection(r) => ("memories", r.count(), r.range()),
        P::TagSection(r) => ("tags", r.count(), r.range()),
        P::GlobalSection(r) => ("globals", r.count(), r.range()),
        P::ExportSection(r) => ("exports", r.count(), r.range()),
        P::ElementSection(r) => ("element segments", r.count(), r.range()),
        P::DataSection(r) => ("data segments", r.count(), r.range()),
        P::CodeSectionStart { count, unchecked_range, size } => {
            let start = unchecked_range.start;
            ("function bodies", *count, start..start.saturating_add(u64::from(*size)))
        }
        _ => return Ok(()),
    };
    let bytes = range.end.saturating_sub(range.start);
    if u64::from(count) > bytes {
        return Err(RegistryError::InvalidWasm {
            offset: byte_offset(range.start),
            message: format!(
                "the section declares {count} {what} but holds only {bytes} bytes (each takes at least one)"
            ),
        });
    }
    Ok(())
}

/// Refuses an explicit rec group that declares more types than the bytes
/// left in its section: wasmparser reserves room for the declared count
/// (after checking it against its limit of 1,000,000, which still means
/// 96 MB for a few bytes) before it decodes any of the group's types.
///
/// Decodes the section's types once without keeping them. Anything that
/// does not decode is left for the validator to report in its own words.
fn check_rec_group_counts(bytes: &[u8], section: &wp::TypeSectionReader<'_>) -> Result<(), RegistryError> {
    let range = section.range();
    let Some(contents) = bytes.get(byte_offset(range.start)..byte_offset(range.end)) else {
        return Ok(());
    };
    let mut reader = wp::BinaryReader::new_features(contents, range.start, wp::WasmFeatures::all());
    let Ok(count) = reader.read_var_u32() else { return Ok(()) };
    let mut type_index = 0u32;
    for rec_group in 0..count {
        if reader.clone().read_u8().ok() != Some(0x4e) {
            // A type outside any explicit rec group.
            if reader.read::<wp::SubType>().is_err() {
                return Ok(());
            }
            type_index = type_index.saturating_add(1);
            continue;
        }
        let offset = reader.original_position();
        let (Ok(_), Ok(declared)) = (reader.read_u8(), reader.read_var_u32()) else { return Ok(()) };
        if declared as usize > reader.bytes_remaining() {
            return Err(RegistryError::InvalidTypeSection {
                offset: byte_offset(offset),
                type_index,
                rec_group,
                message: format!(
                    "the rec group declares {declared} types but only {} bytes are left in the section",
                    reader.bytes_remaining()
                ),
            });
        }
        for _ in 0..declared {
            if reader.read::<wp::SubType>().is_err() {
                return Ok(());
            }
        }
        type_index = type_index.saturating_add(declared);
    }
    Ok(())
}

/// Names the type that a type-section validation `error` is about.
///
/// The validator reports the offset of the rec group it refused (or, for
/// bytes that do not decode, where decoding stopped). This decodes the rec
/// groups up to that one again, one at a time, to count the groups and
/// types before it, and never converts or registers anything. Inside a
/// group of several types, the validator itself says which type it
/// refused: it defines a group's types one by one and checks each (its
/// supertype's finality, kind, structure, depth) as it defines it, so the
/// number of types it has defined when it stops counts the refused type
/// in. A problem found before any of the group's types is defined (an
/// index out of range, a supertype not defined earlier) is located by
/// [`first_bad_reference`].
fn locate_type_error(
    error: &wp::BinaryReaderError,
    reader: &wp::TypeSectionReader<'_>,
    validator: &wp::Validator,
) -> RegistryError {
    let offset = error.offset();
    let declared = reader.count();
    // (rec group index, its first type's module index, the group)
    let mut containing: Option<(u32, u32, wp::RecGroup)> = None;
    let mut next_start = 0u32;
    for (index, item) in (0u32..).zip(reader.clone().into_iter_with_offsets()) {
        match item {
            Ok((group_offset, _)) if group_offset > offset => break,
            Ok((_, group)) => {
                let len = u32::try_from(group.types().len()).unwrap_or(u32::MAX);
                containing = Some((index, next_start, group));
                next_start = next_start.saturating_add(len);
            }
            // The group that does not decode; or, past the declared count,
            // bytes after the last group.
            Err(_) if index < declared => return invalid_type_section(error, next_start, index),
            Err(_) => break,
        }
    }
    let Some((rec_group, start, group)) = containing else {
        // The section's own count, before any group.
        return error.clone().into();
    };
    let len = u32::try_from(group.types().len()).unwrap_or(u32::MAX);
    let end = start.saturating_add(len);
    let defined = validator.types(0).map(|types| types.core_type_count_in_module());
    let type_index = match defined {
        Some(defined) if defined > start && defined <= end => defined - 1,
        _ => first_bad_reference(&group, start, rec_group).unwrap_or(start),
    };
    invalid_type_section(error, type_index, rec_group)
}

/// The first type of `group` (whose first type has module index `start`)
/// that references a type past the group's end or declares a supertype not
/// defined before it. Converts this one group only.
fn first_bad_reference(group: &wp::RecGroup, start: u32, rec_group: u32) -> Option<u32> {
    let types = convert_group(group.types(), start, rec_group).ok()?;
    let end = start.saturating_add(u32::try_from(types.len()).ok()?);
    (start..).zip(&types).find_map(|(type_index, ty)| {
        let supertype_not_earlier = matches!(ty.supertype, Some(TypeRef::Module(s)) if s.as_u32() >= type_index);
        let past_group = ty.trace(|r| match r {
            TypeRef::Module(j) if j.as_u32() >= end => Err(()),
            _ => Ok(()),
        });
        (supertype_not_earlier || past_group.is_err()).then_some(type_index)
    })
}

fn invalid_type_section(error: &wp::BinaryReaderError, type_index: u32, rec_group: u32) -> RegistryError {
    RegistryError::InvalidTypeSection {
        offset: byte_offset(error.offset()),
        type_index,
        rec_group,
        message: one_line(error.message()),
    }
}
