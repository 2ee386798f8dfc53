#!/usr/bin/env python3
"""Which B-trees an order placed writes, read off copies of a SQLite WAL.

Usage: wal_pages.py DATABASE WAL_COPY [WAL_COPY ...]

Take the copies while the portal places orders (docs/PERFORMANCE.md, "What an
order writes"): `cp rapport.db-wal /tmp/wal-1`, a few seconds apart, from a
`go run ./server/loadtest -workloads place -keep` run folder. Each copy holds the
frames of the WAL's current generation (the frames after them carry older
salts and are ignored); copies of the same generation are counted once. Page
numbers are mapped to tables and indexes with SQLite's dbstat table on the
kept database (Python's sqlite3 module has it). The orders in the sample are
estimated as the mean of the frames written to five B-trees that take one
scattered page per order (the relationship-keyed indexes of orders and events);
a frame is one 4 KiB page written to the WAL, and later once more to the
database by a checkpoint.
"""
import collections
import sqlite3
import struct
import sys

PER_ORDER = ['sqlite_autoindex_orders_2', 'orders_rel_status', 'orders_rel_id',
             'events_rel_side_at', 'sqlite_autoindex_events_1']


def commits_of(path):
    """The salts of the copy's generation and its committed transactions' page numbers."""
    data = open(path, 'rb').read()
    if len(data) < 32:
        return None, []
    _, _, page_size, _, salt1, salt2, _, _ = struct.unpack('>8I', data[:32])
    frame, off, commits, cur = 24 + page_size, 32, [], []
    while off + frame <= len(data):
        page, db_size, s1, s2 = struct.unpack('>4I', data[off:off + 16])
        if (s1, s2) != (salt1, salt2):
            break
        cur.append(page)
        if db_size:  # the commit frame of a transaction
            commits.append(cur)
            cur = []
        off += frame
    return (salt1, salt2), commits


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    con = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)
    con.execute('CREATE TEMP TABLE pg (n INTEGER PRIMARY KEY, c INTEGER)')
    seen, by_tree, frames, commits = set(), collections.Counter(), 0, 0
    for path in sys.argv[2:]:
        salts, txs = commits_of(path)
        if salts is None or salts in seen:
            continue
        seen.add(salts)
        pages = collections.Counter(p for tx in txs for p in tx)
        con.execute('DELETE FROM temp.pg')
        con.executemany('INSERT INTO temp.pg VALUES (?, ?)', pages.items())
        for name, n in con.execute('SELECT d.name, SUM(pg.c) FROM dbstat d JOIN temp.pg ON pg.n = d.pageno GROUP BY 1'):
            by_tree[name] += n
        frames += sum(pages.values())
        commits += len(txs)
    if not commits:
        sys.exit('no committed frames in the copies')
    orders = sum(by_tree[t] for t in PER_ORDER) / len(PER_ORDER)
    print(f'{len(seen)} WAL generations, {commits} commits, {frames} frames: '
          f'{frames / commits:.1f} frames per commit, about {orders / commits:.1f} orders per commit, '
          f'{frames / orders:.2f} frames per order')
    for name, n in by_tree.most_common():
        print(f'  {name:<40} {n / orders:5.2f} per order')


if __name__ == '__main__':
    main()
