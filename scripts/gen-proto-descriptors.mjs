#!/usr/bin/env node
// Extracts the Kubernetes protobuf schemas that a kubectl binary embeds and writes
// them as one protobufjs JSON descriptor, src/api/protobuf/descriptors.json.
// Run by a developer when the Kubernetes version moves, not at build time; the
// output is committed.
//
//   node scripts/gen-proto-descriptors.mjs [KUBECTL_BINARY] [--out FILE]
//
// Without a binary it takes the newest `kubectl.1.NN` beside `readlink -f $(which kubectl)`
// (the Google Cloud SDK layout), else that kubectl itself. Linux (ELF64) binaries only.
//
// Two things are read from the binary:
//
// 1. The schemas. gogo-protobuf registers each `generated.proto` of k8s.io/api and
//    k8s.io/apimachinery as a gzipped FileDescriptorProto. We scan for gzip headers,
//    inflate, and keep what decodes as a k8s.io FileDescriptorProto.
//
// 2. The Go struct tags of the API types (`json:"replicas,omitempty" protobuf:"varint,1,
//    opt,name=replicas"`), which say how each proto field appears in JSON. Go keeps them
//    for reflection: each struct type has an array of {name, type, offset} fields whose
//    name points at a blob "flags, len, Name, len, tag" in .rodata. We find the blobs of
//    tags that contain `protobuf:"`, the field arrays that point at them, and the struct
//    types that own those arrays, whose package path and name match the proto message's
//    go_package and name.
//
// What is written: for each message, its fields in declaration order as protobufjs JSON
// ({ type, id, rule?: "repeated", keyType? for maps }); map entry messages become map
// fields. All descriptor options are dropped; instead a field may carry these options:
//   go_pointer: true   a scalar that is a Go pointer (`*int32 replicas`). gogo writes a
//                      non-pointer scalar even when it is the zero value, so a decoder
//                      must read a non-pointer zero as "unset"; a pointer is written only
//                      when set and its zero is meaningful.
//   json_name: "x"     the JSON name, where it is not the proto name (`Webhooks`, `uID`).
//   inline: true       an embedded struct tagged `json:",inline"` whose fields sit in the
//                      parent object in JSON (Volume.volumeSource, Probe.handler).
//   omitempty: false   a non-pointer scalar whose JSON tag lacks omitempty: Go prints its
//                      zero value (PodDisruptionBudgetStatus.currentHealthy: 0).
// When @kubernetes/client-node is installed, the JSON names are also cross-checked against
// its OpenAPI models.
import { parseGeneratorArgs } from './lib/kubectl-binary.mjs';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateRawSync, constants as zlibConstants } from 'node:zlib';

const require = createRequire(import.meta.url);
const protobuf = require('protobufjs');
const descriptor = require('protobufjs/ext/descriptor');

/** The API packages Skiff serves (k8s.io/api/<dir>); apimachinery dependencies follow. */
const SERVED = [
  'core/v1',
  'apps/v1',
  'batch/v1',
  'autoscaling/v1',
  'autoscaling/v2',
  'coordination/v1',
  'discovery/v1',
  'events/v1',
  'networking/v1',
  'policy/v1',
  'rbac/v1',
  'scheduling/v1',
  'storage/v1',
  'certificates/v1',
  'authentication/v1',
  'authorization/v1',
  'admissionregistration/v1',
  'node/v1',
  'flowcontrol/v1',
].map((dir) => `k8s.io/api/${dir}/generated.proto`);

/** Wanted but not embedded in kubectl (reported, not fatal). */
const OPTIONAL = ['k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1/generated.proto'];

/**
 * Messages with custom JSON (the decoder special-cases them) or that no Go struct backs
 * with protobuf tags; their fields need no JSON facts.
 */
const CUSTOM_JSON = new Set([
  'k8s.io.apimachinery.pkg.api.resource.Quantity',
  'k8s.io.apimachinery.pkg.api.resource.QuantityValue',
  'k8s.io.apimachinery.pkg.apis.meta.v1.Duration',
  'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1',
  'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime',
  'k8s.io.apimachinery.pkg.apis.meta.v1.Time',
  'k8s.io.apimachinery.pkg.apis.meta.v1.Timestamp',
  'k8s.io.apimachinery.pkg.apis.meta.v1.Verbs',
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString',
  'k8s.io.apimachinery.pkg.runtime.RawExtension',
  'k8s.io.apimachinery.pkg.runtime.Unknown',
  'k8s.io.api.authentication.v1.ExtraValue',
  'k8s.io.api.authorization.v1.ExtraValue',
  'k8s.io.api.certificates.v1.ExtraValue',
]);

// gogoproto.nullable, an extension of google.protobuf.FieldOptions.
const GOGO_NULLABLE = 65001;

function parseArgs(argv) {
  return parseGeneratorArgs(argv, new URL('../src/api/protobuf/descriptors.json', import.meta.url).pathname, 'usage: node scripts/gen-proto-descriptors.mjs [KUBECTL_BINARY] [--out FILE]');
}

// ---- a minimal protobuf wire reader, for the one option protobufjs' descriptor types drop

function readVarint(buf, pos) {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (pos.i >= buf.length) throw new Error('truncated varint');
    const byte = buf[pos.i++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return value;
  }
}

/** The fields of a message as [number, wireType, value] (value: number or Buffer). */
function wireFields(buf) {
  const pos = { i: 0 };
  const fields = [];
  while (pos.i < buf.length) {
    const tag = readVarint(buf, pos);
    const number = Math.floor(tag / 8);
    const wireType = tag % 8;
    let value;
    if (wireType === 0) value = readVarint(buf, pos);
    else if (wireType === 1 || wireType === 5) {
      const size = wireType === 1 ? 8 : 4;
      value = buf.subarray(pos.i, pos.i + size);
      pos.i += size;
    } else if (wireType === 2) {
      const length = readVarint(buf, pos);
      value = buf.subarray(pos.i, pos.i + length);
      pos.i += length;
    } else throw new Error(`unsupported wire type ${wireType}`);
    if (pos.i > buf.length) throw new Error('truncated field');
    fields.push([number, wireType, value]);
  }
  return fields;
}

/**
 * "Message.field" names of the fields whose options say (gogoproto.nullable) = false, read
 * from the raw FileDescriptorProto (message_type = 4, field = 2, options = 8, name = 1).
 */
function nonNullableFields(raw) {
  const result = new Set();
  for (const [number, , message] of wireFields(raw)) {
    if (number !== 4) continue;
    const messageFields = wireFields(message);
    const messageName = messageFields.find(([n]) => n === 1)?.[2].toString('utf8');
    for (const [n, , field] of messageFields) {
      if (n !== 2) continue;
      const fieldFields = wireFields(field);
      const fieldName = fieldFields.find(([m]) => m === 1)?.[2].toString('utf8');
      const nonNullable = fieldFields
        .filter(([m]) => m === 8)
        .some(([, , options]) => wireFields(options).some(([o, , v]) => o === GOGO_NULLABLE && v === 0));
      if (nonNullable) result.add(`${messageName}.${fieldName}`);
    }
  }
  return result;
}

// ---- 1. the FileDescriptorProtos

/**
 * Inflates the one gzip member at `start` (Go writes them back to back, and gunzip would
 * run on into the next member). Returns undefined when this is no gzip member.
 */
function inflateMember(buf, start) {
  const flags = buf[start + 3];
  if (flags === undefined || flags & 0xe0) return undefined;
  let pos = start + 10;
  if (flags & 4) pos += 2 + buf.readUInt16LE(pos); // FEXTRA
  if (flags & 8) pos = buf.indexOf(0, pos) + 1; // FNAME
  if (flags & 16) pos = buf.indexOf(0, pos) + 1; // FCOMMENT
  if (flags & 2) pos += 2; // FHCRC
  try {
    return inflateRawSync(buf.subarray(pos, pos + 1024 * 1024), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch {
    return undefined;
  }
}

function unvendor(name) {
  return name.replace(/^k8s\.io\/kubernetes\/vendor\//, '');
}

function extractDescriptors(binary) {
  const gzipMagic = Buffer.from([0x1f, 0x8b, 0x08]);
  const files = new Map();
  for (let i = binary.indexOf(gzipMagic); i >= 0; i = binary.indexOf(gzipMagic, i + 1)) {
    const raw = inflateMember(binary, i);
    if (!raw) continue;
    if (raw[0] !== 0x0a) continue; // FileDescriptorProto starts with field 1 (name)
    let file;
    try {
      file = descriptor.FileDescriptorProto.decode(raw);
    } catch {
      continue;
    }
    if (typeof file.name !== 'string' || !/^k8s\.io\/.*\.proto$/.test(file.name) || !file.package) continue;
    // Builds before about 1.29 name the files by their vendored path.
    file.name = unvendor(file.name);
    file.dependency = (file.dependency ?? []).map(unvendor);
    const previous = files.get(file.name);
    if (previous && !previous.raw.equals(raw)) throw new Error(`two different descriptors named ${file.name}`);
    files.set(file.name, { file, raw });
  }
  return files;
}

// ---- 2. the Go struct tags

function rodataSection(buf) {
  if (buf.readUInt32BE(0) !== 0x7f454c46 || buf[4] !== 2 || buf[5] !== 1) throw new Error('not a little-endian ELF64 binary');
  const shoff = Number(buf.readBigUInt64LE(0x28));
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);
  const names = shoff + buf.readUInt16LE(0x3e) * shentsize;
  const namesOffset = Number(buf.readBigUInt64LE(names + 24));
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * shentsize;
    const nameStart = namesOffset + buf.readUInt32LE(at);
    if (buf.toString('latin1', nameStart, buf.indexOf(0, nameStart)) !== '.rodata') continue;
    return { addr: Number(buf.readBigUInt64LE(at + 16)), offset: Number(buf.readBigUInt64LE(at + 24)), size: Number(buf.readBigUInt64LE(at + 32)) };
  }
  throw new Error('no .rodata section');
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reads the Go runtime's descriptions of the structs whose field tags carry protobuf tags.
 * Returns Map "k8s.io/api/core/v1.KeyToPath" -> Map field number -> { protoName, json,
 * inline, omitempty }.
 */
function goStructTags(buf) {
  const ro = rodataSection(buf);
  const end = ro.offset + ro.size;
  const inRodata = (addr) => addr >= ro.addr && addr < ro.addr + ro.size;
  const toOffset = (addr) => addr - ro.addr + ro.offset;

  // abi.Name: flags (1 exported, 2 has tag, 4 has pkgPath, 8 embedded), varint length,
  // name, then, with a tag, varint length and tag.
  const nameAt = (addr) => {
    if (!inRodata(addr)) return undefined;
    const pos = { i: toOffset(addr) };
    const flags = buf[pos.i++];
    if (flags & 0xf0) return undefined;
    const length = readVarint(buf, pos);
    if (length <= 0 || length > 128) return undefined;
    const name = buf.toString('latin1', pos.i, pos.i + length);
    if (!IDENTIFIER.test(name)) return undefined;
    pos.i += length;
    let tag = '';
    if (flags & 2) {
      const tagLength = readVarint(buf, pos);
      tag = buf.toString('latin1', pos.i, pos.i + tagLength);
    }
    return { name, tag };
  };

  // The names whose tags carry `protobuf:"`: find the tag text, then step back over its
  // length byte, the field name and the name's length byte to the flags byte.
  const text = buf.toString('latin1', ro.offset, end);
  const anchors = new Set();
  const blobStart = (tagStart, tagLengthBytes) => {
    for (let n = 1; n < 128; n++) {
      const lengthAt = tagStart - tagLengthBytes - n - 1;
      if (lengthAt < 1 || text.charCodeAt(lengthAt) !== n) continue;
      const flags = text.charCodeAt(lengthAt - 1);
      if (flags & 2 && !(flags & 0xf0) && IDENTIFIER.test(text.slice(lengthAt + 1, lengthAt + 1 + n))) return lengthAt - 1;
    }
    return undefined;
  };
  for (let i = text.indexOf('protobuf:"'); i >= 0; i = text.indexOf('protobuf:"', i + 1)) {
    for (let start = i; start > i - 512 && start > 2; start--) {
      if (!/^[a-zA-Z]+:"/.test(text.slice(start, start + 16))) continue;
      // The tag's length: one varint byte, or two for tags of 128 bytes and more.
      const one = text.charCodeAt(start - 1);
      const two = text.charCodeAt(start - 1) * 128 + (text.charCodeAt(start - 2) & 0x7f);
      const options = [];
      if (one < 0x80) options.push([one, 1]);
      if (text.charCodeAt(start - 2) >= 0x80 && one < 0x80) options.push([two, 2]);
      let found;
      for (const [length, bytes] of options) {
        if (start + length <= i || text[start + length - 1] !== '"') continue;
        found = blobStart(start, bytes);
        if (found !== undefined) break;
      }
      if (found === undefined) continue;
      anchors.add(ro.addr + found);
      break;
    }
  }

  // abi.StructField: name *byte, type *Type, offset uintptr (24 bytes, 8-aligned). A
  // struct's fields are consecutive, the first at offset 0, offsets non-decreasing.
  const fieldAt = (at) => {
    if (at < ro.offset || at + 24 > end) return undefined;
    const type = Number(buf.readBigUInt64LE(at + 8));
    const offset = Number(buf.readBigUInt64LE(at + 16));
    if (!inRodata(type) || offset > 1 << 24) return undefined;
    const name = nameAt(Number(buf.readBigUInt64LE(at)));
    return name && { ...name, offset };
  };
  const structs = new Map();
  for (let at = ro.offset; at + 24 <= end; at += 8) {
    if (!anchors.has(Number(buf.readBigUInt64LE(at)))) continue;
    let start = at;
    let field = fieldAt(start);
    if (!field) continue;
    while (field.offset !== 0) {
      const previous = fieldAt(start - 24);
      if (!previous || previous.offset > field.offset) break;
      start -= 24;
      field = previous;
    }
    if (structs.has(start)) continue;
    const fields = [field];
    for (let next = start + 24; ; next += 24) {
      const candidate = fieldAt(next);
      if (!candidate || candidate.offset === 0 || candidate.offset < fields[fields.length - 1].offset) break;
      fields.push(candidate);
    }
    structs.set(start, fields);
  }

  // abi.StructType: abi.Type (48 bytes: ... tflag at 20, kind at 23, Str at 40), pkgPath
  // *byte, fields []StructField (data, len, cap). With tflag Uncommon (1) an uncommonType
  // follows at 80, whose first int32 is the package path. Str and that path are offsets
  // from the start of the type data, which is the start of .rodata.
  const nameText = (addr) => {
    if (!inRodata(addr)) return undefined;
    const pos = { i: toOffset(addr) + 1 };
    const length = readVarint(buf, pos);
    return buf.toString('latin1', pos.i, pos.i + length);
  };
  const starts = new Map([...structs.keys()].map((start) => [start - ro.offset + ro.addr, start]));
  const byType = new Map();
  for (let at = ro.offset + 56; at + 16 <= end; at += 8) {
    const fieldsStart = starts.get(Number(buf.readBigUInt64LE(at)));
    if (fieldsStart === undefined) continue;
    const type = at - 56;
    const fields = structs.get(fieldsStart);
    const tflag = buf[type + 20];
    const kindStruct = (buf[type + 23] & 0x1f) === 25;
    if (!kindStruct || Number(buf.readBigUInt64LE(at + 8)) !== fields.length || !(tflag & 4) || !(tflag & 1)) continue;
    let name = nameText(ro.addr + buf.readInt32LE(type + 40));
    const pkgPath = nameText(ro.addr + buf.readInt32LE(type + 80));
    if (!name || !pkgPath) continue;
    if (tflag & 2) name = name.slice(1); // TFlagExtraStar
    const facts = new Map();
    for (const { tag } of fields) {
      const proto = /(?:^| )protobuf:"([^"]*)"/.exec(tag)?.[1];
      if (!proto) continue;
      const parts = proto.split(',');
      // name= is missing from a few tags (EphemeralContainer's `protobuf:"bytes,1,req"`).
      const protoName = parts.find((p) => p.startsWith('name='))?.slice(5);
      const [jsonName, ...jsonOptions] = (/(?:^| )json:"([^"]*)"/.exec(tag)?.[1] ?? '').split(',');
      facts.set(Number(parts[1]), { protoName, json: jsonName, inline: jsonOptions.includes('inline'), omitempty: jsonOptions.includes('omitempty') });
    }
    byType.set(`${pkgPath}.${name.slice(name.lastIndexOf('.') + 1)}`, facts);
  }
  return byType;
}

// ---- conversion to protobufjs JSON

function closure(files, roots) {
  const wanted = new Set();
  const visit = (name) => {
    if (wanted.has(name)) return;
    const entry = files.get(name);
    if (!entry) {
      if (name.startsWith('github.com/gogo/protobuf/') || name.startsWith('google/protobuf/')) return;
      throw new Error(`${name} is not embedded in the binary`);
    }
    wanted.add(name);
    for (const dependency of entry.file.dependency ?? []) visit(dependency);
  };
  for (const root of roots) visit(root);
  return [...wanted].sort();
}

const SCALARS = {
  TYPE_DOUBLE: 'double',
  TYPE_FLOAT: 'float',
  TYPE_INT64: 'int64',
  TYPE_UINT64: 'uint64',
  TYPE_INT32: 'int32',
  TYPE_FIXED64: 'fixed64',
  TYPE_FIXED32: 'fixed32',
  TYPE_BOOL: 'bool',
  TYPE_STRING: 'string',
  TYPE_BYTES: 'bytes',
  TYPE_UINT32: 'uint32',
  TYPE_SFIXED32: 'sfixed32',
  TYPE_SFIXED64: 'sfixed64',
  TYPE_SINT32: 'sint32',
  TYPE_SINT64: 'sint64',
};

// protobufjs' descriptor module decodes enums as numbers; name them.
const TYPE_NAMES = descriptor.FieldDescriptorProto.lookupEnum('Type').valuesById;
const LABEL_NAMES = descriptor.FieldDescriptorProto.lookupEnum('Label').valuesById;

function fieldType(field) {
  const type = typeof field.type === 'number' ? TYPE_NAMES[field.type] : field.type;
  if (type === 'TYPE_MESSAGE') return { message: field.typeName };
  const scalar = SCALARS[type];
  if (!scalar) throw new Error(`unsupported field type ${type} (${field.name})`);
  return { scalar };
}

const report = { matched: 0, unmatched: [] };

/**
 * The JSON facts of a message's fields, from the Go struct of the same package and name:
 * Map protoName -> { json, inline, omitempty }, or undefined when there is none.
 */
function jsonFacts(message, fullName, goPackage, goTags) {
  if (CUSTOM_JSON.has(fullName)) return undefined;
  const facts = goTags.get(`${goPackage}.${message.name}`);
  if (!facts) {
    if (message.field?.length) report.unmatched.push(fullName);
    return undefined;
  }
  report.matched++;
  const merged = new Map();
  for (const field of message.field ?? []) {
    const fact = facts.get(field.number);
    if (!fact || (fact.protoName !== undefined && fact.protoName !== field.name)) throw new Error(`${fullName}.${field.name} = ${field.number} has no matching Go struct field`);
    merged.set(field.name, fact);
  }
  return merged;
}

function messageJson(message, fileName, goPackage, nonNullable, goTags) {
  const fullName = message.fullName.slice(1);
  const where = `${fileName} ${message.name}`;
  if (message.enumType?.length || message.oneofDecl?.length || message.extension?.length) throw new Error(`${where}: enums, oneofs and extensions are not supported`);
  const entries = new Map();
  for (const nested of message.nestedType ?? []) {
    if (!nested.options?.mapEntry) throw new Error(`${where}: nested message ${nested.name} is not a map entry`);
    entries.set(nested.name, nested);
  }
  const facts = jsonFacts(message, fullName, goPackage, goTags);
  const fields = {};
  for (const field of message.field ?? []) {
    const label = typeof field.label === 'number' ? LABEL_NAMES[field.label] : field.label;
    const type = fieldType(field);
    const json = {};
    const options = {};
    const entryName = type.message?.split('.').pop();
    const entry = type.message && label === 'LABEL_REPEATED' && entries.get(entryName);
    let valueScalar = false;
    if (entry && type.message === `${message.fullName}.${entryName}`) {
      const key = entry.field.find((f) => f.number === 1);
      const value = entry.field.find((f) => f.number === 2);
      const keyType = fieldType(key);
      if (!keyType.scalar) throw new Error(`${where}.${field.name}: map key is not a scalar`);
      const valueType = fieldType(value);
      json.keyType = keyType.scalar;
      json.type = valueType.scalar ?? valueType.message;
      entries.delete(entryName);
    } else {
      json.type = type.scalar ?? type.message;
      if (label === 'LABEL_REPEATED') json.rule = 'repeated';
      else if (label === 'LABEL_REQUIRED') throw new Error(`${where}.${field.name}: required fields are not supported`);
      else if (type.scalar && type.scalar !== 'bytes') {
        if (nonNullable.has(`${message.name}.${field.name}`)) valueScalar = true;
        else options.go_pointer = true;
      }
    }
    const fact = facts?.get(field.name);
    if (fact?.inline) {
      if (!type.message || label === 'LABEL_REPEATED') throw new Error(`${where}.${field.name}: only a single message field can be inline`);
      options.inline = true;
    } else if (fact && fact.json !== field.name) {
      options.json_name = fact.json;
    }
    if (fact && valueScalar && !fact.omitempty) options.omitempty = false;
    if (Object.keys(options).length > 0) json.options = options;
    json.id = field.number;
    fields[field.name] = json;
  }
  if (entries.size > 0) throw new Error(`${where}: unused map entries ${[...entries.keys()].join(', ')}`);
  return { fields };
}

function insert(root, path, name, value) {
  let namespace = root;
  for (const part of path) {
    namespace.nested ??= {};
    namespace = namespace.nested[part] ??= {};
  }
  namespace.nested ??= {};
  if (namespace.nested[name]) throw new Error(`duplicate ${[...path, name].join('.')}`);
  namespace.nested[name] = value;
}

/** Sorts nested namespaces by name (fields keep declaration order) so output is deterministic. */
function sortNested(node) {
  if (!node.nested) return node;
  const sorted = {};
  for (const key of Object.keys(node.nested).sort()) sorted[key] = sortNested(node.nested[key]);
  return { ...node, nested: sorted };
}

/**
 * Checks every message that has a model in @kubernetes/client-node (generated from the
 * OpenAPI spec, so it carries the JSON names) against our JSON names and inline fields, a
 * second opinion on the Go struct tags. Returns the number of messages checked and the
 * disagreements (version skew between kubectl and client-node causes some), or undefined
 * when the package is absent.
 */
async function checkAgainstOpenApiModels(json) {
  let models;
  try {
    models = join(dirname(require.resolve('@kubernetes/client-node')), 'gen', 'models');
    statSync(models);
  } catch {
    return undefined;
  }
  const capital = (s) => (s ? s[0].toUpperCase() + s.slice(1) : '');
  const problems = [];
  let checked = 0;
  const visit = async (node, path) => {
    if (node.fields) {
      const name = path[path.length - 1];
      const [group, version] = path[2] === 'api' ? [path[3], path[4]] : ['', path[path.length - 2]];
      for (const candidate of [`${capital(group)}${capital(version)}${name}`, `${capital(version)}${name}`]) {
        const file = join(models, `${candidate}.js`);
        try {
          statSync(file);
        } catch {
          continue;
        }
        const model = (await import(pathToFileURL(file).href))[candidate];
        const jsonNames = new Set(model.getAttributeTypeMap().map((a) => a.baseName));
        for (const [fieldName, field] of Object.entries(node.fields)) {
          const jsonName = field.options?.json_name ?? fieldName;
          const where = `${path.join('.')}.${fieldName}`;
          if (field.options?.inline) {
            if (jsonNames.has(jsonName)) problems.push(`${where} is inline but ${candidate} has a field ${jsonName}`);
          } else if (!jsonNames.has(jsonName)) {
            problems.push(`${where}: ${candidate} has no JSON field ${jsonName}`);
          }
        }
        checked++;
        break;
      }
    }
    for (const [key, value] of Object.entries(node.nested ?? {})) await visit(value, [...path, key]);
  };
  await visit(json, []);
  return { checked, problems };
}

async function main() {
  const { binary: binaryPath, out } = parseArgs(process.argv.slice(2));
  const binary = readFileSync(binaryPath);
  const files = extractDescriptors(binary);
  const goTags = goStructTags(binary);
  const missing = OPTIONAL.filter((name) => !files.has(name));
  const names = closure(files, [...SERVED, ...OPTIONAL.filter((name) => files.has(name))]);
  const json = {};
  for (const name of names) {
    const { file, raw } = files.get(name);
    if (file.enumType?.length || file.service?.length || file.extension?.length) throw new Error(`${name}: enums, services and extensions are not supported`);
    const nonNullable = nonNullableFields(raw);
    const path = file.package.split('.');
    for (const message of file.messageType ?? []) {
      message.fullName = `.${file.package}.${message.name}`;
      insert(json, path, message.name, messageJson(message, name, file.options?.goPackage, nonNullable, goTags));
    }
  }
  const sorted = sortNested(json);
  const check = await checkAgainstOpenApiModels(sorted);
  // Prove protobufjs can load and resolve every reference before writing.
  protobuf.Root.fromJSON(sorted).resolveAll();
  const text = `${JSON.stringify(sorted)}\n`;
  writeFileSync(out, text);
  console.log(`${binaryPath}: ${files.size} descriptors embedded; wrote ${names.length} files (${text.length} bytes) to ${out}`);
  for (const name of names) console.log(`  ${name}`);
  console.log(`Go struct tags found for ${report.matched} messages`);
  if (report.unmatched.length > 0) console.log(`no Go struct tags (JSON names taken from proto names, zero values omitted): ${report.unmatched.join(', ')}`);
  if (!check) console.log('JSON names not cross-checked: @kubernetes/client-node is not installed');
  else {
    console.log(`JSON names cross-checked against ${check.checked} @kubernetes/client-node models`);
    if (check.problems.length > 0) console.warn(`warning: they disagree (version skew, or a bug here):\n  ${check.problems.join('\n  ')}`);
  }
  if (missing.length > 0) console.log(`not embedded in this binary, skipped: ${missing.join(', ')}`);
}

await main();
