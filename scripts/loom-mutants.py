#!/usr/bin/env python3
"""Proof that the loom models bite: removes or weakens one guard of the
protocol at a time, runs the model that protects it, and restores the code.

    scripts/loom-mutants.py            every mutation (about ten minutes on a shared 2-core machine)
    scripts/loom-mutants.py M3 W1      only these

Each mutation must make its model fail; docs/correctness.md quotes what loom
reported. A mutation whose text no longer occurs exactly once in its file is
reported as stale (the code moved on: update the mutation). Files are
restored even when interrupted; a file with uncommitted changes is refused.
Logs go to target/loom-mutants/NAME.log.
"""
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = ['cargo', 'test', '--release', '-p', 'loom-tests', '--test', 'models', '--']
WHITE_BOX = ['cargo', 'test', '--release', '-p', 'wasm-type-registry', '--no-default-features', '--lib', '--']
DEEP = ['cargo', 'test', '--release', '-p', 'loom-tests', '--test', 'crossbeam_epoch', '--']
# Not loom models: plain tests of the real collector and cells (no --cfg loom).
PLAIN = ['cargo', 'test', '-p', 'wasm-type-registry']
UNIT = PLAIN + ['--lib', '--']
# The reclamation tests: the `reclamation` module of the `api` test binary.
RECLAMATION = PLAIN + ['--test', 'api', '--', 'reclamation::']

# name: (file, text, replacement, command, what it removes)
MUTATIONS = {
    'M1': ('src/registry/register.rs',
           '|existing| existing.0.incref_if_live().then(|| existing.0.clone()),',
           '|_existing| None,',
           MODELS + ['model_1'], 'no re-check under the write lock: an equal live entry is replaced'),
    'M2': ('src/registry/entry.rs',
           '            if count == 0 {\n',
           '            if count == 0 && false {\n',
           MODELS + ['model_2'], 'incref_if_live revives a dead count'),
    'M3': ('src/registry/register.rs',
           '|existing| existing.0.incref_if_live().then(|| existing.0.clone()),',
           '|existing| { if existing.0.registrations() == 0 { existing.0.mark_inserted() } '
           'else if !existing.0.incref_if_live() { return None } Some(existing.0.clone()) },',
           MODELS + ['model_3'], 'the insertion re-check revives a dying entry (Wasmtime 22)'),
    'M4': ('src/registry/mod.rs',
           'let live = entry.incref_if_live();',
           'let live = if entry.registrations() == 0 { entry.mark_inserted(); true } '
           'else { entry.incref_if_live() };',
           MODELS + ['model_4'], 'root revives a dying entry'),
    'M5': ('src/registry/register.rs',
           'if !entry.incref_if_live() {',
           'if entry.registrations() == 0 { entry.mark_inserted() } else if !entry.incref_if_live() {',
           MODELS + ['model_5'], 'a new group takes a registration on a dying referenced group'),
    'M6': ('src/registry/unregister.rs',
           '''        let (retired, emptied) = OwnerCell::retire_all(self.slots_of(entry).map(|slot| slot.value()), entry);''',
           '''        for &index in entry.indices() {
            self.slots.free(index);
        }
        let (retired, emptied) = OwnerCell::retire_all(self.slots_of(entry).map(|slot| slot.value()), entry);''',
           MODELS + ['model_6'], 'dismantle frees the indices before emptying their slots'),
    'M6b': ('src/raw/sync/model.rs',
            'let previous = self.ptr.swap(husk, Ordering::Release);',
            'let previous = self.ptr.swap(husk, Ordering::Relaxed);',
            MODELS + ['model_6'], 'OwnerCell::publish without Release'),
    'M6c': ('src/registry/unregister.rs',
            'self.reclaimer.retire(retired, entry.len());',
            'drop(retired);',
            MODELS + ['model_6'], 'dismantle frees the retired group at once instead of retiring it'),
    'O1': ('src/raw/sync/reclaim/list.rs',
           'if !front.ready.load(Ordering::Acquire) {',
           'if false && !front.ready.load(Ordering::Acquire) {',
           UNIT + ['a_group_of_cells'], "a batch is freed before the collector declares its grace period over"),
    'S1': ('src/raw/sync/reclaim.rs',
           '''    fn settle_within(&self, retiring: Items<R>, budget: usize, keep: usize) {
''',
           '''    fn settle_within(&self, retiring: Items<R>, budget: usize, keep: usize) {
        self.round(budget);
''',
           RECLAMATION, "a writing call frees other threads' garbage too"),
    'S2': ('src/raw/sync/reclaim.rs',
           'match catch_unwind(AssertUnwindSafe(|| value.try_free())) {',
           'match Ok::<_, Box<dyn Any + Send>>(value.try_free()) {',
           RECLAMATION, 'a panicking data Drop is not contained (the rest of its batch leaks)'),
    'G1': ('src/registry/unregister.rs',
           '''        let registry = entry.give_up_registry();''',
           '''        let registry = entry.give_up_registry();
        std::mem::forget(registry.clone());''',
           RECLAMATION, 'a dismantled entry keeps its registry (retired garbage keeps the registry alive)'),
    'G2': ('src/registry/type_data.rs',
           '''        let (entry, position) = self.registry.read(ty.into(), |found| data_entry::<D>(found))??;
        entry.data_at(position).map(f)''',
           '''        self.registry.read(ty.into(), |found| found.entry().data_at(found.position()).map(f)).flatten()''',
           MODELS + ['model_11'], "type_data calls its closure inside the lookup, before the re-check"),
    'M7': ('src/registry/unregister.rs',
           '|k| Arc::ptr_eq(&k.0, entry)',
           '|_| true',
           MODELS + ['model_7'], 'unregistration removes by key, not by identity'),
    'M8': ('src/raw/free_list.rs',
           '''            match list.head.compare_exchange_weak(
                head.pack(),
                head.with_top(next).pack(),
                Ordering::Acquire,
                Ordering::Acquire,
            ) {''',
           '''            match {
                list.head.store(head.with_top(next).pack(), Ordering::Release);
                Ok::<u64, u64>(head.pack())
            } {''',
           MODELS + ['model_8'], 'free-list pop writes the head without a CAS'),
    'W1': ('src/raw/free_list.rs',
           'FreeHead { index, tag: self.tag.wrapping_add(1) }',
           'FreeHead { index, tag: self.tag }',
           WHITE_BOX + ['loom_tests::free_list_pop_survives_aba'], 'the free-list head has no ABA tag'),
    'W2': ('src/raw/table.rs',
           'if cell.compare_exchange(std::ptr::null_mut(), fresh, Ordering::AcqRel, Ordering::Acquire).is_err() {',
           'if { cell.store(fresh, Ordering::Release); false } {',
           WHITE_BOX + ['loom_tests::racing_first_allocations'], 'a new segment is stored, not CASed in'),
    'W2b': ('src/raw/table.rs',
            'if cell.compare_exchange(std::ptr::null_mut(), fresh, Ordering::AcqRel, Ordering::Acquire).is_err() {',
            'if cell.compare_exchange(std::ptr::null_mut(), fresh, Ordering::Relaxed, Ordering::Acquire).is_err() {',
            WHITE_BOX + ['loom_tests::racing_first_allocations'], 'a new segment is published without Release'),
    'W3': ('src/raw/free_list.rs',
           '''                head.with_top(index).pack(),
                Ordering::Release,''',
           '''                head.with_top(index).pack(),
                Ordering::Relaxed,''',
           WHITE_BOX + ['loom_tests::free_list'], 'free-list push without Release'),
    'X1': ('src/raw/sync/model/collector.rs',
           'self.guard.defer(f);',
           'unsafe { crossbeam_epoch::unprotected().defer_unchecked(f) };',
           DEEP, 'real collector: a deferred function runs at once (a batch is ready while readers hold it)'),
    'T1': ('src/raw/supertype_display.rs',
           'DisplayState(self.state_cell().load(Ordering::Acquire))',
           'DisplayState(self.state_cell().load(Ordering::Relaxed))',
           WHITE_BOX + ['loom_tests::reuse_never_pairs'], 'the display state is read without Acquire (torn display)'),
    'T2': ('src/raw/supertype_display.rs',
           'Some(self.state()).filter(|state| state.is_visible())',
           'Some(self.state())',
           WHITE_BOX + ['loom_tests::a_prepared_slot'], 'readers ignore visibility (prepared slots answer)'),
    'T2m': ('src/raw/supertype_display.rs',
            'Some(self.state()).filter(|state| state.is_visible())',
            'Some(self.state())',
            MODELS + ['model_9'], 'readers ignore visibility: a group that lost the race looks registered'),
    'T3': ('src/raw/supertype_display.rs',
           'found && self.unchanged_since(state)',
           'found',
           WHITE_BOX + ['loom_tests::a_reader_never_pairs_an_old_state'], 'no re-check of the state after the column read'),
    'T4': ('src/raw/supertype_display.rs',
           '        fence(Ordering::Release);\n        let depth = ancestors.len();',
           '        let depth = ancestors.len();',
           WHITE_BOX + ['loom_tests::a_reader_never_pairs_an_old_state'], 'no Release fence before a new occupant writes its columns'),
    'R1': ('src/registry/register.rs',
           '''                    if let Some(entry) = inner.find_live(&key) {
                        return Ok(entry);
                    }
                    break Some(claim);''',
           '''                    break Some(claim);''',
           RECLAMATION + ['--exact', 'reclamation::racing_registrations_of_one_module_run_the_data_function_once_per_type'],
           'a thread that claims a group after a claim ended does not look it up again'),
    'D1': ('src/registry/entry.rs',
           '''        let previous = self.registrations.fetch_sub(1, Ordering::Release);''',
           '''        let previous = self.registrations.fetch_sub(1, Ordering::Relaxed);''',
           MODELS, 'decref without Release and without the Acquire fence (expected to PASS: see the docs)'),
}


def main(names):
    env = dict(os.environ, RUSTFLAGS='--cfg loom', CARGO_TARGET_DIR='target/loom',
               CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS='true', CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS='true',
               LOOM_MAX_PREEMPTIONS=os.environ.get('LOOM_MAX_PREEMPTIONS', '3'), RUST_BACKTRACE='0')
    logs = os.path.join(ROOT, 'target', 'loom-mutants')
    os.makedirs(logs, exist_ok=True)
    for name in names or MUTATIONS:
        path, text, replacement, command, what = MUTATIONS[name]
        full = os.path.join(ROOT, path)
        if subprocess.run(['git', 'diff', '--quiet', '--', path], cwd=ROOT).returncode != 0:
            sys.exit(f'{path} has uncommitted changes; commit or stash them first')
        original = open(full).read()
        if original.count(text) != 1:
            print(f'{name}: STALE ({original.count(text)} matches in {path})')
            continue
        mutated = original.replace(text, replacement)
        if name == 'D1':
            mutated = mutated.replace('        fence(Ordering::Acquire);\n', '')
        run_env = dict(env)
        if command is DEEP:
            run_env.update(RUSTFLAGS='--cfg loom --cfg crossbeam_loom', CARGO_TARGET_DIR='target/loom-crossbeam')
        if command[:len(PLAIN)] == PLAIN:
            run_env.pop('RUSTFLAGS')
            run_env.update(CARGO_TARGET_DIR='target')
        try:
            open(full, 'w').write(mutated)
            start = time.time()
            result = subprocess.run(command, cwd=ROOT, env=run_env, capture_output=True, text=True)
        finally:
            open(full, 'w').write(original)
        output = result.stdout + result.stderr
        open(os.path.join(logs, f'{name}.log'), 'w').write(output)
        verdict = 'model passed' if result.returncode == 0 else 'model FAILED (the guard bites)'
        print(f'{name} ({what}): {verdict}, {time.time() - start:.0f}s')
        # The first failure and the lines that explain it.
        lines = output.splitlines()
        first = next((i for i, line in enumerate(lines) if 'panicked at' in line), None)
        if first is not None:
            for line in lines[first:first + 4]:
                print('    ' + line)


if __name__ == '__main__':
    main(sys.argv[1:])
