import { describe, expect, it } from 'vitest';
import { OPERATION_EXAMPLES } from './examples.ts';
import { allEndpoints } from './server.ts';

describe('the API reference examples', () => {
  const endpoints = new Map(allEndpoints().map((endpoint) => [endpoint.operationId, endpoint]));

  it.each(Object.entries(OPERATION_EXAMPLES))('are bodies that %s accepts', (operationId, examples) => {
    const endpoint = endpoints.get(operationId);
    expect(endpoint, `no operation ${operationId}`).toBeDefined();
    const schema = endpoint!.documentedBody ?? endpoint!.body;
    expect(schema, `${operationId} takes no body`).toBeDefined();
    for (const example of examples) {
      const parsed = schema!.safeParse(example.body);
      expect(parsed.success, `${operationId} "${example.summary}": ${parsed.success ? '' : JSON.stringify(parsed.error.issues)}`).toBe(true);
    }
  });
});
