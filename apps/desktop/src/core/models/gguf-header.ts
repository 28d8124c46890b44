/**
 * Reads a GGUF file's header (v2/v3) without loading the model: the metadata the models list shows, and a
 * check that the tensor data the header describes is all there (a truncated copy is the usual failure).
 * Arrays (the vocabulary) are skipped, not decoded. Reads go through async file reads of 1 MiB, so
 * listing a folder never blocks the console's event loop for long.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ModelFile } from '@cerebro/shared/api/contract';

export class GgufError extends Error {
  override readonly name = 'GgufError';
}

const CHUNK = 1 << 20;
/** Bytes per block and elements per block of the ggml tensor types (ggml.c type_traits). */
const TYPE_SIZE: Record<number, readonly [bytes: number, block: number]> = {
  0: [4, 1], 1: [2, 1], 2: [18, 32], 3: [20, 32], 6: [22, 32], 7: [24, 32], 8: [34, 32], 9: [36, 32],
  10: [84, 256], 11: [110, 256], 12: [144, 256], 13: [176, 256], 14: [210, 256], 15: [292, 256],
  24: [1, 1], 25: [2, 1], 26: [4, 1], 27: [8, 1], 28: [8, 1], 30: [2, 1],
};
const FILE_TYPES: Record<number, string> = { 0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 7: 'Q8_0', 8: 'Q5_0', 9: 'Q5_1', 10: 'Q2_K', 11: 'Q3_K_S', 12: 'Q3_K_M', 13: 'Q3_K_L', 14: 'Q4_K_S', 15: 'Q4_K_M', 16: 'Q5_K_S', 17: 'Q5_K_M', 18: 'Q6_K', 32: 'BF16' };

class Reader {
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  pos = 0;
  constructor(
    private readonly fh: fs.FileHandle,
    readonly size: number,
    private readonly file: string,
  ) {}

  private async need(n: number): Promise<void> {
    if (this.pos + n > this.size) throw new GgufError(`${this.file} ends inside its GGUF header (at byte ${this.pos} of ${this.size}): the file is truncated; copy it again`);
    if (this.pos >= this.bufStart && this.pos + n <= this.bufStart + this.buf.length) return;
    const len = Math.min(Math.max(n, CHUNK), this.size - this.pos);
    const b = Buffer.alloc(len);
    await this.fh.read(b, 0, len, this.pos);
    this.buf = b;
    this.bufStart = this.pos;
  }
  async u32(): Promise<number> {
    await this.need(4);
    const v = this.buf.readUInt32LE(this.pos - this.bufStart);
    this.pos += 4;
    return v;
  }
  async u64(): Promise<number> {
    await this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos - this.bufStart);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new GgufError(`${this.file}: a length in the GGUF header is implausible (${v}); the file is damaged`);
    return Number(v);
  }
  async bytes(n: number): Promise<Buffer> {
    await this.need(n);
    const o = this.pos - this.bufStart;
    this.pos += n;
    return this.buf.subarray(o, o + n);
  }
  async str(): Promise<string> {
    const n = await this.u64();
    if (n > 64 << 20) throw new GgufError(`${this.file}: a string in the GGUF header is ${n} bytes long; the file is damaged`);
    return (await this.bytes(n)).toString('utf8');
  }
  async skip(n: number): Promise<void> {
    if (this.pos + n > this.size) await this.need(n);
    this.pos += n;
  }
}

const SCALAR_SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

async function readValue(r: Reader, type: number, keep: boolean): Promise<string | number | boolean | null> {
  if (type === 8) return r.str();
  if (type === 9) {
    const inner = await r.u32();
    const count = await r.u64();
    const size = SCALAR_SIZE[inner];
    if (size !== undefined) await r.skip(size * count);
    else for (let i = 0; i < count; i++) await readValue(r, inner, false);
    return null;
  }
  const size = SCALAR_SIZE[type];
  if (size === undefined) throw new GgufError(`unknown GGUF value type ${type}`);
  const b = await r.bytes(size);
  if (!keep) return null;
  switch (type) {
    case 0: return b.readUInt8(0);
    case 1: return b.readInt8(0);
    case 2: return b.readUInt16LE(0);
    case 3: return b.readInt16LE(0);
    case 4: return b.readUInt32LE(0);
    case 5: return b.readInt32LE(0);
    case 6: return b.readFloatLE(0);
    case 7: return b.readUInt8(0) !== 0;
    case 10: return Number(b.readBigUInt64LE(0));
    case 11: return Number(b.readBigInt64LE(0));
    default: return b.readDoubleLE(0);
  }
}

/** Header facts of one GGUF file; throws GgufError saying what is wrong and what to do. */
export async function readGgufHeader(file: string): Promise<Omit<ModelFile, 'file' | 'error'>> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(file, 'r');
  } catch (e) {
    throw new GgufError(`cannot open ${file}: ${(e as Error).message}`);
  }
  try {
    const { size } = await fh.stat();
    const r = new Reader(fh, size, path.basename(file));
    if (size < 24) throw new GgufError(`${path.basename(file)} is ${size} bytes: too short for a GGUF file`);
    const magic = (await r.bytes(4)).toString('latin1');
    if (magic !== 'GGUF') throw new GgufError(`${path.basename(file)} is not a GGUF file (it starts with ${JSON.stringify(magic)}, not "GGUF"); convert the model to GGUF (llama.cpp's convert scripts) or pick a .gguf file`);
    const version = await r.u32();
    if (version !== 2 && version !== 3) throw new GgufError(`${path.basename(file)} is GGUF version ${version}; versions 2 and 3 are supported`);
    const tensorCount = await r.u64();
    const kvCount = await r.u64();
    const meta = new Map<string, string | number | boolean | null>();
    for (let i = 0; i < kvCount; i++) {
      const key = await r.str();
      const type = await r.u32();
      meta.set(key, await readValue(r, type, true));
    }
    const alignment = typeof meta.get('general.alignment') === 'number' ? (meta.get('general.alignment') as number) : 32;
    let dataEnd = 0;
    for (let i = 0; i < tensorCount; i++) {
      const name = await r.str();
      const dims = await r.u32();
      let elements = 1;
      for (let d = 0; d < dims; d++) elements *= await r.u64();
      const type = await r.u32();
      const offset = await r.u64();
      const ts = TYPE_SIZE[type];
      // Unknown (newer) tensor types: their size is not known here, so only the offset is checked.
      const bytes = ts ? Math.ceil(elements / ts[1]) * ts[0] : 0;
      if (offset + bytes > dataEnd) dataEnd = offset + bytes;
      void name;
    }
    const dataStart = Math.ceil(r.pos / alignment) * alignment;
    if (dataStart + dataEnd > size) {
      throw new GgufError(`${path.basename(file)} is truncated: its header describes ${dataStart + dataEnd} bytes of tensors, the file has ${size}; copy it again`);
    }
    const arch = meta.get('general.architecture');
    const num = (k: string): number | null => {
      const v = typeof arch === 'string' ? meta.get(`${arch}.${k}`) : undefined;
      return typeof v === 'number' ? v : null;
    };
    const ft = meta.get('general.file_type');
    const name = meta.get('general.name');
    return {
      bytes: size,
      architecture: typeof arch === 'string' ? arch : null,
      name: typeof name === 'string' ? name : null,
      contextLength: num('context_length'),
      embeddingLength: num('embedding_length'),
      blockCount: num('block_count'),
      fileType: typeof ft === 'number' ? (FILE_TYPES[ft] ?? `type ${ft}`) : null,
      tensorCount,
    };
  } finally {
    await fh.close();
  }
}
