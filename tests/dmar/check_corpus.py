#!/usr/bin/env python3
# check_corpus.py - runs dmar-dump --json on every real DMAR table of the corpus
# and on the fixtures, and compares every field with the reference listing.
#
# Corpus: for tables/<id>.bin, every "[offset ...] Field : value" line of
# reference/<id>.dsl (iasl -d) must agree with the dump, structure by structure
# and scope by scope, offsets included; header fields must also agree with
# MANIFEST.tsv.  Fixtures (made by tests/fixtures/dmar/gen_fixtures.py): the
# dump must contain what tests/fixtures/dmar/<name>.expect.json writes down,
# and the text form must equal <name>.expect.txt where there is one.
# Prints KTAP and "N passed, N failed"; exits 1 on any failure.
import argparse
import csv
import glob
import hashlib
import json
import os
import re
import subprocess
import sys

DSL_LINE = re.compile(r'^\[([0-9A-Fa-f]+)h (\d+) +([0-9A-Fa-f]+)h\] +(.+?) : (.*)$')

# iasl field name -> JSON key, per level (header, structure, scope).
HEADER_KEYS = {
    'Table Length': 'length', 'Revision': 'revision', 'Checksum': 'checksum',
    'Oem ID': 'oem_id', 'Oem Table ID': 'oem_table_id',
    'Oem Revision': 'oem_revision', 'Asl Compiler ID': 'creator_id',
    'Asl Compiler Revision': 'creator_revision',
    'Host Address Width': 'host_address_width', 'Flags': 'flags',
}
STRUCT_KEYS = {
    'Subtable Type': 'type_value', 'Length': 'length', 'Flags': 'flags',
    'Size (decoded below)': 'size', 'PCI Segment Number': 'segment',
    'Register Base Address': 'register_base_address',
    'Base Address': 'base_address', 'End Address (limit)': 'end_address',
    'Proximity Domain': 'proximity_domain', 'Device Number': 'device_number',
    'Device Name': 'object_name',
}
SCOPE_KEYS = {
    'Device Scope Type': 'type_value', 'Entry Length': 'length',
    'Flags': 'flags', 'Enumeration ID': 'enumeration_id',
    'PCI Bus Number': 'start_bus',
}
TYPE_NAMES = ['DRHD', 'RMRR', 'ATSR', 'RHSA', 'ANDD', 'SATC', 'SIDP']
SCOPE_NAMES = {1: 'endpoint', 2: 'bridge', 3: 'ioapic', 4: 'hpet',
               5: 'acpi_namespace'}


def dsl_value(raw):
    """A field value as iasl prints it: "string", or hex with a [comment]."""
    raw = raw.strip()
    if raw.startswith('"'):
        return raw[1:raw.rindex('"')]
    return int(raw.split()[0], 16)


def parse_dsl(path):
    """The listing as {header fields, structures: [{fields, scopes}]}."""
    ref = {'header': {}, 'structures': []}
    cur = scope = None
    for line in open(path, encoding='latin-1'):
        m = DSL_LINE.match(line.rstrip('\n'))
        if not m:
            continue
        off, name, raw = int(m.group(2)), m.group(4).strip(), m.group(5)
        if name == 'Subtable Type':
            cur = {'offset': off, 'fields': {}, 'scopes': []}
            ref['structures'].append(cur)
            scope = None
        elif name == 'Device Scope Type':
            scope = {'offset': off, 'fields': {}, 'path': []}
            cur['scopes'].append(scope)
        if name == 'Reserved' or name == 'Signature':
            continue
        if name == 'PCI Path':
            dev, fn = raw.split()[0].split(',')
            scope['path'].append([int(dev, 16), int(fn, 16)])
        elif scope is not None and name in SCOPE_KEYS:
            scope['fields'][SCOPE_KEYS[name]] = dsl_value(raw)
        elif cur is not None and name in STRUCT_KEYS:
            cur['fields'][STRUCT_KEYS[name]] = dsl_value(raw)
        elif cur is None and name in HEADER_KEYS:
            ref['header'][HEADER_KEYS[name]] = dsl_value(raw)
        else:
            raise ValueError('%s: unexpected field %r at %d' % (path, name, off))
    return ref


def same(got, want, key):
    if isinstance(want, str) and isinstance(got, str):
        return got.rstrip('\0') == want.rstrip('\0')
    if key == 'base_address' and got is None:
        return False
    return got == want


def compare_fields(where, got, want, errs):
    for key, val in want.items():
        g = got.get(key)
        if key == 'base_address' and got.get('type') == 'RHSA':
            g = got.get('register_base_address')  # VT-d's name for RHSA
        if not same(g, val, key):
            errs.append('%s %s: dump %r, reference %r' % (where, key, g, val))


def compare_scopes(where, got, want, errs):
    if len(got) != len(want):
        errs.append('%s: %d scopes, reference %d' % (where, len(got), len(want)))
        return
    for i, (g, w) in enumerate(zip(got, want)):
        at = '%s scope %d' % (where, i)
        if g['offset'] != w['offset']:
            errs.append('%s offset %d, reference %d' % (at, g['offset'], w['offset']))
        compare_fields(at, g, w['fields'], errs)
        if g['type'] != SCOPE_NAMES.get(w['fields'].get('type_value'), 'unknown'):
            errs.append('%s type name %r' % (at, g['type']))
        if g['path'] != w['path']:
            errs.append('%s path %r, reference %r' % (at, g['path'], w['path']))


def compare_dsl(dump, ref, errs):
    compare_fields('header', dump, ref['header'], errs)
    got, want = dump['structures'], ref['structures']
    if len(got) != len(want):
        errs.append('%d structures, reference %d' % (len(got), len(want)))
        return
    for i, (g, w) in enumerate(zip(got, want)):
        where = 'structure %d (%s at %d)' % (i, g['type'], g['offset'])
        if g['offset'] != w['offset']:
            errs.append('%s: reference offset %d' % (where, w['offset']))
        compare_fields(where, g, w['fields'], errs)
        tv = w['fields']['type_value']
        if g['type'] != (TYPE_NAMES[tv] if tv < len(TYPE_NAMES) else 'unknown'):
            errs.append('%s: type name %r' % (where, g['type']))
        compare_scopes(where, g['device_scopes'], w['scopes'], errs)


def manifest_str(s):
    return s.replace('\\0', '\0')


def compare_manifest(dump, row, data, errs):
    counts = [0] * 8
    for s in dump['structures']:
        counts[min(s['type_value'], 7)] += 1
    want = {
        'length': int(row['table_length']), 'revision': int(row['revision']),
        'flags': int(row['flags'], 16),
        'host_address_width': int(row['host_address_width_bits']) - 1,
        'checksum_ok': row['checksum_valid'] == 'yes',
        'oem_id': manifest_str(row['oem_id']),
        'oem_table_id': manifest_str(row['oem_table_id']),
    }
    for key, val in want.items():
        if dump.get(key) != val:
            errs.append('manifest %s: dump %r, manifest %r' % (key, dump.get(key), val))
    for i, name in enumerate(TYPE_NAMES + ['unknown_types']):
        if counts[i] != int(row[name]):
            errs.append('manifest %s count: dump %d, manifest %s' % (name, counts[i], row[name]))
    if hashlib.sha256(data).hexdigest() != row['sha256']:
        errs.append('manifest sha256 differs: not the corpus file')


def run_dump(dump_bin, path):
    p = subprocess.run([dump_bin, '--json', path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30)
    return p.returncode, json.loads(p.stdout.decode('utf-8'))


def check_table(dump_bin, corpus, row):
    tid, errs = row['id'], []
    path = os.path.join(corpus, 'tables', tid + '.bin')
    rc, dump = run_dump(dump_bin, path)
    if rc != 0 or dump['errors']:
        errs.append('dump exit %d, errors %r' % (rc, dump['errors']))
    compare_dsl(dump, parse_dsl(os.path.join(corpus, 'reference', tid + '.dsl')), errs)
    compare_manifest(dump, row, open(path, 'rb').read(), errs)
    compare_warnings(dump, row, errs)
    return errs


def compare_warnings(dump, row, errs):
    """Real firmware is mostly sound: the only finding the corpus notes is a
    DRHD register base of 0, and no other warning may appear."""
    want = ['drhd_base_zero'] if 'DRHD register base address is 0' in row['notes'] else []
    got = sorted(set(w['kind'] for w in dump['warnings']))
    if got != want:
        errs.append('warnings %r, notes imply %r' % (got, want))


def subset(got, want, where, errs):
    """Every key of want agrees with got; lists agree in length too."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            errs.append('%s: dump %r, expected an object' % (where, got))
            return
        for k, v in want.items():
            subset(got.get(k), v, '%s.%s' % (where, k), errs)
    elif isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            errs.append('%s: dump %r, expected %r' % (where, got, want))
            return
        for i, (g, w) in enumerate(zip(got, want)):
            subset(g, w, '%s[%d]' % (where, i), errs)
    elif got != want:
        errs.append('%s: dump %r, expected %r' % (where, got, want))


def check_fixture(dump_bin, expect_path, built):
    exp = json.load(open(expect_path))
    errs = []
    path = os.path.join(built, exp['file'])
    rc, dump = run_dump(dump_bin, path)
    if rc != exp['exit']:
        errs.append('exit %d, expected %d' % (rc, exp['exit']))
    subset(dump, exp['dump'], 'dump', errs)
    golden = expect_path[:-len('.expect.json')] + '.expect.txt'
    if os.path.exists(golden):
        compare_text(dump_bin, path, golden, errs)
    return errs


def compare_text(dump_bin, path, golden, errs):
    """The text form is meant to stay stable: compare it line by line."""
    p = subprocess.run([dump_bin, path], stdout=subprocess.PIPE, timeout=30)
    got = p.stdout.decode('utf-8').splitlines()
    want = open(golden).read().splitlines()
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            errs.append('text line %d: %r, expected %r' % (i + 1, g, w))
            return
    if len(got) != len(want):
        errs.append('text: %d lines, expected %d' % (len(got), len(want)))


def report(n, name, errs):
    print('%sok %d %s' % ('not ' if errs else '', n, name))
    for e in errs:
        print('    # ' + e)
    return not errs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dump', required=True)
    ap.add_argument('--corpus', required=True)
    ap.add_argument('--fixtures', required=True, help='built fixture folder')
    args = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    expects = sorted(glob.glob(os.path.join(here, '..', 'fixtures', 'dmar', '*.expect.json')))
    with open(os.path.join(args.corpus, 'MANIFEST.tsv'), newline='') as f:
        rows = list(csv.DictReader(f, delimiter='\t', quoting=csv.QUOTE_NONE))
    if not rows:
        print('no corpus at %s' % args.corpus)
        return 1
    print('KTAP version 1')
    print('1..%d' % (len(rows) + len(expects)))
    passed = n = 0
    for row in rows:
        n += 1
        passed += report(n, 'corpus ' + row['id'], check_table(args.dump, args.corpus, row))
    for e in expects:
        n += 1
        name = 'fixture ' + os.path.basename(e)[:-len('.expect.json')]
        passed += report(n, name, check_fixture(args.dump, e, args.fixtures))
    print('%d passed, %d failed' % (passed, n - passed))
    return 0 if passed == n else 1


if __name__ == '__main__':
    sys.exit(main())
