#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks Fal-1.0.gir beyond what g-ir-scanner --warn-all does: every
class, interface, record, enumeration and callable of the public API has
documentation, every *_async has its *_finish beside it and a callback of
scope "async", and the only callables left out of the bindings
(introspectable="0") are the ones this list expects. TAP on stdout."""

import sys
import xml.etree.ElementTree as ET

NS = {'c': 'http://www.gtk.org/introspection/core/1.0',
      'glib': 'http://www.gtk.org/introspection/glib/1.0'}
C = '{%s}' % NS['c']
CTYPE = '{http://www.gtk.org/introspection/c/1.0}identifier'

# C-only helpers, skipped with a reason in their doc comments.
EXPECTED_SKIPPED = {
    'fal_log_list_append',            # steals the array's elements
    'fal_sse_parser_new',             # two callbacks share one user_data
    'fal_pricing_estimate_async',     # quantities have endpoint_ids' length
    'fal_pricing_estimate_finish',
}

n = 0
failed = False


def tap(ok, name, details=()):
    global n, failed
    n += 1
    failed |= not ok
    print('%s %d - %s' % ('ok' if ok else 'not ok', n, name))
    for d in list(details)[:40]:
        print('# ' + d)


def has_doc(node):
    doc = node.find('c:doc', NS)
    return doc is not None and doc.text and doc.text.strip()


def any_doc(f):
    # A block with only parameters and Returns: has no <doc> of its own.
    return has_doc(f) or any(has_doc(x) for x in f.iter() if x.tag in (C + 'parameter', C + 'instance-parameter', C + 'return-value'))

root = ET.parse(sys.argv[1]).getroot()
ns = root.find('c:namespace', NS)

undocumented = []
for kind in ('class', 'interface', 'record', 'enumeration', 'function', 'callback'):
    for node in ns.findall('c:' + kind, NS):
        # FalClientClass and the like, made by G_DECLARE_*_TYPE.
        if node.get('{%s}is-gtype-struct-for' % NS['glib']):
            continue
        if not (has_doc(node) if kind not in ('function', 'callback') else any_doc(node)):
            undocumented.append('%s %s' % (kind, node.get('name')))
callables = []
for container in [ns] + list(ns):
    for tag in ('function', 'method', 'constructor', 'virtual-method'):
        for f in container.findall('c:' + tag, NS):
            callables.append((container, f))

for container, f in callables:
    if f.tag == C + 'virtual-method':
        continue
    if not any_doc(f) and f.get(CTYPE) not in EXPECTED_SKIPPED:
        undocumented.append(str(f.get(CTYPE)))
    if f.get('introspectable') == '0':
        continue
    rv = f.find('c:return-value', NS)
    if rv is not None and rv.find('c:type', NS) is not None and rv.find('c:type', NS).get('name') != 'none' \
            and not has_doc(rv) and rv.find('c:type', NS).get('name') != 'GType':
        undocumented.append(f.get(CTYPE) + ': return value')
    params = f.find('c:parameters', NS)
    for p in (params.findall('c:parameter', NS) + params.findall('c:instance-parameter', NS)) if params is not None else []:
        if not has_doc(p):
            undocumented.append('%s: @%s' % (f.get(CTYPE), p.get('name')))
tap(not undocumented, 'every public type, function, parameter and return value is documented',
    undocumented)

skipped = sorted(set(str(f.get(CTYPE)) for _c, f in callables if f.get('introspectable') == '0'))
tap(set(skipped) == EXPECTED_SKIPPED, 'only the expected C-only helpers are left out of bindings',
    ['left out: %s' % s for s in skipped])

bad_async = []
n_async = 0
for container, f in callables:
    name = f.get('name')
    if not name.endswith('_async') or f.get('introspectable') == '0':
        continue
    n_async += 1
    siblings = {g.get('name') for g in container if g.tag in (C + 'function', C + 'method')}
    stem = name[:-len('_async')]
    # fal_client_fetch_schema_full_async and …_inputs_full_async share the
    # short form's finish.
    finish = stem + '_finish'
    if finish not in siblings and stem.endswith('_full'):
        finish = stem[:-len('_full')] + '_finish'
    if finish not in siblings:
        bad_async.append('%s: no %s' % (f.get(CTYPE), finish))
    cbs = [p for p in f.find('c:parameters', NS).findall('c:parameter', NS)
           if p.find('c:type', NS) is not None and p.find('c:type', NS).get('name') == 'Gio.AsyncReadyCallback']
    if len(cbs) != 1 or cbs[0].get('scope') != 'async':
        bad_async.append('%s: callback not of scope async' % f.get(CTYPE))
tap(n_async >= 20 and not bad_async,
    '%d async calls, each with its finish and a callback of scope async' % n_async, bad_async)

enum = ns.find("c:enumeration[@name='ErrorCode']", NS)
tap(enum is not None and enum.get('{%s}error-domain' % NS['glib']),
    'Fal.ErrorCode is the error domain of fal_error_quark()')

boxed = [r.get('name') for r in ns.findall('c:record', NS) if r.get('{%s}get-type' % NS['glib'])]
tap(all(b in boxed for b in ('CallOptions', 'UploadOptions', 'CatalogQuery', 'EndpointId', 'Price', 'CatalogPage')),
    'the structs passed by pointer are boxed types', boxed)

print('1..%d' % n)
sys.exit(1 if failed else 0)
