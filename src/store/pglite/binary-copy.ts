import type { SqlColumn } from '../sql/sql-client.js';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const FLOAT4_OID = 700;

/**
 * Rows in PostgreSQL's binary COPY format (the "Binary Format" section of the COPY page):
 * a signature and two zero words, then each row as a field count and each field as a length
 * (-1 for NULL) and its binary value, then -1. Floats go as IEEE bytes, so PGlite's
 * WebAssembly never parses them from text: 512-float vectors load ~12× faster this way.
 * Binary values: int4 and float4 big-endian; text as UTF-8; real[] as array_recv reads it (one
 * dimension, no NULLs, float4 elements, each with its length); vector as pgvector's
 * vector_recv reads it (int16 dimensions, int16 zero, float4s).
 */
export function binaryCopy(columns: readonly SqlColumn[], rows: readonly (readonly unknown[])[]): Uint8Array<ArrayBuffer> {
  let size = SIGNATURE.length + 8 + 2;
  for (const row of rows) {
    size += 2;
    columns.forEach((column, i) => {
      size += 4 + fieldSize(column, row[i]);
    });
  }
  const out = Buffer.allocUnsafe(size);
  let at = SIGNATURE.copy(out, 0);
  at = out.writeInt32BE(0, at);
  at = out.writeInt32BE(0, at);
  for (const row of rows) {
    at = out.writeInt16BE(columns.length, at);
    columns.forEach((column, i) => {
      at = writeField(out, at, column, row[i]);
    });
  }
  out.writeInt16BE(-1, at);
  return out;
}

function fieldSize(column: SqlColumn, value: unknown): number {
  if (value === null || value === undefined) return 0;
  switch (column.type) {
    case 'text':
      return Buffer.byteLength(value as string);
    case 'integer':
    case 'real':
      return 4;
    case 'real[]':
      return (value as number[]).length === 0 ? 12 : 20 + 8 * (value as number[]).length;
    case 'vector':
      return 4 + 4 * (value as number[]).length;
  }
}

function writeField(out: Buffer, at: number, column: SqlColumn, value: unknown): number {
  if (value === null || value === undefined) return out.writeInt32BE(-1, at);
  at = out.writeInt32BE(fieldSize(column, value), at);
  switch (column.type) {
    case 'text':
      return at + out.write(value as string, at);
    case 'integer':
      return out.writeInt32BE(value as number, at);
    case 'real':
      return out.writeFloatBE(value as number, at);
    case 'real[]': {
      const values = value as number[];
      at = out.writeInt32BE(values.length === 0 ? 0 : 1, at);
      at = out.writeInt32BE(0, at);
      at = out.writeInt32BE(FLOAT4_OID, at);
      if (values.length === 0) return at;
      at = out.writeInt32BE(values.length, at);
      at = out.writeInt32BE(1, at);
      for (const x of values) {
        at = out.writeInt32BE(4, at);
        at = out.writeFloatBE(x, at);
      }
      return at;
    }
    case 'vector': {
      const values = value as number[];
      at = out.writeInt16BE(values.length, at);
      at = out.writeInt16BE(0, at);
      for (const x of values) at = out.writeFloatBE(x, at);
      return at;
    }
  }
}
