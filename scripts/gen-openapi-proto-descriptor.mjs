#!/usr/bin/env node
// Extracts gnostic's OpenAPI v2 protobuf schema (`openapiv2/OpenAPIv2.proto`, package
// `openapi.v2`, github.com/google/gnostic-models) from a kubectl binary and writes it as
// a compact protobufjs JSON descriptor, src/api/openapi-proto/openapiv2.json. kubectl
// decodes `GET /openapi/v2` (application/com.github.proto-openapi.spec.v2@v1.0+protobuf)
// into these messages. Run by a developer, not at build time; the output is committed.
//
//   node scripts/gen-openapi-proto-descriptor.mjs [KUBECTL_BINARY] [--out FILE]
//
// Without a binary it takes the newest `kubectl.1.NN` beside `readlink -f $(which kubectl)`
// (the Google Cloud SDK layout), else that kubectl itself.
//
// gnostic-models is built with golang/protobuf (protoimpl), which keeps each file's
// FileDescriptorProto raw and uncompressed in the binary (`file_..._rawDesc`). It starts
// with field 1 (name): the bytes 0x0a 0x19 "openapiv2/OpenAPIv2.proto". Its length is
// stored elsewhere, so we read fields from there while they look like FileDescriptorProto
// fields in ascending field-number order (protoc writes them so), stop at the first byte
// that is not such a field (the rawDesc constants are followed by padding or another
// file's descriptor, which starts again at field 1), then check that what we read decodes
// into the expected schema. `google/protobuf/any.proto`, its one dependency, is a
// well-known type and is added by hand (two fields: type_url, value).
import { parseGeneratorArgs } from './lib/kubectl-binary.mjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const protobuf = require('protobufjs');
const descriptor = require('protobufjs/ext/descriptor');

const FILE_NAME = 'openapiv2/OpenAPIv2.proto';
const PACKAGE = 'openapi.v2';

function parseArgs(argv) {
  return parseGeneratorArgs(argv, new URL('../src/api/openapi-proto/openapiv2.json', import.meta.url).pathname, 'usage: node scripts/gen-openapi-proto-descriptor.mjs [KUBECTL_BINARY] [--out FILE]');
}

function readVarint(buf, pos) {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (pos.i >= buf.length || shift > 63) return undefined;
    const byte = buf[pos.i++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return value;
  }
}

// FileDescriptorProto: 1 name, 2 package, 3 dependency, 4 message_type, 5 enum_type,
// 6 service, 7 extension, 8 options, 9 source_code_info, 12 syntax, 13 edition (string in
// old descriptor.proto, enum 14 in new) are length-delimited; 10 public_dependency, 11
// weak_dependency and 14 edition are varints (or packed, length-delimited).
const LENGTH_DELIMITED = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
const VARINT = new Set([10, 11, 14]);

/** The bytes of the FileDescriptorProto that starts at `start`. */
function rawDescriptorAt(buf, start) {
  const pos = { i: start };
  let last = 0;
  for (;;) {
    const fieldStart = pos.i;
    const tag = readVarint(buf, pos);
    if (tag === undefined) return buf.subarray(start, fieldStart);
    const number = Math.floor(tag / 8);
    const wireType = tag % 8;
    const ok = number >= last && ((wireType === 2 && LENGTH_DELIMITED.has(number)) || (wireType === 0 && VARINT.has(number)));
    // A second field 1 would be the next file's descriptor.
    if (!ok || (number === 1 && last === 1)) return buf.subarray(start, fieldStart);
    if (wireType === 2) {
      const length = readVarint(buf, pos);
      if (length === undefined || pos.i + length > buf.length) return buf.subarray(start, fieldStart);
      pos.i += length;
    } else if (readVarint(buf, pos) === undefined) return buf.subarray(start, fieldStart);
    last = number;
  }
}

function extract(binary) {
  const needle = Buffer.concat([Buffer.from([0x0a, FILE_NAME.length]), Buffer.from(FILE_NAME, 'latin1')]);
  const found = [];
  for (let i = binary.indexOf(needle); i >= 0; i = binary.indexOf(needle, i + 1)) {
    const raw = rawDescriptorAt(binary, i);
    let file;
    try {
      file = descriptor.FileDescriptorProto.decode(raw);
    } catch {
      continue;
    }
    if (file.name !== FILE_NAME || file.package !== PACKAGE) continue;
    found.push({ offset: i, raw, file });
  }
  if (found.length === 0) throw new Error(`no raw FileDescriptorProto of ${FILE_NAME} found`);
  for (const other of found.slice(1)) {
    if (!other.raw.equals(found[0].raw)) throw new Error(`two different descriptors of ${FILE_NAME} at ${found[0].offset} and ${other.offset}`);
  }
  return found[0];
}

const ANY_PROTO = {
  name: 'google/protobuf/any.proto',
  package: 'google.protobuf',
  syntax: 'proto3',
  messageType: [
    {
      name: 'Any',
      field: [
        { name: 'type_url', number: 1, label: 1, type: 9, jsonName: 'typeUrl' },
        { name: 'value', number: 2, label: 1, type: 12, jsonName: 'value' },
      ],
    },
  ],
};

/** The messages and fields gnostic's JSON mapping and Skiff's encoder rely on. */
const EXPECTED = {
  Document: { swagger: 1, info: 2, paths: 8, definitions: 9, security: 12, security_definitions: 13, vendor_extension: 16 },
  Schema: { _ref: 1, description: 4, default: 5, required: 19, enum: 20, additional_properties: 21, type: 22, items: 23, all_of: 24, properties: 25, vendor_extension: 31 },
  NamedSchema: { name: 1, value: 2 },
  NamedAny: { name: 1, value: 2 },
  Any: { value: 1, yaml: 2 },
  Paths: { vendor_extension: 1, path: 2 },
  PathItem: { get: 2, put: 3, post: 4, delete: 5, patch: 8, parameters: 9 },
  Operation: { operation_id: 5, parameters: 8, responses: 9, vendor_extension: 13 },
  Responses: { response_code: 1, vendor_extension: 2 },
  ParametersItem: { parameter: 1, json_reference: 2 },
  Parameter: { body_parameter: 1, non_body_parameter: 2 },
  TypeItem: { value: 1 },
  ItemsItem: { schema: 1 },
  AdditionalPropertiesItem: { schema: 1, boolean: 2 },
  Properties: { additional_properties: 1 },
  Definitions: { additional_properties: 1 },
};

/** Drops descriptor options (file and message options): the encoder needs none. */
function stripOptions(node) {
  if (Array.isArray(node)) return node.map(stripOptions);
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'options') continue;
    out[key] = stripOptions(value);
  }
  return out;
}

function main() {
  const { binary: binaryPath, out } = parseArgs(process.argv.slice(2));
  const binary = readFileSync(binaryPath);
  const { offset, raw, file } = extract(binary);
  const dependencies = file.dependency ?? [];
  if (dependencies.some((d) => d !== ANY_PROTO.name)) throw new Error(`unexpected dependencies ${dependencies.join(', ')}`);
  const root = protobuf.Root.fromDescriptor({ file: [ANY_PROTO, file] });
  root.resolveAll();
  const json = stripOptions(root.toJSON());
  // Check the schema against what the encoder expects, and that the JSON loads again.
  const check = protobuf.Root.fromJSON(json);
  check.resolveAll();
  for (const [message, fields] of Object.entries(EXPECTED)) {
    const type = check.lookupType(`${PACKAGE}.${message}`);
    for (const [field, id] of Object.entries(fields)) {
      if (type.fields[field]?.id !== id) throw new Error(`${message}.${field} is not field ${id}`);
    }
  }
  const messages = Object.keys(json.nested.openapi.nested.v2.nested);
  const text = `${JSON.stringify(json)}\n`;
  writeFileSync(out, text);
  console.log(`${binaryPath}: ${FILE_NAME} at offset ${offset}, ${raw.length} bytes, syntax ${file.syntax}, ${messages.length} messages`);
  console.log(`wrote ${text.length} bytes to ${out}`);
}

main();
