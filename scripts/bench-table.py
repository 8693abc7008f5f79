#!/usr/bin/env python3
"""Markdown tables from the JSON that `compare --json FILE` writes.

    python3 scripts/bench-table.py [--cores N] FILE.json

Prints the tables docs/benchmarks.md shows, for whatever the file holds:
this crate's throughput ratio to the global-lock port by workload and
thread count; its ratio to every other comparator the run had (the
subtype caches, Wasmtime 48, the limit); this crate's own throughput by
thread count; tail latency (workload 7) and heap bytes per type, each cell
"this crate / global lock". A thread count above `--cores` (default: this
machine's) is marked `*`: more threads than cores, oversubscription.

scripts/bench-cores.sh runs it on its many-core run; run by hand, it
renders a committed run, e.g. `--cores 2 docs/benchmarks.json`. Only the
standard library: it runs where the benchmark ran.
"""
import argparse
import json
import os
import sys

NAMES = {
    'this_crate': 'this crate',
    'global_lock': 'global lock',
    'global_lock_cached': 'global lock + cache',
    'global_lock_cached_mixed': 'global lock + cache, mixed hash',
    'wasmtime48': 'Wasmtime 48',
    'limit': 'limit',
}
# The order of the "against" column: the caches, Wasmtime, then the limit.
OTHERS = ['global_lock_cached', 'global_lock_cached_mixed', 'wasmtime48', 'limit']


def rate(value):
    """Elements per second as `compare` prints them."""
    if value is None:
        return '-'
    if value >= 1e6:
        return f'{value / 1e6:.1f}M'
    if value >= 1e4:
        return f'{value / 1e3:.0f}k'
    return f'{value:.0f}'


def ratio(a, b):
    return f'{a / b:.2f}x' if a is not None and b else '-'


def ns(value):
    if value is None:
        return '-'
    if value < 1_000:
        return f'{value:.0f} ns'
    if value < 1_000_000:
        return f'{value / 1e3:.1f} µs'
    return f'{value / 1e6:.1f} ms'


def table(header, rows):
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return '\n'.join(lines)


def first_seen(values):
    return list(dict.fromkeys(values))


def throughput(rows, cores):
    cells = {(r['workload'], r['threads'], r['comparator']): r.get('ops_per_sec') for r in rows}
    workloads = first_seen(r['workload'] for r in rows)
    threads = sorted({r['threads'] for r in rows})
    heads = [f'{t}*' if t > cores else str(t) for t in threads]
    reps = sorted({int(r['reps']) for r in rows if r.get('reps') is not None})
    spreads = sorted(r['spread'] for r in rows if r.get('spread') is not None)
    out = []

    def ours(w, t):
        return cells.get((w, t, 'this_crate'))

    out.append(f'Throughput, this crate / the global-lock port (each cell the median of '
               f'{"/".join(map(str, reps))} repetition{"" if reps == [1] else "s"}; threads marked `*` '
               'exceed the cores):')
    out.append('')
    out.append(table(['workload'] + heads, [
        [w] + [ratio(ours(w, t), cells.get((w, t, 'global_lock'))) for t in threads]
        for w in workloads if any((w, t, 'global_lock') in cells for t in threads)]))
    others = [(w, c) for c in OTHERS for w in workloads if any((w, t, c) in cells for t in threads)]
    if others:
        out.append('')
        out.append('This crate / the other comparators of the same run:')
        out.append('')
        out.append(table(['workload', 'against'] + heads, [
            [w, NAMES[c]] + [ratio(ours(w, t), cells.get((w, t, c))) for t in threads] for w, c in others]))
    out.append('')
    out.append('This crate\'s throughput, elements per second (M = 10^6, k = 10^3; an element is an '
               'operation, a registered type in `5_*`, a request in `8_request`):')
    out.append('')
    out.append(table(['workload'] + heads, [[w] + [rate(ours(w, t)) for t in threads] for w in workloads]))
    if spreads:
        out.append('')
        out.append(f'Slowest / fastest repetition of a cell: median {spreads[len(spreads) // 2]:.2f}, '
                   f'largest {spreads[-1]:.2f}.')
    return out


def latency(rows):
    by = {(r['workload'], r['case'], r['op'], r['comparator']): r for r in rows}
    keys = first_seen((r['workload'], r['case'], r['op']) for r in rows)
    out = ['Latency of single calls (workload 7), this crate / global lock; `churn`: another thread '
           'registers and drops an 8,497-type group meanwhile; `7_cross_registry`: calls on registry B, '
           'quiet or right after registry A dropped such a group:', '']
    body = []
    for w, case, op in keys:
        a, b = by.get((w, case, op, 'this_crate'), {}), by.get((w, case, op, 'global_lock'), {})
        body.append([w, case, op, f'{a.get("count", "-")} / {b.get("count", "-")}'] + [
            f'{ns(a.get(k))} / {ns(b.get(k))}' for k in ('p50_ns', 'p99_ns', 'p999_ns', 'p9999_ns', 'max_ns')])
    out.append(table(['workload', 'case', 'op', 'calls', 'p50', 'p99', 'p99.9', 'p99.99', 'max'], body))
    return out


def memory(rows):
    by = {(r['shape'], r['comparator']): r for r in rows}
    body = []
    for shape in first_seen(r['shape'] for r in rows):
        a, b = by.get((shape, 'this_crate'), {}), by.get((shape, 'global_lock'), {})

        def pair(key, form):
            return ' / '.join('-' if r.get(key) is None else form.format(r[key]) for r in (a, b))
        body.append([shape, pair('types', '{:.0f}'), pair('bytes_per_type', '{:.0f}'),
                     pair('retained_bytes_per_type', '{:.1f}'), pair('empty_registry_bytes', '{:.0f} B')])
    return ['Heap bytes per live type (counted by the benchmark\'s global allocator, not RSS), '
            'this crate / global lock:', '',
            table(['shape', 'live types', 'bytes per type', 'retained after drop, per type', 'empty registry'],
                  body)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('json', help='the file `compare --json` wrote')
    parser.add_argument('--cores', type=int, default=os.cpu_count() or 1,
                        help="the measuring machine's cores (default: this machine's)")
    args = parser.parse_args()
    with open(args.json, encoding='utf-8') as f:
        rows = json.load(f)
    sections = []
    kinds = [
        (lambda r: 'ops_per_sec' in r, lambda rs: throughput(rs, args.cores)),
        (lambda r: r['workload'].startswith('7_'), latency),
        (lambda r: r['workload'] == 'memory', memory),
    ]
    for selects, render in kinds:
        selected = [r for r in rows if selects(r)]
        if selected:
            sections.append('\n'.join(render(selected)))
    if not sections:
        sys.exit(f'{args.json}: no throughput, latency or memory rows')
    print('\n\n'.join(sections))


if __name__ == '__main__':
    main()
