// Request bodies: size limit, content types and decoding, with upstream's errors.

import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { isObject, type JsonObject } from '../api/types.js';
import { newBadRequest, newRequestEntityTooLarge, newUnsupportedMediaType } from './status.js';
import { decodeKubernetesProtobuf, PROTOBUF_MEDIA_TYPE } from '../api/protobuf/index.js';

/** kube-apiserver's limit on a request body (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export const OBJECT_MEDIA_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
export const PATCH_MEDIA_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
  'application/apply-patch+cbor',
];

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** The bare media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** What reading a body fails with when the client goes away first (as the stream iterator's). */
function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.reject(newRequestEntityTooLarge(limit));
  }
  // Listeners would wait forever on a stream that already ended or went away.
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  if (req.destroyed) return Promise.reject(prematureClose());
  // Listeners rather than `for await`: for the small bodies most writes have, the
  // async iterator (its promises, and destroying the request after the loop) costs
  // more than reading.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        stop();
        req.resume();
        // As leaving the iterator's loop early did: the rest of the body is not read.
        req.destroy();
        reject(newRequestEntityTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error): void => {
      stop();
      reject(err);
    };
    // Closed before the end of the body: the client went away (the iterator's premature close).
    const onClose = (): void => {
      stop();
      reject(prematureClose());
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw newBadRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

function parseYamlDocument(text: string): unknown {
  try {
    return parseYaml(text, { strict: true, uniqueKeys: true });
  } catch (err) {
    throw newBadRequest(`error converting YAML to JSON: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Decodes an object body (POST/PUT); 415 for media types the server does not read. */
export function decodeObjectBody(contentType: string | undefined, body: Buffer): JsonObject {
  const type = mediaType(contentType) || 'application/json';
  let value: unknown;
  if (type === 'application/json') value = parseJson(body.toString('utf8'));
  else if (type === 'application/yaml') value = parseYamlDocument(body.toString('utf8'));
  else if (type === PROTOBUF_MEDIA_TYPE) {
    // kubectl 1.32+ sends built-in kinds as Kubernetes protobuf.
    const decoded = decodeKubernetesProtobuf(body);
    if (!decoded.ok) {
      if (decoded.code === 415) throw newUnsupportedMediaType(type, ['application/json', 'application/yaml']);
      throw newBadRequest(`the body of the request could not be decoded: ${decoded.message}`);
    }
    value = decoded.object;
  } else throw newUnsupportedMediaType(type, OBJECT_MEDIA_TYPES);
  if (!isObject(value)) throw newBadRequest(`couldn't get version/kind; json parse error: expected an object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  return value;
}

export function patchTypeOf(contentType: string | undefined): PatchType {
  switch (mediaType(contentType)) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
      return 'apply';
    default:
      throw newUnsupportedMediaType(mediaType(contentType), PATCH_MEDIA_TYPES.filter((t) => !t.endsWith('cbor')));
  }
}

/** Decodes a patch body: JSON for every type, YAML (a superset) for apply patches. */
export function decodePatchBody(type: PatchType, body: Buffer): unknown {
  const text = body.toString('utf8');
  if (type === 'apply') return parseYamlDocument(text);
  return parseJson(text);
}
