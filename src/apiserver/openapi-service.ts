// /openapi/v2 and /openapi/v3 for the served resources, rebuilt lazily when the set
// of served resources changes (CRDs), and schema-driven decoding checks of request
// bodies: unknown fields (fieldValidation Strict, Warn, Ignore) and wrong JSON types.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildOpenAPIV2, buildOpenAPIV3, definitionForKind, validateAgainstSchema, type OpenAPIV3Documents, type SchemaObject } from '../api/openapi/index.js';
import type { ResourceInfo } from '../api/resources.js';
import { encodeOpenAPIV2Protobuf, negotiateOpenAPIV2, OPENAPI_V2_PROTOBUF_CONTENT_TYPE } from '../api/openapi-proto/index.js';
import { isObject, type KubeObject } from '../api/types.js';
import { newBadRequest, newNotAcceptable } from './status.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function fieldValidationOf(query: URLSearchParams): FieldValidation {
  const value = query.get('fieldValidation');
  if (value === null || value === '') return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  throw newBadRequest(`fieldValidation: Unsupported value: "${value}": supported values: "Ignore", "Strict", "Warn"`);
}

/** Removes a field given as upstream prints it: `spec.containers[0].foo`. */
function dropPath(obj: unknown, path: string): void {
  const steps: Array<string | number> = [];
  for (const part of path.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return;
    if (m[1]) steps.push(m[1]);
    for (const index of m[2]!.matchAll(/\[(\d+)\]/g)) steps.push(Number(index[1]));
  }
  let cur: unknown = obj;
  for (const step of steps.slice(0, -1)) {
    if (typeof step === 'number') cur = Array.isArray(cur) ? cur[step] : undefined;
    else cur = isObject(cur) ? cur[step] : undefined;
    if (cur === undefined) return;
  }
  const last = steps[steps.length - 1];
  if (typeof last === 'string' && isObject(cur)) delete cur[last];
}

export class OpenApiService {
  private generation = 0;
  private built = -1;
  private v2Json = '';
  private v2Doc: object | undefined;
  /** The protobuf encoding of the v2 document, made on first request per generation. */
  private v2Protobuf: Buffer | undefined;
  private v3: OpenAPIV3Documents | undefined;
  private readonly v3Json = new Map<string, string>();

  constructor(
    private readonly served: () => readonly ResourceInfo[],
    private readonly extraDefinitions: () => Record<string, SchemaObject> = () => ({}),
  ) {}

  /** The served resources changed: rebuild the documents on next use. */
  invalidate(): void {
    this.generation++;
  }

  /** Definition names by "group/version/kind", for one generation of served resources. */
  private readonly definitionNames = new Map<string, string | undefined>();
  private definitionsGeneration = -1;

  /**
   * The definition a kind is checked against. Looked up once per generation, like the
   * documents: the lookup gathers every custom resource's schemas, too much for each write.
   */
  private definitionFor(info: ResourceInfo): string | undefined {
    if (this.definitionsGeneration !== this.generation) {
      this.definitionNames.clear();
      this.definitionsGeneration = this.generation;
    }
    const key = `${info.group}/${info.version}/${info.kind}`;
    if (this.definitionNames.has(key)) return this.definitionNames.get(key);
    const name = definitionForKind(info.group, info.version, info.kind, this.extraDefinitions());
    this.definitionNames.set(key, name);
    return name;
  }

  private build(): void {
    if (this.built === this.generation) return;
    const resources = this.served().filter((r) => !r.virtual || r.verbs.includes('create'));
    const options = { extraDefinitions: this.extraDefinitions() };
    this.v2Doc = buildOpenAPIV2(resources, options);
    this.v2Json = JSON.stringify(this.v2Doc);
    this.v2Protobuf = undefined;
    this.v3 = buildOpenAPIV3(resources, options);
    this.v3Json.clear();
    this.built = this.generation;
  }

  /** Serves an /openapi path; false when the path is not one. */
  serve(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    if (path === '/openapi/v2' || path === '/swagger.json' || path === '/swagger-2.0.0.pb-v1') {
      // kubectl asks for protobuf only (client-side apply reads patch metadata from it).
      const format = path === '/swagger-2.0.0.pb-v1' ? 'protobuf' : negotiateOpenAPIV2(req.headers.accept);
      if (!format) throw newNotAcceptable('the OpenAPI v2 document is served as application/json or application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
      this.build();
      res.setHeader('Vary', 'Accept');
      if (format === 'protobuf') {
        this.v2Protobuf ??= Buffer.from(encodeOpenAPIV2Protobuf(this.v2Doc!));
        res.writeHead(200, { 'Content-Type': OPENAPI_V2_PROTOBUF_CONTENT_TYPE, 'Content-Length': this.v2Protobuf.length, 'Cache-Control': 'no-cache, private' });
        res.end(this.v2Protobuf);
        return true;
      }
      send(res, this.v2Json);
      return true;
    }
    if (path === '/openapi/v3' || path === '/openapi/v3/') {
      this.build();
      send(res, JSON.stringify(this.v3!.root));
      return true;
    }
    if (path.startsWith('/openapi/v3/')) {
      this.build();
      const key = path.slice('/openapi/v3/'.length);
      const doc = this.v3!.groupVersions.get(key);
      if (!doc) return false;
      let json = this.v3Json.get(key);
      if (json === undefined) this.v3Json.set(key, (json = JSON.stringify(doc)));
      send(res, json, 'public, immutable');
      return true;
    }
    return false;
  }

  /**
   * Checks a decoded body against its kind's schema: type errors are 400; unknown
   * fields are 400 (Strict), warnings (Warn) or nothing (Ignore), and are dropped.
   */
  check(info: ResourceInfo, obj: KubeObject, mode: FieldValidation): string[] {
    const definition = this.definitionFor(info);
    if (!definition) return [];
    const result = validateAgainstSchema(obj, definition, { unknownFields: mode === 'Ignore' ? 'ignore' : mode === 'Strict' ? 'strict' : 'warn' });
    const prefix = `${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: `;
    if (result.typeErrors.length) throw newBadRequest(prefix + result.typeErrors.map((e) => e.message).join(', '));
    if (result.unknownFields.length === 0) return [];
    if (mode === 'Strict') throw newBadRequest(`${prefix}strict decoding error: ${result.unknownFields.join(', ')}`);
    for (const field of result.unknownFields) {
      const m = /^unknown field "(.*)"$/.exec(field);
      if (m) dropPath(obj, m[1]!);
    }
    return mode === 'Warn' ? result.unknownFields : [];
  }
}

function send(res: ServerResponse, json: string, cacheControl = 'no-cache, private'): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json), 'Cache-Control': cacheControl });
  res.end(json);
}

/** Adds upstream's Warning headers (kubectl prints them as "Warning: ..."). */
export function addWarnings(res: ServerResponse, warnings: readonly string[]): void {
  if (warnings.length === 0) return;
  const existing = res.getHeader('Warning');
  const values = [...(Array.isArray(existing) ? existing : existing ? [String(existing)] : []), ...warnings.map((w) => `299 - ${JSON.stringify(w)}`)];
  res.setHeader('Warning', values);
}
