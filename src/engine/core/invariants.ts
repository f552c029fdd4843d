/**
 * Invariants of the kernel and core, checked by the fuzz test after every system call and
 * available to the debugger: quota is conserved, every page-table entry is backed by the
 * region maps, and capability reference counts match the slots that hold them.
 */
import { RAM_BASE } from '../cpu/bus';
import type { Core } from './core';
import { PTE_V } from '../cpu/mmu';

/** Total RAM and cap quota in the system: core's account, every PD's limit, core sessions' donations. */
export function quotaTotals(core: Core): { ram: number; caps: number } {
  let ram = core.ram.limit;
  let caps = core.capQuota.limit;
  for (const pd of core.kernel.pds.values()) {
    ram += pd.ram.limit;
    caps += pd.capQuota.limit;
  }
  for (const s of core.sessions) {
    ram += s.ram.limit;
    caps += s.caps.limit;
  }
  return { ram, caps };
}

/** Checks every invariant; returns the violations (empty when all hold). */
export function checkInvariants(core: Core, expected: { ram: number; caps: number }): string[] {
  const k = core.kernel;
  const bad: string[] = [];
  const totals = quotaTotals(core);
  if (totals.ram !== expected.ram) bad.push(`RAM quota not conserved: ${totals.ram} != ${expected.ram}`);
  if (totals.caps !== expected.caps) bad.push(`cap quota not conserved: ${totals.caps} != ${expected.caps}`);
  for (const pd of k.pds.values()) {
    if (pd.ram.used > pd.ram.limit) bad.push(`${pd.label}: RAM used ${pd.ram.used} > limit ${pd.ram.limit}`);
    if (pd.capQuota.used > pd.capQuota.limit)
      bad.push(`${pd.label}: caps used ${pd.capQuota.used} > limit ${pd.capQuota.limit}`);
    if (pd.ram.limit < 0 || pd.capQuota.limit < 0) bad.push(`${pd.label}: negative quota`);
  }

  // Capabilities: refs equal the slots naming each object, holders agree with the spaces.
  const slots = new Map<object, number>();
  for (const pd of k.pds.values()) {
    for (const [sel, obj] of pd.caps) {
      slots.set(obj, (slots.get(obj) ?? 0) + 1);
      if (obj.holders.get(pd) !== sel) bad.push(`${pd.label}: slot ${sel} not recorded as holder of object ${obj.id}`);
      if (obj.dead) bad.push(`${pd.label}: slot ${sel} names dead object ${obj.id}`);
    }
  }
  for (const obj of k.objects) {
    const n = slots.get(obj) ?? 0;
    if (obj.refs !== n) bad.push(`object ${obj.id}: refs ${obj.refs} but ${n} slots`);
    if (obj.holders.size !== n) bad.push(`object ${obj.id}: ${obj.holders.size} holders but ${n} slots`);
  }
  for (const obj of slots.keys()) if (!k.objects.has(obj as never)) bad.push(`a slot names an untracked object`);

  // Memory: each page-table entry is a recorded mapping backed by live regions.
  const i32 = k.m.bus.i32;
  for (const pd of k.pds.values()) {
    let leaves = 0;
    for (const [l1, table] of pd.l0Tables) {
      for (let i = 0; i < 1024; i++) {
        const pte = i32[(table - RAM_BASE + i * 4) >>> 2];
        if (!(pte & PTE_V)) continue;
        leaves++;
        const vpage = l1 * 1024 + i;
        const m = pd.mappings.get(vpage);
        const phys = (pte >>> 10) * 0x1000;
        if (!m) bad.push(`${pd.label}: page 0x${(vpage * 0x1000).toString(16)} mapped with no mapping record`);
        else if (m.phys !== phys)
          bad.push(
            `${pd.label}: page 0x${(vpage * 0x1000).toString(16)} maps 0x${phys.toString(16)}, record says 0x${m.phys.toString(16)}`,
          );
      }
    }
    if (leaves !== pd.mappings.size)
      bad.push(`${pd.label}: ${leaves} page-table entries, ${pd.mappings.size} mapping records`);
    for (const m of pd.mappings.values()) {
      for (const r of m.via) {
        if (!r.rm.regions.includes(r) || r.ds.dead)
          bad.push(`${pd.label}: page 0x${(m.vpage * 0x1000).toString(16)} mapped through a removed region`);
      }
      const last = m.via[m.via.length - 1];
      if (
        last &&
        !last.ds.rm &&
        (m.phys < last.ds.phys || m.phys >= last.ds.phys + Math.ceil(last.ds.size / 0x1000) * 0x1000)
      ) {
        bad.push(`${pd.label}: page 0x${(m.vpage * 0x1000).toString(16)} maps outside its dataspace`);
      }
    }
  }
  return bad;
}
