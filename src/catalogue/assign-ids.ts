// The id rules (docs/catalogue.md): an entry keeps its id while any of its
// source URLs survives; when entries merge, the merged one keeps the older id;
// when one splits, the part holding the old primary source (or most of its
// sources) keeps it; ids are never reused. Every URL ever seen stays in
// `source_ids` with its id (and in the user store's copy, id-store.ts).
import { setMeta, type Db } from './db.js'
import { localMaxId, type IdMapRow } from './id-store.js'

interface Claim { seq: number, id: number, overlap: number, primary: number }

/**
 * Chooses an id for each staged record, and its position among the served
 * entries; runs inside the write transaction.
 */
export function assignIds (db: Db): void {
  // Which existing ids each staged record could keep, and how strongly it claims them.
  const claims = db.prepare(`
    SELECT s.seq AS seq, m.anime_id AS id, count(*) AS overlap, max(a.source = s.url) AS "primary"
    FROM temp.staging_sources s
    JOIN source_ids m ON m.url = s.url AND m.dead = 0
    LEFT JOIN anime a ON a.id = m.anime_id
    GROUP BY s.seq, m.anime_id
  `).all() as Claim[]
  const byId = new Map<number, Claim[]>()
  for (const claim of claims) {
    const list = byId.get(claim.id)
    if (list === undefined) byId.set(claim.id, [claim])
    else list.push(claim)
  }
  const assigned = new Map<number, number>() // seq → id
  // Ascending ids: when two entries merge, the merged one keeps the older id;
  // when one splits, the part holding the old primary source (or most of its
  // sources) keeps it and the others get new ids.
  for (const id of [...byId.keys()].sort((a, b) => a - b)) {
    const candidates = byId.get(id)!
      .filter((c) => !assigned.has(c.seq))
      .sort((a, b) => (b.primary - a.primary) || (b.overlap - a.overlap) || (a.seq - b.seq))
    const winner = candidates[0]
    if (winner !== undefined) assigned.set(winner.seq, id)
  }
  let next = localMaxId(db)
  // Records without a claim, in file order (dead-entry lists may have left gaps in the seqs).
  for (const seq of db.prepare('SELECT seq FROM temp.staging ORDER BY seq').pluck().all() as number[]) if (!assigned.has(seq)) assigned.set(seq, ++next)
  // The served entries are exactly these: positions 1…n in id order.
  const insert = db.prepare('INSERT INTO temp.assignment (seq, id, pos) VALUES (?, ?, ?)')
  let pos = 0
  for (const [seq, id] of [...assigned].sort((a, b) => a[1] - b[1])) insert.run(seq, id, ++pos)
  setMeta(db, 'max_id', String(next))
}

/** The map's rows this import changes: new URLs, and URLs whose id moved (splits, merges) or that came back from the dead. */
export function changedIds (db: Db): IdMapRow[] {
  return (db.prepare(`
    SELECT s.url AS url, x.id AS id FROM temp.staging_sources s JOIN temp.assignment x USING (seq)
    LEFT JOIN source_ids m ON m.url = s.url
    WHERE m.url IS NULL OR m.anime_id IS NOT x.id OR m.dead = 1
  `).all() as Array<{ url: string, id: number }>).map((row) => ({ url: row.url, id: row.id, dead: false }))
}
