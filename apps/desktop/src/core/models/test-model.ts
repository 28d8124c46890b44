/**
 * Writes a random-weights llama-architecture GGUF v3 model, deterministic from a seed: no weights can be
 * downloaded on the build machines, and speed depends on shape and tensor format, not on weight values.
 * Tests use a tiny 2-layer, 64-wide one; the agents benchmark one of the shape of a ~0.5B chat model (the
 * dimensions of Qwen2.5-0.5B) quantised to Q4_0 (llama.cpp repacks Q4_0 for AVX2: several times Q8_0's prompt speed here) or Q8_0. Facts behind the layout: ../shared/LOCAL-MODELS.md.
 *
 * Random weights emit any token the grammar allows, and a lone non-ASCII byte token makes an invalid
 * string. So the residual stream's dimension 0 is held constant (every token embedding starts with
 * EMBED_CONST and no attention or feed-forward output writes to row 0), and each output row's first
 * weight is a bias on that constant: strongly negative for non-ASCII byte tokens and the padding tokens.
 */
import { createCipheriv, createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export type TensorFormat = 'F32' | 'F16' | 'Q8_0' | 'Q4_0';

export interface ModelShape {
  readonly name: string;
  readonly embedding: number;
  readonly layers: number;
  readonly feedForward: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly contextLength: number;
  /** Vocabulary size; past the real pieces it is padded with unused tokens (they cost what a real vocabulary costs in the output layer). */
  readonly vocab: number;
  /** Format of the 2-D weight matrices (norms are always F32). */
  readonly format: TensorFormat;
}

/** 2 layers, 64 wide: ~0.5 MB, loads in milliseconds. */
export const TINY_SHAPE: ModelShape = { name: 'cerebro-test-tiny', embedding: 64, layers: 2, feedForward: 128, heads: 4, kvHeads: 2, contextLength: 4096, vocab: 1088, format: 'F16' };

/** The dimensions of Qwen2.5-0.5B-Instruct (494 M parameters) in the llama architecture. */
export const HALF_B_SHAPE: ModelShape = { name: 'cerebro-test-0.5b', embedding: 896, layers: 24, feedForward: 4864, heads: 14, kvHeads: 2, contextLength: 8192, vocab: 151_936, format: 'Q4_0' };

const GGUF_MAGIC = 0x46554747; // "GGUF" little-endian
const ALIGNMENT = 32;
const EMBED_CONST = 16;
/** Weight on the constant dimension for tokens the model should never pick. */
const AVOID_BIAS = -3;

const enum Kv {
  U32 = 4,
  I32 = 5,
  F32 = 6,
  Bool = 7,
  Str = 8,
  Arr = 9,
}
const GGML_TYPE: Record<TensorFormat, number> = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 8 };
/** general.file_type: ALL_F32 0, MOSTLY_F16 1, MOSTLY_Q4_0 2, MOSTLY_Q8_0 7. */
const FILE_TYPE: Record<TensorFormat, number> = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 7 };
const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, unused: 5, byte: 6 } as const;

/** ChatML, so node-llama-cpp picks its ChatML wrapper. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Words of incident contexts and diagnoses: multi-character pieces make token counts closer to a real tokenizer's. */
const WORDS =
  'the of and to in is on for with at by from as was that this be are or not it an alert alerts incident incidents cause causes root host hosts process service cpu memory mem disk fs used util pct rss bytes load error warn critical warning severity series key template log logs score baseline peak onset since evidence summary confidence high medium low diagnosis restart runbook network net rx tx bps latency timeout failed connection refused out kill oom filesystem full swap rank explanation opened resolved open true false null id ids json value values'.split(' ');

interface Vocab {
  readonly tokens: string[];
  readonly scores: number[];
  readonly types: number[];
  /** Output-row bias per token (0 for ordinary ones). */
  readonly avoid: boolean[];
  readonly bos: number;
  readonly eos: number;
}

function buildVocab(size: number): Vocab {
  const tokens: string[] = [];
  const scores: number[] = [];
  const types: number[] = [];
  const avoid: boolean[] = [];
  const seen = new Set<string>();
  const add = (text: string, type: number, score: number, bad = false): void => {
    if (seen.has(text)) return;
    seen.add(text);
    tokens.push(text);
    scores.push(score);
    types.push(type);
    avoid.push(bad);
  };
  add('<unk>', TOKEN_TYPE.unknown, 0, true);
  add('<s>', TOKEN_TYPE.control, 0, true);
  add('</s>', TOKEN_TYPE.control, 0, true);
  add('<|im_start|>', TOKEN_TYPE.control, 0, true);
  add('<|im_end|>', TOKEN_TYPE.control, 0);
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, TOKEN_TYPE.byte, 0, b >= 0x80);
  add('\u2581', TOKEN_TYPE.normal, -1);
  for (let c = 0x21; c < 0x7f; c++) {
    add(String.fromCharCode(c), TOKEN_TYPE.normal, -1);
    add('\u2581' + String.fromCharCode(c), TOKEN_TYPE.normal, -1);
  }
  // Every prefix of a word is a piece too: SentencePiece merges pairs that are in the vocabulary.
  for (const w of WORDS) {
    for (const form of [w, '\u2581' + w]) for (let n = 2; n <= form.length; n++) add(form.slice(0, n), TOKEN_TYPE.normal, n);
  }
  if (tokens.length > size) throw new Error(`vocabulary of ${size} tokens is too small for the ${tokens.length} pieces of the test model`);
  // The rest: pseudo-words of 3–8 letters, as a real vocabulary has, so generated text runs at several
  // characters per token (as a real model's does) instead of one; the same for every seed.
  let x = 0x9e3779b9;
  const rand = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const letters = 'etaoinshrdlcumwfgypbvkjxqz';
  for (let guard = 0; tokens.length < size && guard < size * 4; guard++) {
    const len = 3 + Math.floor(rand() * 6);
    let w = rand() < 0.5 ? '\u2581' : '';
    for (let i = 0; i < len; i++) w += letters[Math.floor(rand() ** 2 * letters.length)];
    add(w, TOKEN_TYPE.normal, -len);
  }
  for (let i = tokens.length; i < size; i++) add(`<unused${i}>`, TOKEN_TYPE.unused, 0, true);
  return { tokens, scores, types, avoid, bos: 1, eos: 4 };
}

/** Little-endian byte writer for the header. */
class HeaderWriter {
  private readonly chunks: Buffer[] = [];
  size = 0;
  private push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
  pad(to: number): void {
    const rest = (to - (this.size % to)) % to;
    if (rest > 0) this.push(Buffer.alloc(rest));
  }
  kvU32(k: string, v: number): void {
    this.str(k);
    this.u32(Kv.U32);
    this.u32(v);
  }
  kvF32(k: string, v: number): void {
    this.str(k);
    this.u32(Kv.F32);
    this.f32(v);
  }
  kvBool(k: string, v: boolean): void {
    this.str(k);
    this.u32(Kv.Bool);
    this.push(Buffer.from([v ? 1 : 0]));
  }
  kvStr(k: string, v: string): void {
    this.str(k);
    this.u32(Kv.Str);
    this.str(v);
  }
  kvArr(k: string, type: Kv.Str | Kv.F32 | Kv.I32, values: ReadonlyArray<string | number>): void {
    this.str(k);
    this.u32(Kv.Arr);
    this.u32(type);
    this.u64(values.length);
    for (const v of values) {
      if (type === Kv.Str) this.str(v as string);
      else if (type === Kv.F32) this.f32(v as number);
      else this.i32(v as number);
    }
  }
  buffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

interface TensorSpec {
  readonly name: string;
  /** ne0 (row length, the input features) first, then rows. */
  readonly dims: readonly number[];
  readonly format: TensorFormat;
  /** How its rows are filled. */
  readonly fill: 'ones' | 'random' | 'embedding' | 'output' | 'random-row0-zero';
  /** Scale of the random values (uniform in ±scale). */
  readonly scale: number;
}

function rowBytes(format: TensorFormat, n: number): number {
  switch (format) {
    case 'F32':
      return n * 4;
    case 'F16':
      return n * 2;
    case 'Q8_0':
      return (n / 32) * 34;
    case 'Q4_0':
      return (n / 32) * 18;
  }
}

function tensorSpecs(s: ModelShape): TensorSpec[] {
  const headDim = s.embedding / s.heads;
  const kv = headDim * s.kvHeads;
  const e = s.embedding;
  const w = (n: number): number => Math.sqrt(3 / n) * 0.5;
  const out: TensorSpec[] = [{ name: 'token_embd.weight', dims: [e, s.vocab], format: s.format, fill: 'embedding', scale: 1 }];
  for (let l = 0; l < s.layers; l++) {
    const p = `blk.${l}.`;
    out.push(
      { name: p + 'attn_norm.weight', dims: [e], format: 'F32', fill: 'ones', scale: 1 },
      { name: p + 'attn_q.weight', dims: [e, e], format: s.format, fill: 'random', scale: w(e) },
      { name: p + 'attn_k.weight', dims: [e, kv], format: s.format, fill: 'random', scale: w(e) },
      { name: p + 'attn_v.weight', dims: [e, kv], format: s.format, fill: 'random', scale: w(e) },
      { name: p + 'attn_output.weight', dims: [e, e], format: s.format, fill: 'random-row0-zero', scale: w(e) },
      { name: p + 'ffn_norm.weight', dims: [e], format: 'F32', fill: 'ones', scale: 1 },
      { name: p + 'ffn_gate.weight', dims: [e, s.feedForward], format: s.format, fill: 'random', scale: w(e) },
      { name: p + 'ffn_up.weight', dims: [e, s.feedForward], format: s.format, fill: 'random', scale: w(e) },
      { name: p + 'ffn_down.weight', dims: [s.feedForward, e], format: s.format, fill: 'random-row0-zero', scale: w(s.feedForward) },
    );
  }
  out.push({ name: 'output_norm.weight', dims: [e], format: 'F32', fill: 'ones', scale: 1 }, { name: 'output.weight', dims: [e, s.vocab], format: s.format, fill: 'output', scale: w(e) * 2 });
  return out;
}

/** Deterministic pseudo-random bytes: AES-128-CTR over zeros, keyed by the seed (fast enough for 0.5 GB). */
class ByteStream {
  private readonly cipher;
  constructor(seed: number, label: string) {
    const key = createHash('sha256').update(`${seed}:${label}`).digest();
    this.cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  }
  next(n: number): Buffer {
    return this.cipher.update(Buffer.alloc(n));
  }
}

const f32Buf = new Float32Array(1);
const u32Buf = new Uint32Array(f32Buf.buffer);
/** IEEE half from a float (round to nearest; the values here are small and finite). */
export function toHalf(v: number): number {
  f32Buf[0] = v;
  const x = u32Buf[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  const mant = x & 0x7fffff;
  if (exp <= 0) return sign; // flush tiny values to zero
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | ((mant + 0x1000) >>> 13);
}

/** One row's values from random bytes: uniform in ±scale, with the first block replaced where the layout asks. */
function rowValues(bytes: Buffer, n: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ((bytes[i]! - 127.5) / 127.5) * scale;
  return out;
}

/** Encode one row of floats in a tensor format. */
function encodeRow(values: Float32Array, format: TensorFormat): Buffer {
  const n = values.length;
  const buf = Buffer.alloc(rowBytes(format, n));
  switch (format) {
    case 'F32':
      for (let i = 0; i < n; i++) buf.writeFloatLE(values[i]!, i * 4);
      return buf;
    case 'F16':
      for (let i = 0; i < n; i++) buf.writeUInt16LE(toHalf(values[i]!), i * 2);
      return buf;
    case 'Q8_0':
    case 'Q4_0': {
      const q8 = format === 'Q8_0';
      const blockBytes = q8 ? 34 : 18;
      for (let b = 0; b < n / 32; b++) {
        let amax = 0;
        let max = 0;
        for (let j = 0; j < 32; j++) {
          const v = values[b * 32 + j]!;
          if (Math.abs(v) > amax) {
            amax = Math.abs(v);
            max = v;
          }
        }
        const o = b * blockBytes;
        if (q8) {
          const d = amax / 127;
          const id = d === 0 ? 0 : 1 / d;
          buf.writeUInt16LE(toHalf(d), o);
          for (let j = 0; j < 32; j++) buf.writeInt8(Math.max(-127, Math.min(127, Math.round(values[b * 32 + j]! * id))), o + 2 + j);
        } else {
          // ggml's Q4_0: d = max / -8, q = round(v / d) + 8 in 0..15; element j in the low nibble of byte j, j + 16 in the high one.
          const d = max / -8;
          const id = d === 0 ? 0 : 1 / d;
          buf.writeUInt16LE(toHalf(d), o);
          for (let j = 0; j < 16; j++) {
            const lo = Math.min(15, Math.max(0, Math.round(values[b * 32 + j]! * id + 8)));
            const hi = Math.min(15, Math.max(0, Math.round(values[b * 32 + j + 16]! * id + 8)));
            buf.writeUInt8(lo | (hi << 4), o + 2 + j);
          }
        }
      }
      return buf;
    }
  }
}

/** Bytes of a quantised row straight from random bytes (the fast path for large random matrices). */
function randomQuantRow(bytes: Buffer, n: number, format: 'Q8_0' | 'Q4_0', scale: number): Buffer {
  const blockBytes = format === 'Q8_0' ? 34 : 18;
  const d = toHalf(format === 'Q8_0' ? scale / 127 : scale / 8);
  for (let o = 0; o < (n / 32) * blockBytes; o += blockBytes) bytes.writeUInt16LE(d, o);
  return bytes;
}

export interface WriteProgress {
  (fraction: number, tensor: string): void;
}

/**
 * Write the model to `file` (a temporary file renamed at the end, so a crash leaves no half model under
 * the final name). Same shape and seed, same bytes.
 */
export function writeTestModel(file: string, shape: ModelShape, seed = 1, onProgress?: WriteProgress): { bytes: number; parameters: number } {
  if (shape.embedding % shape.heads !== 0) throw new Error(`embedding ${shape.embedding} is not a multiple of the head count ${shape.heads}`);
  if (shape.heads % shape.kvHeads !== 0) throw new Error(`head count ${shape.heads} is not a multiple of the kv head count ${shape.kvHeads}`);
  if ((shape.format === 'Q8_0' || shape.format === 'Q4_0') && (shape.embedding % 32 !== 0 || shape.feedForward % 32 !== 0)) {
    throw new Error(`${shape.format} needs embedding and feed-forward sizes that are multiples of 32`);
  }
  const vocab = buildVocab(shape.vocab);
  const specs = tensorSpecs(shape);
  const h = new HeaderWriter();
  h.u32(GGUF_MAGIC);
  h.u32(3);
  h.u64(specs.length);
  const kvCount = 22;
  h.u64(kvCount);
  h.kvStr('general.architecture', 'llama');
  h.kvStr('general.name', shape.name);
  h.kvU32('general.alignment', ALIGNMENT);
  h.kvU32('general.file_type', FILE_TYPE[shape.format]);
  h.kvU32('llama.context_length', shape.contextLength);
  h.kvU32('llama.embedding_length', shape.embedding);
  h.kvU32('llama.block_count', shape.layers);
  h.kvU32('llama.feed_forward_length', shape.feedForward);
  h.kvU32('llama.attention.head_count', shape.heads);
  h.kvU32('llama.attention.head_count_kv', shape.kvHeads);
  h.kvU32('llama.rope.dimension_count', shape.embedding / shape.heads);
  h.kvF32('llama.attention.layer_norm_rms_epsilon', 1e-6);
  h.kvF32('llama.rope.freq_base', 10000);
  h.kvU32('llama.vocab_size', shape.vocab);
  h.kvStr('tokenizer.ggml.model', 'llama');
  h.kvArr('tokenizer.ggml.tokens', Kv.Str, vocab.tokens);
  h.kvArr('tokenizer.ggml.scores', Kv.F32, vocab.scores);
  h.kvArr('tokenizer.ggml.token_type', Kv.I32, vocab.types);
  h.kvU32('tokenizer.ggml.bos_token_id', vocab.bos);
  h.kvU32('tokenizer.ggml.eos_token_id', vocab.eos);
  h.kvBool('tokenizer.ggml.add_bos_token', true);
  h.kvStr('tokenizer.chat_template', CHATML_TEMPLATE);
  let offset = 0;
  const offsets: number[] = [];
  for (const t of specs) {
    h.str(t.name);
    h.u32(t.dims.length);
    for (const d of t.dims) h.u64(d);
    h.u32(GGML_TYPE[t.format]);
    h.u64(offset);
    offsets.push(offset);
    const size = rowBytes(t.format, t.dims[0]!) * (t.dims[1] ?? 1);
    offset += size + ((ALIGNMENT - (size % ALIGNMENT)) % ALIGNMENT);
  }
  h.pad(ALIGNMENT);
  const header = h.buffer();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  let parameters = 0;
  try {
    fs.writeSync(fd, header);
    const dataStart = header.length;
    specs.forEach((t, i) => {
      onProgress?.(i / specs.length, t.name);
      const n = t.dims[0]!;
      const rows = t.dims[1] ?? 1;
      parameters += n * rows;
      const rng = new ByteStream(seed, t.name);
      const chunk: Buffer[] = [];
      let chunkBytes = 0;
      let pos = dataStart + offsets[i]!;
      const flush = (): void => {
        const b = Buffer.concat(chunk);
        fs.writeSync(fd, b, 0, b.length, pos);
        pos += b.length;
        chunk.length = 0;
        chunkBytes = 0;
      };
      for (let r = 0; r < rows; r++) {
        let row: Buffer;
        if (t.fill === 'ones') {
          row = encodeRow(new Float32Array(n).fill(1), t.format);
        } else if (t.fill === 'random-row0-zero' && r === 0) {
          row = Buffer.alloc(rowBytes(t.format, n)); // all-zero row: nothing writes to the constant dimension
        } else if (t.fill === 'random' || t.fill === 'random-row0-zero') {
          row = t.format === 'Q8_0' || t.format === 'Q4_0' ? randomQuantRow(rng.next(rowBytes(t.format, n)), n, t.format, t.scale) : encodeRow(rowValues(rng.next(n), n, t.scale), t.format);
        } else {
          // embedding / output rows: first block [constant or bias, 0 × 31], the rest random.
          const first = new Float32Array(32);
          first[0] = t.fill === 'embedding' ? EMBED_CONST : vocab.avoid[r] ? AVOID_BIAS : 0;
          if (t.format === 'Q8_0' || t.format === 'Q4_0') {
            row = randomQuantRow(rng.next(rowBytes(t.format, n)), n, t.format, t.scale);
            encodeRow(first, t.format).copy(row, 0);
          } else {
            const v = rowValues(rng.next(n), n, t.scale);
            v.set(first, 0);
            row = encodeRow(v, t.format);
          }
        }
        chunk.push(row);
        chunkBytes += row.length;
        if (chunkBytes > 4 << 20) flush();
      }
      flush();
    });
    const end = dataStart + offset;
    fs.ftruncateSync(fd, end);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  onProgress?.(1, '');
  return { bytes: fs.statSync(file).size, parameters };
}

/** The file name a shape and seed write to, so a benchmark can reuse a model it generated before. */
export function testModelFileName(shape: ModelShape, seed: number): string {
  return `${shape.name}-${shape.format.toLowerCase()}-s${seed}.gguf`;
}
