import { describe, expect, it } from 'vitest';
import { BindingUriError, parseBindingUri } from '../../../src/pipeline/api/binding-uri.js';

describe('parseBindingUri', () => {
  it('splits usage, resource and parameters', () => {
    expect(parseBindingUri('topic-read:batch-topic?consumerGroup=env&window=5')).toEqual({
      usageType: 'topic-read',
      resourceName: 'batch-topic',
      parameters: { consumerGroup: 'env', window: '5' },
    });
  });

  it('treats a bare name as a shared resource without usage', () => {
    expect(parseBindingUri('dlq')).toEqual({ usageType: null, resourceName: 'dlq', parameters: {} });
  });

  it('percent-decodes parameter values and allows empty ones', () => {
    expect(parseBindingUri('queue-in:q?path=a%2Fb%20c&empty=').parameters).toEqual({ path: 'a/b c', empty: '' });
  });

  it.each([
    ['', /it is empty/],
    [':q', /usage type '' is not a name/],
    ['queue-in:', /resource name '' is not a name/],
    ['queue-in:bad name', /resource name 'bad name'/],
    ['queue-in:q?novalue', /parameter 'novalue' is not key=value/],
    ['queue-in:q?a=1&a=2', /parameter 'a' is given twice/],
    ['queue-in:q?a=%zz', /not valid percent-encoding/],
  ])('rejects %j', (uri, message) => {
    expect(() => parseBindingUri(uri)).toThrow(BindingUriError);
    expect(() => parseBindingUri(uri)).toThrow(message);
  });
});
