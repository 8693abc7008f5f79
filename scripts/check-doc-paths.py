#!/usr/bin/env python3
"""Every repository path that the docs cite must exist.

    scripts/check-doc-paths.py

Reads README.md, docs/*.md, the comments of every Cargo.toml and of the
files under loom-tests/ and scripts/ (and of .ci/run), and finds each path
that starts at one of the repository's top folders (src/, tests/,
benches/, scripts/, examples/, loom-tests/, fuzz/, shapes/, docs/) and ends
in a file extension (.rs .sh .py .toml .md .wast .json). A path whose file
is not in the working tree is printed with the file and line that cite it,
and the script exits 1; it exits 0 when every cited path exists.

A path inside a longer one (a URL, `loom/tests/spec.rs`) is not a
repository path and is not checked, and neither are globs (`docs/*.md`).
CHANGELOG.md is not read: it may cite files as they were when an entry
was written. `.ci/run docs` runs this check.
"""
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

TOP = r'(?:src|tests|benches|scripts|examples|loom-tests|fuzz|shapes|docs)'
EXTENSIONS = r'(?:rs|sh|py|toml|md|wast|json)'
# Not preceded by a character of a path, so that the match starts a path:
# a path under loom-tests/ is not also read as one under tests/.
PATH = re.compile(r'(?<![\w./-])' + TOP + r'/[\w./-]*?\.' + EXTENSIONS + r'(?![\w-])')

# A line comment: `//` (Rust) or `#` (shell, Python, TOML), at the start
# of the line or after white space (not `https://`, not `${#array[@]}`).
SLASH_COMMENT = re.compile(r'(?:^|(?<=\s))//(.*)$')
HASH_COMMENT = re.compile(r'(?:^|(?<=\s))#(.*)$')


def whole_file(lines):
    return lines


def comments(pattern):
    def select(lines):
        return [(m.group(1) if (m := pattern.search(line)) else '') for line in lines]
    return select


def python_comments(lines):
    """`#` comments, and the lines of docstrings (triple-quoted blocks)."""
    selected, in_docstring = [], False
    for line in lines:
        quotes = line.count('"""')
        if in_docstring or (quotes and line.lstrip().startswith('"""')):
            selected.append(line)
            if quotes % 2 == 1:
                in_docstring = not in_docstring
        else:
            m = HASH_COMMENT.search(line)
            selected.append(m.group(1) if m else '')
    return selected


def sources():
    """(file, how to select its cited text), relative to the root."""
    files = [('README.md', whole_file)]
    files += [(path, whole_file) for path in sorted(glob.glob('docs/*.md', root_dir=ROOT))]
    files += [(path, comments(HASH_COMMENT)) for path in sorted(glob.glob('**/Cargo.toml', root_dir=ROOT, recursive=True))
              if not path.startswith('target/')]
    for folder in ('loom-tests', 'scripts'):
        for path in sorted(glob.glob(f'{folder}/**/*', root_dir=ROOT, recursive=True)):
            if not os.path.isfile(os.path.join(ROOT, path)) or path.endswith('Cargo.toml'):
                continue
            if path.endswith('.rs'):
                files.append((path, comments(SLASH_COMMENT)))
            elif path.endswith('.py'):
                files.append((path, python_comments))
            else:
                files.append((path, comments(HASH_COMMENT)))
    files.append(('.ci/run', comments(HASH_COMMENT)))
    return [(path, select) for path, select in files if os.path.basename(path) != 'CHANGELOG.md']


def main():
    missing = 0
    for path, select in sources():
        with open(os.path.join(ROOT, path), encoding='utf-8') as f:
            lines = f.read().splitlines()
        for number, text in enumerate(select(lines), start=1):
            for cited in PATH.findall(text):
                if not os.path.isfile(os.path.join(ROOT, cited)):
                    print(f'{path}:{number}: {cited} does not exist')
                    missing += 1
    sys.stdout.flush()
    if missing:
        print(f'check-doc-paths: {missing} cited paths do not exist', file=sys.stderr)
        return 1
    print('check-doc-paths: every cited path exists')
    return 0


if __name__ == '__main__':
    sys.exit(main())
