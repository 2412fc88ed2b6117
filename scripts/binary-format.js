'use strict';
// What a built addon is, read from its bytes: the object format (ELF,
// Mach-O, PE), the machine, and for ELF the libc its DT_NEEDED entries name.
// Used to check that a cross-built file is what its target asks for.

const ELF_MACHINES = { 62: 'x86-64', 183: 'aarch64' };
const MACHO_CPUS = { 0x01000007: 'x86-64', 0x0100000c: 'aarch64' };
const PE_MACHINES = { 0x8664: 'x86-64', 0xaa64: 'aarch64' };

/** The DT_NEEDED names of a 64-bit little-endian ELF shared object. */
function elfNeeded(buf) {
  const phoff = Number(buf.readBigUInt64LE(32));
  const phentsize = buf.readUInt16LE(54);
  const phnum = buf.readUInt16LE(56);
  const loads = [];
  let dynamic = null;
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    const type = buf.readUInt32LE(at);
    const segment = {
      offset: Number(buf.readBigUInt64LE(at + 8)),
      vaddr: Number(buf.readBigUInt64LE(at + 16)),
      filesz: Number(buf.readBigUInt64LE(at + 32)),
    };
    if (type === 1) loads.push(segment); // PT_LOAD
    if (type === 2) dynamic = segment; // PT_DYNAMIC
  }
  if (!dynamic) return [];
  const toOffset = (vaddr) => {
    const seg = loads.find((s) => vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz);
    return seg ? vaddr - seg.vaddr + seg.offset : -1;
  };
  const needed = [];
  let strtab = -1;
  for (let at = dynamic.offset; at + 16 <= dynamic.offset + dynamic.filesz; at += 16) {
    const tag = Number(buf.readBigInt64LE(at));
    const val = Number(buf.readBigUInt64LE(at + 8));
    if (tag === 0) break; // DT_NULL
    if (tag === 1) needed.push(val); // DT_NEEDED: an offset into DT_STRTAB
    if (tag === 5) strtab = toOffset(val); // DT_STRTAB
  }
  if (strtab < 0) return [];
  return needed.map((off) => {
    const start = strtab + off;
    return buf.toString('latin1', start, buf.indexOf(0, start));
  });
}

/** `{ format, machine, libc, text }` for an addon's bytes. */
function describeLibrary(buf) {
  if (buf.length > 64 && buf.readUInt32BE(0) === 0x7f454c46) {
    const machine = ELF_MACHINES[buf.readUInt16LE(18)] || `e_machine ${buf.readUInt16LE(18)}`;
    const shared = buf.readUInt16LE(16) === 3; // ET_DYN
    const needed = buf[4] === 2 && buf[5] === 1 ? elfNeeded(buf) : [];
    const libc = needed.includes('libc.so.6') ? 'glibc' :
      needed.some((n) => n === 'libc.so' || n.startsWith('libc.musl')) ? 'musl' : 'unknown';
    return {
      format: shared ? 'ELF' : 'ELF (not a shared object)',
      machine,
      libc,
      text: `ELF ${buf[4] === 2 ? '64' : '32'}-bit shared object, ${machine}, ${libc} (needs ${needed.join(', ')})`,
    };
  }
  if (buf.length > 32 && buf.readUInt32LE(0) === 0xfeedfacf) {
    const machine = MACHO_CPUS[buf.readUInt32LE(4)] || `cputype ${buf.readUInt32LE(4)}`;
    return { format: 'Mach-O', machine, text: `Mach-O 64-bit dynamic library, ${machine}` };
  }
  if (buf.length > 0x40 && buf.toString('latin1', 0, 2) === 'MZ') {
    const pe = buf.readUInt32LE(0x3c);
    const machine = PE_MACHINES[buf.readUInt16LE(pe + 4)] || 'unknown';
    return { format: 'PE', machine, text: `PE DLL, ${machine}` };
  }
  return { format: 'unknown', machine: 'unknown', text: 'not a shared library' };
}

/** What a target triple's addon must be. */
describeLibrary.expected = function expected(triple) {
  const [cpu, , os, abi] = triple.split('-');
  const machine = { x86_64: 'x86-64', aarch64: 'aarch64' }[cpu] || cpu;
  if (os === 'linux') return { format: 'ELF', machine, libc: abi === 'musl' ? 'musl' : 'glibc' };
  if (os === 'darwin') return { format: 'Mach-O', machine };
  if (os === 'windows') return { format: 'PE', machine };
  return { format: 'unknown', machine };
};

module.exports = { describeLibrary };
