import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bitString, encodeLength, oid, sequence, smallInteger, time, unsignedInteger, utf8String } from './der';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('lengths use the short form below 128 and the minimal long form above', () => {
  assert.equal(hex(encodeLength(0)), '00');
  assert.equal(hex(encodeLength(127)), '7f');
  assert.equal(hex(encodeLength(128)), '8180');
  assert.equal(hex(encodeLength(256)), '820100');
  assert.equal(hex(encodeLength(70_000)), '83011170');
  assert.throws(() => encodeLength(-1), /non-negative/);
});

test('integers are minimal and positive', () => {
  assert.equal(hex(smallInteger(0)), '020100');
  assert.equal(hex(smallInteger(2)), '020102');
  assert.equal(hex(smallInteger(127)), '02017f');
  assert.equal(hex(smallInteger(128)), '02020080');
  assert.equal(hex(unsignedInteger(Buffer.from([0, 0, 1, 2]))), '02020102');
  assert.equal(hex(unsignedInteger(Buffer.from([0xff]))), '020200ff');
});

test('object identifiers match their well-known encodings', () => {
  assert.equal(hex(oid('1.2.840.113549')), '06062a864886f70d');
  assert.equal(hex(oid('2.5.4.3')), '0603550403');
  assert.equal(hex(oid('1.2.840.10045.4.3.2')), '06082a8648ce3d040302');
  assert.throws(() => oid('1.x.3'), /not a number/);
  assert.throws(() => oid('3.1'), /not a valid OID/);
});

test('times switch from UTCTime to GeneralizedTime in 2050', () => {
  assert.equal(Buffer.from(time(new Date(Date.UTC(2026, 10, 5, 1, 2, 3)))).toString('latin1'), '\x17\x0d261105010203Z');
  assert.equal(Buffer.from(time(new Date(Date.UTC(2050, 0, 1, 0, 0, 0)))).toString('latin1'), '\x18\x0f20500101000000Z');
});

test('bit strings, strings and nested sequences', () => {
  assert.equal(hex(bitString(Buffer.from([0x06]), 1)), '03020106');
  assert.equal(hex(utf8String('é')), '0c02c3a9');
  assert.equal(hex(sequence(smallInteger(1), sequence())), '30050201013000');
  const long = sequence(Buffer.alloc(200, 1));
  assert.equal(hex(long.subarray(0, 3)), '3081c8');
  assert.throws(() => bitString(Buffer.alloc(1), 8), /unused bits/);
});
