import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkPatchContentType, patchMediaType, patchTypeFromContentType, supportedPatchContentTypes } from './content-types.js';

describe('patch content types', () => {
  it('reads the media type as upstream does', () => {
    assert.equal(patchTypeFromContentType('application/strategic-merge-patch+json'), 'strategic');
    assert.equal(patchTypeFromContentType('application/merge-patch+json; charset=utf-8'), 'merge');
    assert.equal(patchTypeFromContentType('application/json-patch+json'), 'json');
    assert.equal(patchTypeFromContentType('application/apply-patch+yaml'), 'apply');
    assert.equal(patchTypeFromContentType('application/json'), undefined);
    assert.equal(patchTypeFromContentType('Application/Merge-Patch+JSON'), undefined, 'exact comparison');
    assert.equal(patchMediaType(';x'), ';x');
  });

  it('lists the types a resource accepts', () => {
    assert.deepEqual(supportedPatchContentTypes({ customResource: false }), [
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
      'application/apply-patch+yaml',
    ]);
    assert.equal(supportedPatchContentTypes({ customResource: true }).includes('application/strategic-merge-patch+json'), false);
  });

  it('answers 415 with the accepted list for anything else', () => {
    assert.equal(checkPatchContentType('application/strategic-merge-patch+json', { customResource: false }), undefined);
    const refused = checkPatchContentType('application/strategic-merge-patch+json', { customResource: true });
    assert.deepEqual(refused?.status, {
      code: 415,
      reason: 'UnsupportedMediaType',
      message:
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    });
    assert.equal(checkPatchContentType('text/plain', { customResource: false })?.status.code, 415);
  });
});
